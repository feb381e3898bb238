import DenArchive
import Foundation
import Glibc
import Testing

@Suite("TarWriter")
struct TarWriterTests {
    init() { _ = localeReady }

    /// A small tree with every kind the writer stores, plus a fifo it must skip.
    static func makeTree(in scratch: Scratch) throws -> String {
        let tree = scratch.path + "/tree"
        let manager = FileManager.default
        func file(_ path: String, _ bytes: [UInt8], mode: Int) throws {
            let full = tree + "/" + path
            try manager.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try Data(bytes).write(to: URL(fileURLWithPath: full))
            chmod(full, mode_t(mode))
        }
        try file("b/second.txt", Array("second\n".utf8), mode: 0o644)
        try file("a/first.txt", Array("first\n".utf8), mode: 0o600)
        try file("a/run.sh", Array("#!/bin/sh\n".utf8), mode: 0o4755)
        try file("Z-upper", [], mode: 0o644)
        try file("big.bin", (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }, mode: 0o644)
        try file("c/" + String(repeating: "x", count: 200), Array("long name\n".utf8), mode: 0o644)
        try file("\u{e9}t\u{e9}.txt", Array("unicode\n".utf8), mode: 0o644)
        try manager.createDirectory(atPath: tree + "/empty", withIntermediateDirectories: false)
        chmod(tree + "/empty", 0o1777)
        #expect(link(tree + "/a/first.txt", tree + "/b/hard.txt") == 0)
        #expect(symlink("../a/first.txt", tree + "/b/link") == 0)
        #expect(symlink("/nonexistent/target", tree + "/dangling") == 0)
        #expect(mkfifo(tree + "/fifo", 0o644) == 0)
        return tree
    }

    static let fixedTime = ArchiveTimestamp(seconds: 1_600_000_000)

    @Test("tar.zst of a tree lists like GNU tar and round-trips", arguments: [
        TarWriter.Compression.zstd(level: 19), .zstd(level: 1), .gzip(level: 9), .none,
    ])
    func treeRoundTrip(compression: TarWriter.Compression) throws {
        let scratch = try Scratch()
        let tree = try Self.makeTree(in: scratch)
        let archive = scratch.path + "/tree.tar"
        let writer = try TarWriter(path: archive, compression: compression)
        let summary = try writer.addTree(atPath: tree, options: TarWriter.TreeOptions(fixedModificationTime: Self.fixedTime, ownership: .fixed(uid: 0, gid: 0)))
        try writer.finish()
        #expect(summary.skippedSpecialFiles == 1)
        #expect(summary.files == 7 && summary.hardlinks == 1 && summary.symlinks == 2 && summary.directories == 4)

        // ORACLE: GNU tar (through zstd -dc for .tar.zst) lists what our reader reads.
        let command: String
        switch compression {
        // set -o pipefail: zstd must accept the whole file (no padding behind the stream).
        case .zstd: command = "set -o pipefail; zstd -dc \(Shell.quoted(archive)) | tar --full-time --quoting-style=literal -tvf -"
        case .gzip: command = "set -o pipefail; gzip -dc \(Shell.quoted(archive)) | tar --full-time --quoting-style=literal -tvf -"
        default: command = "tar --full-time --quoting-style=literal -tvf \(Shell.quoted(archive))"
        }
        let tar = try Shell.run(["bash", "-c", command])
        #expect(tar.status == 0, "\(tar.errorText)")
        let oracle = tar.text.split(separator: "\n").compactMap(TarListingRow.init(tarLine:))
        let ours = try TarListingRow.listing(of: ArchiveReader(path: archive))
        #expect(ours == oracle)
        #expect(ours.map(\.name) == [
            "Z-upper", "a/", "a/first.txt", "a/run.sh", "b/", "b/hard.txt link to a/first.txt",
            "b/link -> ../a/first.txt", "b/second.txt", "big.bin", "c/", "c/" + String(repeating: "x", count: 200),
            "dangling -> /nonexistent/target", "empty/", "\u{e9}t\u{e9}.txt",
        ])
        #expect(ours.allSatisfy { $0.owner == "0/0" && $0.date == "2020-09-13" && $0.time == "12:26:40" })

        // Round trip: extracting gives the tree back (bar the fifo, and with the fixed mtime).
        let extractor = try SafeExtractor(rootPath: scratch.root, options: ExtractionOptions(preservesSetIDBits: true))
        try extractor.extract(from: ArchiveReader(path: archive))
        var expected = try TreeSnapshot(of: tree).withoutInodes()
        expected.nodes["fifo"] = nil
        for key in expected.nodes.keys { expected.nodes[key]?.mtime = 1_600_000_000 }
        #expect(try TreeSnapshot(of: scratch.root).withoutInodes() == expected)
    }

    @Test("output is reproducible", arguments: [TarWriter.Compression.zstd(level: 3), .gzip(level: 6), .none])
    func reproducible(compression: TarWriter.Compression) throws {
        let scratch = try Scratch()
        let tree = try Self.makeTree(in: scratch)
        var outputs: [Data] = []
        for index in 0..<2 {
            if index == 1 {
                // Different mtimes and atimes on disk must not leak into the archive.
                _ = try Shell.run(["touch", tree + "/a/first.txt", tree + "/b"])
                sleep(1)
            }
            let path = scratch.path + "/out\(index)"
            let writer = try TarWriter(path: path, compression: compression)
            try writer.addTree(atPath: tree, options: TarWriter.TreeOptions(fixedModificationTime: Self.fixedTime))
            try writer.finish()
            outputs.append(try Data(contentsOf: URL(fileURLWithPath: path)))
        }
        #expect(outputs[0] == outputs[1])
        if case .gzip = compression {
            #expect(Array(outputs[0][4..<8]) == [0, 0, 0, 0], "no timestamp in the gzip header")
        }
    }

    @Test func explicitEntriesReadBackExactly() throws {
        let scratch = try Scratch()
        let archive = scratch.path + "/explicit.tar.zst"
        let source = scratch.path + "/source.bin"
        let sourceBytes = (0..<70_000).map { UInt8(truncatingIfNeeded: $0 % 251) }
        try Data(sourceBytes).write(to: URL(fileURLWithPath: source))
        let fd = open(source, O_RDONLY)
        defer { close(fd) }

        let time = ArchiveTimestamp(seconds: 1_234_567_890, nanoseconds: 500_000_000)
        let writer = try TarWriter(path: archive, compression: .zstd(level: 5))
        try writer.addDirectory("etc", metadata: EntryMetadata(permissions: 0o755, modificationTime: time))
        try writer.addFile("etc/hosts", metadata: EntryMetadata(permissions: 0o644, uid: 1000, gid: 100, userName: "user", groupName: "users", modificationTime: time), contents: Array("127.0.0.1 localhost\n".utf8))
        try writer.addFile("usr/big", metadata: EntryMetadata(permissions: 0o755, uid: 70_000_000, gid: 5), contentsOf: fd)
        try writer.addSymlink("etc/localtime", target: "/usr/share/zoneinfo/UTC", metadata: EntryMetadata(permissions: 0o777))
        try writer.addHardlink("etc/hosts.bak", target: "etc/hosts", metadata: EntryMetadata(permissions: 0o644))
        try writer.finish()
        #expect(throws: ArchiveError.writerFinished) { try writer.finish() }
        #expect(throws: ArchiveError.writerFinished) { try writer.addDirectory("late", metadata: EntryMetadata(permissions: 0o755)) }

        let entries = try readEverything(ArchiveReader(path: archive))
        // pax-restricted keeps whole seconds only.
        let stored = ArchiveTimestamp(seconds: time.seconds)
        #expect(entries.map(\.0) == [
            ArchiveEntry(path: "etc/", kind: .directory, permissions: 0o755, userName: "", groupName: "", modificationTime: stored),
            ArchiveEntry(path: "etc/hosts", kind: .file, permissions: 0o644, uid: 1000, gid: 100, userName: "user", groupName: "users", size: 20, modificationTime: stored),
            ArchiveEntry(path: "usr/big", kind: .file, permissions: 0o755, uid: 70_000_000, gid: 5, userName: "", groupName: "", size: 70_000, modificationTime: ArchiveTimestamp(seconds: 0)),
            ArchiveEntry(path: "etc/localtime", kind: .symlink, permissions: 0o777, userName: "", groupName: "", modificationTime: ArchiveTimestamp(seconds: 0), symlinkTarget: "/usr/share/zoneinfo/UTC"),
            ArchiveEntry(path: "etc/hosts.bak", kind: .hardlink, permissions: 0o644, userName: "", groupName: "", modificationTime: ArchiveTimestamp(seconds: 0), hardlinkTarget: "etc/hosts"),
        ])
        #expect(entries[1].1 == Array("127.0.0.1 localhost\n".utf8))
        #expect(entries[2].1 == sourceBytes)
        let tar = try Shell.run(["sh", "-c", "zstd -dc \(Shell.quoted(archive)) | tar -tvf -"])
        #expect(tar.status == 0 && tar.text.split(separator: "\n").count == 5, "\(tar.errorText)")
    }

    @Test func writesToADescriptorAndRefusesNULInNames() throws {
        let scratch = try Scratch()
        let path = scratch.path + "/fd.tar"
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        let writer = try TarWriter(fileDescriptor: fd, compression: .none)
        try writer.addFile("ok", metadata: EntryMetadata(permissions: 0o644), contents: [1, 2, 3])
        #expect(throws: ArchiveError.unsafePath(path: "bad\u{0}name", reason: .nulCharacter)) {
            try writer.addFile("bad\u{0}name", metadata: EntryMetadata(permissions: 0o644), contents: [])
        }
        try writer.finish()
        close(fd)
        let entries = try readEverything(ArchiveReader(path: path))
        #expect(entries.map(\.0.path) == ["ok"])
        #expect(entries.first?.1 == [1, 2, 3])
    }

    @Test func treeOptionsNameTheRootAndKeepOwners() throws {
        let scratch = try Scratch()
        let tree = try Self.makeTree(in: scratch)
        let archive = scratch.path + "/prefixed.tar.gz"
        let writer = try TarWriter(path: archive, compression: .gzip())
        try writer.addTree(atPath: tree, options: TarWriter.TreeOptions(pathPrefix: "./", includesRootDirectory: true, detectsHardlinks: false))
        try writer.finish()
        let entries = try readEverything(ArchiveReader(path: archive))
        #expect(entries.first?.0.path == "./")
        #expect(entries.allSatisfy { $0.0.path.hasPrefix("./") })
        #expect(entries.allSatisfy { $0.0.uid == Int64(getuid()) })
        let hard = try #require(entries.first { $0.0.path == "./b/hard.txt" })
        #expect(hard.0.kind == .file && hard.1 == Array("first\n".utf8))
        var info = stat()
        lstat(tree + "/a/first.txt", &info)
        #expect(entries.first { $0.0.path == "./a/first.txt" }?.0.modificationTime?.seconds == Int64(info.st_mtim.tv_sec))
    }
}

extension TarWriterTests {
    @Test func nonUTF8NamesAreStoredAsBytesAndRefusedOnRead() throws {
        let scratch = try Scratch()
        let tree = scratch.path + "/raw"
        try FileManager.default.createDirectory(atPath: tree, withIntermediateDirectories: false)
        let rawName: [UInt8] = Array("caf".utf8) + [0xe9]
        let directory = open(tree, O_RDONLY | O_DIRECTORY)
        let fd = (rawName.map { CChar(bitPattern: $0) } + [0]).withUnsafeBufferPointer {
            openat(directory, $0.baseAddress!, O_WRONLY | O_CREAT, 0o644)
        }
        close(directory)
        try #require(fd >= 0)
        close(fd)
        let archive = scratch.path + "/raw.tar"
        let writer = try TarWriter(path: archive, compression: .none)
        try writer.addTree(atPath: tree)
        try writer.finish()
        // GNU tar sees the original bytes (literal quoting passes them through).
        let tar = try Shell.run(["tar", "--quoting-style=literal", "-tf", archive])
        #expect(tar.output == Data(rawName + [0x0a]))
        #expect(throws: ArchiveError.invalidPathEncoding(bytes: rawName)) {
            try ArchiveReader(path: archive).next()
        }
    }

    @Test func anOutOfRangeLevelIsAConfigurationError() throws {
        let scratch = try Scratch()
        let error = try #require(throws: ArchiveError.self) {
            try TarWriter(path: scratch.path + "/x.tar.zst", compression: .zstd(level: 99))
        }
        guard case .library(.configure, _, _, nil) = error else {
            Issue.record("unexpected \(error)")
            return
        }
    }
}

extension TarWriter.Compression: CustomTestStringConvertible {
    public var testDescription: String {
        switch self {
        case .none: "plain"
        case let .gzip(level): "gzip -\(level)"
        case let .zstd(level): "zstd -\(level)"
        }
    }
}
