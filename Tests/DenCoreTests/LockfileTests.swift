import Foundation
import Testing
@testable import DenCore

@Suite struct LockfileTests {
    static let lock = Lockfile(
        base: "debian:bookworm", manifestHash: String(repeating: "a", count: 64), architecture: "amd64",
        archive: .init(suite: "stable", codename: "bookworm", version: "12.8", date: "Sat, 09 Nov 2024 10:27:46 UTC",
                       inReleaseSHA256: String(repeating: "b", count: 64)),
        packages: [
            .init(name: "zlib1g", version: "1:1.2.13.dfsg-1", architecture: "amd64", path: "pool/main/z/zlib/zlib1g_1.2.13.dfsg-1_amd64.deb",
                  size: 87000, sha256: String(repeating: "c", count: 64), layer: .base),
            .init(name: "apt", version: "2.6.1", architecture: "amd64", path: "pool/main/a/apt/apt_2.6.1_amd64.deb",
                  size: 1_400_000, sha256: String(repeating: "d", count: 64), layer: .packages),
        ])

    @Test func rendersSortedAndParsesBack() throws {
        let text = Self.lock.rendered()
        #expect(text.hasSuffix("\n"))
        #expect(text.contains("version = 1\n"))
        #expect(text.range(of: "name = \"apt\"")!.lowerBound < text.range(of: "name = \"zlib1g\"")!.lowerBound)
        #expect(try Lockfile.parse(text, file: "den.lock") == Self.lock)
        // Same inputs, same bytes.
        #expect(Lockfile(base: Self.lock.base, manifestHash: Self.lock.manifestHash, architecture: "amd64",
                         archive: Self.lock.archive, packages: Self.lock.packages.reversed()).rendered() == text)
    }

    @Test func keepsEachPackagesLayer() throws {
        let parsed = try Lockfile.parse(Self.lock.rendered(), file: "den.lock")
        #expect(parsed.packages(in: .base).map(\.name) == ["zlib1g"])
        #expect(parsed.packages(in: .packages).map(\.name) == ["apt"])
        let unknown = Self.lock.rendered().replacingOccurrences(of: "layer = \"base\"", with: "layer = \"top\"")
        #expect(throws: LockfileError.self) { try Lockfile.parse(unknown, file: "den.lock") }
    }

    @Test func rejectsOtherFormatsWithTheLine() {
        #expect(throws: LockfileError.self) { try Lockfile.parse("version = 2\nbase = \"x\"\n", file: "den.lock") }
        do {
            _ = try Lockfile.parse("version = 1\nbase = 3\n", file: "den.lock")
            Issue.record("parsed a lock with a numeric base")
        } catch {
            #expect(error.line == 2)
        }
    }

    @Test func listsWhatChanged() {
        var newer = Self.lock
        newer.packages[0].version = "2.6.2"
        newer.packages.removeLast()
        newer.packages.append(.init(name: "git", version: "1:2.39.5", architecture: "amd64", path: "p", size: 1, sha256: "e", layer: .packages))
        #expect(newer.changes(from: Self.lock) == ["~ apt 2.6.1 -> 2.6.2", "+ git 1:2.39.5", "- zlib1g 1:1.2.13.dfsg-1"])
        #expect(Self.lock.changes(from: Self.lock).isEmpty)
    }

    @Test func manifestHashIgnoresWhatDoesNotChangeTheResolution() throws {
        func manifest(_ text: String) throws -> Manifest {
            try Manifest.parse(text, file: "den.toml", projectDirectory: "/p", homeDirectory: "/h")
        }
        let a = try manifest("base = \"debian:bookworm\"\npackages = [\"git\", \"make\"]\n")
        let b = try manifest("# tools\nbase = \"debian:bookworm\"\npackages = [\"make\", \"git\"]\n[vars]\nX = \"1\"\n")
        let c = try manifest("base = \"debian:bookworm\"\npackages = [\"git\"]\n")
        #expect(a.lockHash(architecture: "amd64") == b.lockHash(architecture: "amd64"))
        #expect(a.lockHash(architecture: "amd64") != c.lockHash(architecture: "amd64"))
        #expect(a.lockHash(architecture: "amd64") != a.lockHash(architecture: "arm64"))
    }
}
