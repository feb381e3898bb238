import DenArchive
import Foundation
import Glibc
import Testing

@Suite("SafeExtractor")
struct SafeExtractorTests {
    init() { _ = localeReady }

    @Test("extracts like GNU tar", arguments: ["gnu.tar", "pax.tar", "gnu.tar.zst", "hostile/hardlink-valid.tar", "hostile/setid.tar"])
    func matchesTarExtraction(fixture: String) throws {
        let scratch = try Scratch()
        let oracleRoot = scratch.path + "/oracle"
        try FileManager.default.createDirectory(atPath: oracleRoot, withIntermediateDirectories: false)
        let path = try Fixture.path(fixture)
        let tar = try Shell.run(["tar", "--no-same-owner", "-xpf", path, "-C", oracleRoot])
        #expect(tar.status == 0, "\(tar.errorText)")

        let extractor = try SafeExtractor(rootPath: scratch.root, options: ExtractionOptions(preservesSetIDBits: true))
        let summary = try extractor.extract(from: ArchiveReader(path: path))

        let ours = try TreeSnapshot(of: scratch.root).withoutInodes()
        let theirs = try TreeSnapshot(of: oracleRoot).withoutInodes()
        #expect(ours == theirs, "ours:\n\(ours)\n\ntar:\n\(theirs)")
        let listing = try TarListingRow.oracle(path)
        #expect(summary.entries == listing.count)
        #expect(summary.files == listing.filter { $0.mode.hasPrefix("-") }.count)
        #expect(summary.hardlinks == listing.filter { $0.mode.hasPrefix("h") }.count)
        #expect(summary.symlinks == listing.filter { $0.mode.hasPrefix("l") }.count)
        #expect(summary.directories == listing.filter { $0.mode.hasPrefix("d") }.count)
        #expect(summary.bytes == listing.filter { $0.mode.hasPrefix("-") }.reduce(0) { $0 + (Int64($1.size) ?? 0) })
    }

    @Test func dotPrefixedPathsAreNormalised() throws {
        let scratch = try Scratch()
        var rootBefore = stat()
        stat(scratch.root, &rootBefore)
        #expect(try extractionError("hostile/dot-prefixed.tar", into: scratch.root) == nil)
        let tree = try TreeSnapshot(of: scratch.root)
        #expect(tree.nodes.keys.sorted() == ["ok", "ok/file.txt", "ok/second.txt"])
        #expect(tree.nodes["ok"]?.mode == 0o750)
        #expect(tree.nodes["ok/second.txt"]?.contents == Array("second\n".utf8))
        // `./` is the caller's directory: its mode stays.
        var rootAfter = stat()
        stat(scratch.root, &rootAfter)
        #expect(rootAfter.st_mode == rootBefore.st_mode)
    }

    @Test func devicesFifosAndSocketsAreSkippedAndCounted() throws {
        let scratch = try Scratch()
        let extractor = try SafeExtractor(rootPath: scratch.root)
        let summary = try extractor.extract(from: ArchiveReader(path: Fixture.path("hostile/devices.tar")))
        #expect(summary.skippedSpecialFiles == 3)
        #expect(summary.files == 1)
        #expect(summary.entries == 4)
        #expect(try TreeSnapshot(of: scratch.root).nodes.keys.sorted() == ["regular.txt"])
    }

    @Test(arguments: [false, true])
    func setIDBitsAreDroppedUnlessKept(preserve: Bool) throws {
        let scratch = try Scratch()
        let extractor = try SafeExtractor(rootPath: scratch.root, options: ExtractionOptions(preservesSetIDBits: preserve))
        try extractor.extract(from: ArchiveReader(path: Fixture.path("hostile/setid.tar")))
        let tree = try TreeSnapshot(of: scratch.root)
        #expect(tree.nodes["setuid"]?.mode == (preserve ? 0o4755 : 0o755))
        #expect(tree.nodes["setgid"]?.mode == (preserve ? 0o2755 : 0o755))
        // Directories keep setgid (group inheritance only) and the sticky bit either way.
        #expect(tree.nodes["shared"]?.mode == 0o2775)
        #expect(tree.nodes["tmp"]?.mode == 0o1777)
    }

    /// GNU tar gives up on this one ("File name too long"); component by component it is fine.
    @Test func aDeepPathIsExtracted() throws {
        let scratch = try Scratch()
        #expect(try extractionError("hostile/deep-path.tar", into: scratch.root) == nil)
        // Longer than PATH_MAX once the root is in front, so the check walks with openat too.
        var directory = open(scratch.root, O_RDONLY | O_DIRECTORY)
        for index in 0..<440 {
            let next = openat(directory, String(format: "d%08d", index), O_RDONLY | O_DIRECTORY | O_NOFOLLOW)
            close(directory)
            try #require(next >= 0, "d\(index) missing")
            directory = next
        }
        let file = openat(directory, "bottom.txt", O_RDONLY | O_NOFOLLOW)
        close(directory)
        try #require(file >= 0)
        defer { close(file) }
        var buffer = [UInt8](repeating: 0, count: 16)
        let count = read(file, &buffer, buffer.count)
        #expect(Array(buffer.prefix(max(count, 0))) == Array("deep\n".utf8))
    }

    @Test func laterEntriesReplaceEarlierOnesAtomically() throws {
        let scratch = try Scratch()
        #expect(try extractionError("hostile/replace.tar", into: scratch.root) == nil)
        let tree = try TreeSnapshot(of: scratch.root)
        #expect(tree.nodes.keys.sorted() == ["f.txt", "l", "s"], "no temporary names left behind")
        #expect(tree.nodes["f.txt"]?.contents == Array("second\n".utf8))
        #expect(tree.nodes["f.txt"]?.mode == 0o600)
        #expect(tree.nodes["l"]?.type == "-")
        #expect(tree.nodes["l"]?.contents == Array("file replaces symlink\n".utf8))
        #expect(tree.nodes["s"]?.linkTarget == "f.txt")
    }

    @Test func aFileReplacesADirectoryTreeEvenAReadOnlyOne() throws {
        let scratch = try Scratch()
        #expect(try extractionError("hostile/file-over-directory.tar", into: scratch.root) == nil)
        let tree = try TreeSnapshot(of: scratch.root)
        #expect(tree.nodes.keys.sorted() == ["d"])
        #expect(tree.nodes["d"]?.contents == Array("now a file\n".utf8))
    }

    @Test func directoryModesAndTimesAreAppliedAfterTheirContents() throws {
        let scratch = try Scratch()
        #expect(try extractionError("hostile/readonly-directory.tar", into: scratch.root) == nil)
        let tree = try TreeSnapshot(of: scratch.root)
        #expect(tree.nodes["ro"]?.mode == 0o555)
        #expect(tree.nodes["ro/sub"]?.mode == 0o500)
        #expect(tree.nodes["ro/sub/f.txt"]?.mode == 0o444)
        #expect(tree.nodes["ro/sub/f.txt"]?.contents == Array("inside\n".utf8))
        // Filling ro/sub would have moved its mtime had it been set first.
        #expect(tree.nodes["ro"]?.mtime == 1_700_000_000)
        #expect(tree.nodes["ro/sub"]?.mtime == 1_700_000_000)
        #expect(tree.nodes["ro/sub/f.txt"]?.mtime == 1_700_000_000)
    }

    @Test func ownershipIsIgnoredByDefault() throws {
        let scratch = try Scratch()
        let archive = scratch.path + "/owned.tar"
        let writer = try TarWriter(path: archive, compression: .none)
        try writer.addDirectory("d", metadata: EntryMetadata(permissions: 0o755, uid: 1234, gid: 4321))
        try writer.addFile("d/f", metadata: EntryMetadata(permissions: 0o644, uid: 1234, gid: 4321), contents: [1])
        try writer.addSymlink("d/l", target: "f", metadata: EntryMetadata(permissions: 0o777, uid: 1234, gid: 4321))
        try writer.finish()
        try SafeExtractor(rootPath: scratch.root).extract(from: ArchiveReader(path: archive))
        for name in ["d", "d/f", "d/l"] {
            var info = stat()
            lstat(scratch.root + "/" + name, &info)
            #expect(info.st_uid == getuid() && info.st_gid == getgid(), "\(name)")
        }
    }

    @Test(.enabled(if: getuid() == 0, "chown to another id needs root (or root in a user namespace)"))
    func ownershipIsAppliedWhenAsked() throws {
        let scratch = try Scratch()
        let archive = scratch.path + "/owned.tar"
        let writer = try TarWriter(path: archive, compression: .none)
        try writer.addDirectory("d", metadata: EntryMetadata(permissions: 0o755, uid: 1234, gid: 4321))
        try writer.addFile("d/f", metadata: EntryMetadata(permissions: 0o4755, uid: 1234, gid: 4321), contents: [1])
        try writer.addSymlink("d/l", target: "f", metadata: EntryMetadata(permissions: 0o777, uid: 1234, gid: 4321))
        try writer.finish()
        let options = ExtractionOptions(ownership: .apply, preservesSetIDBits: true)
        try SafeExtractor(rootPath: scratch.root, options: options).extract(from: ArchiveReader(path: archive))
        for name in ["d", "d/f", "d/l"] {
            var info = stat()
            lstat(scratch.root + "/" + name, &info)
            #expect(info.st_uid == 1234 && info.st_gid == 4321, "\(name)")
        }
        // chown clears setuid, so the mode has to be applied after the owner.
        #expect(try TreeSnapshot(of: scratch.root).nodes["d/f"]?.mode == 0o4755)
    }

    @Test func ownersThatDoNotFitAreATypedError() throws {
        let scratch = try Scratch()
        let archive = scratch.path + "/big-id.tar"
        let writer = try TarWriter(path: archive, compression: .none)
        try writer.addFile("f", metadata: EntryMetadata(permissions: 0o644, uid: 1 << 40, gid: 0), contents: [1])
        try writer.finish()
        let extractor = try SafeExtractor(rootPath: scratch.root, options: ExtractionOptions(ownership: .apply))
        #expect(throws: ArchiveError.ownerOutOfRange(entry: "f", uid: 1 << 40, gid: 0)) {
            try extractor.extract(from: ArchiveReader(path: archive))
        }
        #expect(try TreeSnapshot(of: scratch.root).nodes.isEmpty)
    }

    @Test func usrMergeSymlinksAreFollowedAndKept() throws {
        let scratch = try Scratch()
        try FileManager.default.createDirectory(atPath: scratch.root + "/usr/bin", withIntermediateDirectories: true)
        #expect(symlink("usr/bin", scratch.root + "/bin") == 0)
        #expect(symlink("/usr/bin", scratch.root + "/sbin") == 0)
        let archive = scratch.path + "/merged.tar"
        let writer = try TarWriter(path: archive, compression: .none)
        try writer.addDirectory("./bin", metadata: EntryMetadata(permissions: 0o700))
        try writer.addFile("./bin/tool", metadata: EntryMetadata(permissions: 0o755), contents: Array("tool".utf8))
        try writer.addDirectory("./sbin", metadata: EntryMetadata(permissions: 0o700))
        try writer.addFile("./sbin/admin", metadata: EntryMetadata(permissions: 0o755), contents: Array("admin".utf8))
        try writer.addHardlink("./bin/tool-link", target: "./sbin/../bin/tool".replacingOccurrences(of: "sbin/../", with: ""), metadata: EntryMetadata(permissions: 0o755))
        try writer.finish()

        let summary = try SafeExtractor(rootPath: scratch.root).extract(from: ArchiveReader(path: archive))
        #expect(summary.directories == 2 && summary.files == 2 && summary.hardlinks == 1)
        let tree = try TreeSnapshot(of: scratch.root)
        #expect(tree.nodes["bin"]?.linkTarget == "usr/bin")
        #expect(tree.nodes["sbin"]?.linkTarget == "/usr/bin")
        #expect(tree.nodes["usr/bin"]?.mode == 0o755, "a kept symlink's target keeps its own mode")
        #expect(tree.nodes["usr/bin/tool"]?.contents == Array("tool".utf8))
        #expect(tree.nodes["usr/bin/admin"]?.contents == Array("admin".utf8))
        #expect(tree.nodes["usr/bin/tool-link"]?.inode == tree.nodes["usr/bin/tool"]?.inode)

        // Rejecting symlinks turns the directory entries into real directories instead.
        let strict = try Scratch()
        try FileManager.default.createDirectory(atPath: strict.root + "/usr/bin", withIntermediateDirectories: true)
        #expect(symlink("usr/bin", strict.root + "/bin") == 0)
        try SafeExtractor(rootPath: strict.root, options: ExtractionOptions(symlinkPolicy: .reject)).extract(from: ArchiveReader(path: archive))
        let strictTree = try TreeSnapshot(of: strict.root)
        #expect(strictTree.nodes["bin"]?.type == "d")
        #expect(strictTree.nodes["bin/tool"]?.contents == Array("tool".utf8))
        #expect(strictTree.nodes["usr/bin/tool"] == nil)
    }

    @Test func worksFromADescriptorAndReportsTheSameSummary() throws {
        let scratch = try Scratch()
        let fd = open(scratch.root, O_RDONLY | O_DIRECTORY)
        defer { close(fd) }
        let extractor = try SafeExtractor(rootDescriptor: fd)
        let summary = try extractor.extract(from: ArchiveReader(path: Fixture.path("gnu.tar.xz")))
        #expect(summary == extractor.summary)
        #expect(summary.files == 11 && summary.hardlinks == 1 && summary.symlinks == 3 && summary.directories == 7)
        #expect(FileManager.default.contents(atPath: scratch.root + "/dir/file.txt") == Data("hello\n".utf8))
    }

    @Test func removalNeverFollowsTheLastComponentAndStaysInside() throws {
        let scratch = try Scratch()
        try FileManager.default.createDirectory(atPath: scratch.root + "/d/inner", withIntermediateDirectories: true)
        try Data("x".utf8).write(to: URL(fileURLWithPath: scratch.root + "/d/inner/f"))
        try Data("y".utf8).write(to: URL(fileURLWithPath: scratch.root + "/d/g"))
        chmod(scratch.root + "/d/inner", 0o555)
        #expect(symlink("../outside", scratch.root + "/out") == 0)
        #expect(symlink("../../outside", scratch.root + "/d/out") == 0)
        let before = try scratch.snapshotOutsideRoot()
        let extractor = try SafeExtractor(rootPath: scratch.root)

        #expect(try extractor.removeItem(atPath: "out") == true)
        #expect(try extractor.removeItem(atPath: "missing") == false)
        #expect(try extractor.removeItem(atPath: "missing/below") == false)
        #expect(throws: ArchiveError.unsafePath(path: "../outside/secret.txt", reason: .parentReference)) {
            try extractor.removeItem(atPath: "../outside/secret.txt")
        }
        #expect(throws: ArchiveError.unresolvableSymlink(path: "d/out/secret.txt", symlink: "d/out", reason: .escapesRoot)) {
            try extractor.removeItem(atPath: "d/out/secret.txt")
        }
        try extractor.removeContents(ofDirectory: "d")
        #expect(try TreeSnapshot(of: scratch.root).nodes.keys.sorted() == ["d"])
        #expect(try scratch.snapshotOutsideRoot() == before)
        #expect(try extractor.removeItem(atPath: "./d/") == true)
        #expect(try TreeSnapshot(of: scratch.root).nodes.isEmpty)
    }
}
