import Foundation
import Synchronization
import Testing
@testable import DenCore

@Suite struct ByteSizeTests {
    static let mebibyte: UInt64 = 1 << 20
    static let sizes: [(String, UInt64)] = [
        ("512M", 512 * mebibyte), ("2G", 2048 * mebibyte), ("2g", 2048 * mebibyte), ("1.5GiB", 1536 * mebibyte),
        ("64 MiB", 64 * mebibyte), ("1048576", mebibyte), ("3T", 3 * 1024 * 1024 * mebibyte), ("10KB", 10240),
    ]

    @Test(arguments: sizes)
    func parses(text: String, bytes: UInt64) {
        #expect(ByteSize.parse(text) == bytes)
    }

    @Test(arguments: ["", "G", "1..2G", ".5G", "5X", "-1G", "1e3", "99999999999T"])
    func rejects(text: String) {
        #expect(ByteSize.parse(text) == nil)
    }

    static let formatted: [(UInt64, String)] = [(100, "100 B"), (2048 * mebibyte, "2 GiB"), (1536 * mebibyte, "1.5 GiB"), (512 * mebibyte, "512 MiB")]

    @Test(arguments: formatted)
    func formats(bytes: UInt64, text: String) {
        #expect(ByteSize.format(bytes) == text)
    }
}

@Suite struct SuggestionTests {
    @Test(arguments: [
        ("pakages", "packages"), ("packges", "packages"), ("Name", "name"), ("nmae", "name"), ("limit", "limits"),
        ("mounts", "mount"), ("netwrok", "network"),
    ])
    func suggests(typo: String, expected: String) {
        let keys = ["name", "base", "packages", "shell", "network", "mount", "limits", "vars"]
        #expect(Suggestion.nearest(to: typo, among: keys) == expected)
    }

    @Test func staysQuietForUnrelatedWords() {
        #expect(Suggestion.nearest(to: "frobnicate", among: ["name", "base", "packages"]) == nil)
    }
}

@Suite struct PathTests {
    @Test(arguments: [("/a/./b//c/../d", "/a/b/d"), ("/../..", "/"), ("/", "/"), ("/x/", "/x")])
    func normalizes(path: String, expected: String) {
        #expect(Path.normalize(path) == expected)
    }

    @Test func containment() {
        #expect(Path.isWithin("/a/b", "/a"))
        #expect(Path.isWithin("/a", "/a"))
        #expect(!Path.isWithin("/ab", "/a"))
        #expect(Path.isWithin("/anything", "/"))
    }
}

@Suite struct FileLockTests {
    /// `den rm` removes an env's start lock while holding it. A den that was waiting for that
    /// lock must not go on holding the removed file alongside a den that opened the path
    /// afterwards: both would start the env.
    @Test func aLockWhoseFileWasRemovedIsNeverHeldTwice() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("den-lock-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = "\(directory)/env.lock"
        let first = try FileLock(path: path)
        let state = Mutex((holding: 0, most: 0, done: 0))
        let contend: @Sendable () -> Void = {
            guard let lock = try? FileLock(path: path) else { return }
            state.withLock { $0.holding += 1; $0.most = max($0.most, $0.holding) }
            usleep(300_000)
            state.withLock { $0.holding -= 1; $0.done += 1 }
            lock.release()
        }
        Thread(block: contend).start()  // waits for the file `first` holds
        usleep(200_000)
        first.removeFile()
        Thread(block: contend).start()  // opens the path after the removal
        for _ in 0..<100 where state.withLock({ $0.done }) < 2 { usleep(50_000) }
        #expect(state.withLock { $0.done } == 2)
        #expect(state.withLock { $0.most } == 1)
    }

    @Test func envIDsAreRecognised() {
        #expect(Environment.isID("local-0123abcd"))
        #expect(Environment.isID("my-app-ffffffff"))
        #expect(!Environment.isID("probe"))
        #expect(!Environment.isID("-0123abcd"))
        #expect(!Environment.isID("local-0123ABCD"))
        #expect(!Environment.isID("local_0123abcd"))
    }
}
