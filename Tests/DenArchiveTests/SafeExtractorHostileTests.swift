import DenArchive
import Foundation
import Glibc
import Testing

/// Hostile tarballs from scripts/make-archive-fixtures: each must fail with exactly the typed
/// error below, and nothing outside the root may change.
@Suite("SafeExtractor against hostile archives")
struct SafeExtractorHostileTests {
    init() { _ = localeReady }

    struct Case: Sendable, CustomTestStringConvertible {
        var fixture: String
        var options = ExtractionOptions()
        var expected: ArchiveError
        var testDescription: String {
            var text = fixture
            if options.symlinkPolicy == .reject { text += " (symlinks rejected)" }
            if options.maxEntryCount != ExtractionOptions().maxEntryCount { text += " (max \(options.maxEntryCount) entries)" }
            if options.maxTotalBytes != ExtractionOptions().maxTotalBytes { text += " (max \(options.maxTotalBytes) bytes)" }
            return text
        }
    }

    static let cases: [Case] = [
        Case(fixture: "hostile/parent-escape.tar",
             expected: .unsafePath(path: "../escape.txt", reason: .parentReference)),
        Case(fixture: "hostile/nested-parent-escape.tar",
             expected: .unsafePath(path: "sub/../../escape.txt", reason: .parentReference)),
        Case(fixture: "hostile/absolute-path.tar",
             expected: .unsafePath(path: "/abs/path.txt", reason: .absolute)),
        Case(fixture: "hostile/symlink-absolute.tar",
             expected: .unresolvableSymlink(path: "a/den-archive-escape-check.txt", symlink: "a", reason: .targetMissing)),
        Case(fixture: "hostile/symlink-absolute.tar", options: ExtractionOptions(symlinkPolicy: .reject),
             expected: .unresolvableSymlink(path: "a/den-archive-escape-check.txt", symlink: "a", reason: .followingDisabled)),
        Case(fixture: "hostile/symlink-relative-escape.tar",
             expected: .unresolvableSymlink(path: "a/file.txt", symlink: "a", reason: .escapesRoot)),
        Case(fixture: "hostile/symlink-dotdot.tar",
             expected: .unresolvableSymlink(path: "up/escape.txt", symlink: "up", reason: .escapesRoot)),
        Case(fixture: "hostile/symlink-chain-escape.tar",
             expected: .unresolvableSymlink(path: "sub/x/escape.txt", symlink: "sub/y", reason: .escapesRoot)),
        Case(fixture: "hostile/symlink-loop.tar",
             expected: .unresolvableSymlink(path: "l1/file.txt", symlink: "l1", reason: .tooManyLevels)),
        Case(fixture: "hostile/hardlink-absolute.tar",
             expected: .invalidHardlink(path: "passwd", target: "/etc/passwd", reason: .unsafeTarget(.absolute))),
        Case(fixture: "hostile/hardlink-parent.tar",
             expected: .invalidHardlink(path: "x", target: "../outside/secret.txt", reason: .unsafeTarget(.parentReference))),
        Case(fixture: "hostile/hardlink-through-symlink.tar",
             expected: .unresolvableSymlink(path: "h", symlink: "s", reason: .escapesRoot)),
        Case(fixture: "hostile/hardlink-to-symlink.tar",
             expected: .invalidHardlink(path: "h", target: "s", reason: .targetNotRegularFile)),
        Case(fixture: "hostile/hardlink-missing.tar",
             expected: .invalidHardlink(path: "h", target: "nowhere.txt", reason: .targetMissing)),
        Case(fixture: "hostile/long-component.tar",
             expected: .unsafePath(path: String(repeating: "n", count: 4000), reason: .nameTooLong)),
        Case(fixture: "hostile/long-component-gnu.tar",
             expected: .unsafePath(path: String(repeating: "g", count: 4000), reason: .nameTooLong)),
        Case(fixture: "hostile/non-utf8-name.tar",
             expected: .invalidPathEncoding(bytes: Array("caf".utf8) + [0xe9] + Array(".txt".utf8))),
        Case(fixture: "hostile/zero-bomb.tar.zst", options: ExtractionOptions(maxTotalBytes: 1 << 20),
             expected: .byteLimitExceeded(limit: 1 << 20, entry: "zeros.bin")),
        Case(fixture: "hostile/sparse-bomb.tar.gz", options: ExtractionOptions(maxTotalBytes: 1 << 30),
             expected: .byteLimitExceeded(limit: 1 << 30, entry: "sparse.img")),
        Case(fixture: "hostile/many-files.tar", options: ExtractionOptions(maxEntryCount: 10),
             expected: .entryCountLimitExceeded(limit: 10, entry: "f010.txt")),
        Case(fixture: "hostile/many-files.tar", options: ExtractionOptions(maxTotalBytes: 1050),
             expected: .byteLimitExceeded(limit: 1050, entry: "f010.txt")),
    ]

    @Test("refused with a typed error, nothing outside changes", arguments: cases)
    func hostile(_ testCase: Case) throws {
        let scratch = try Scratch()
        let before = try scratch.snapshotOutsideRoot()
        let hostEscape = "/tmp/den-archive-escape-check.txt"
        #expect(access(hostEscape, F_OK) != 0)
        var passwd = stat()
        stat("/etc/passwd", &passwd)

        let error = try extractionError(testCase.fixture, into: scratch.root, options: testCase.options)

        #expect(error == testCase.expected)
        #expect(try scratch.snapshotOutsideRoot() == before)
        #expect(access(hostEscape, F_OK) != 0)
        var passwdAfter = stat()
        stat("/etc/passwd", &passwdAfter)
        #expect(passwdAfter.st_nlink == passwd.st_nlink)
        #expect(passwdAfter.st_mtim.tv_sec == passwd.st_mtim.tv_sec)
    }

    @Test("damaged archives fail with a libarchive error", arguments: [
        "hostile/truncated-data.tar", "hostile/truncated-data.tar.gz", "hostile/truncated-header.tar",
        "hostile/garbage.bin", "hostile/garbage.gz",
    ])
    func damaged(fixture: String) throws {
        let scratch = try Scratch()
        let before = try scratch.snapshotOutsideRoot()
        let error = try #require(try extractionError(fixture, into: scratch.root))
        guard case .library = error else {
            Issue.record("expected a libarchive error, got \(error)")
            return
        }
        #expect(try scratch.snapshotOutsideRoot() == before)
        // A file cut short is not left behind, under its own name or a temporary one.
        let left = try TreeSnapshot(of: scratch.root).nodes.keys.sorted()
        #expect(left.allSatisfy { $0 == "first.txt" })
    }

    @Test func anAbsoluteSymlinkIsReadFromTheRoot() throws {
        let scratch = try Scratch()
        try FileManager.default.createDirectory(atPath: scratch.root + "/tmp", withIntermediateDirectories: false)
        #expect(try extractionError("hostile/symlink-absolute.tar", into: scratch.root) == nil)
        #expect(FileManager.default.contents(atPath: scratch.root + "/tmp/den-archive-escape-check.txt") == Data("pwned\n".utf8))
        #expect(access("/tmp/den-archive-escape-check.txt", F_OK) != 0)
    }

    @Test func aDirectoryEntryReplacesAnEscapingSymlink() throws {
        let scratch = try Scratch()
        let before = try scratch.snapshotOutsideRoot()
        #expect(try extractionError("hostile/symlink-then-directory.tar", into: scratch.root) == nil)
        let after = try TreeSnapshot(of: scratch.root)
        #expect(after.nodes["a"]?.type == "d")
        #expect(after.nodes["a"]?.mode == 0o700)
        #expect(after.nodes["a/file.txt"]?.contents == Array("in a real directory\n".utf8))
        #expect(try scratch.snapshotOutsideRoot() == before)
    }

    @Test func aSymlinkThatStaysInsideIsFollowed() throws {
        let scratch = try Scratch()
        #expect(try extractionError("hostile/symlink-inside.tar", into: scratch.root) == nil)
        let tree = try TreeSnapshot(of: scratch.root)
        #expect(tree.nodes["sub/alias"]?.linkTarget == "../real")
        #expect(tree.nodes["real/file.txt"]?.contents == Array("through an inside link\n".utf8))

        let strict = try Scratch()
        #expect(try extractionError("hostile/symlink-inside.tar", into: strict.root, options: ExtractionOptions(symlinkPolicy: .reject))
            == .unresolvableSymlink(path: "sub/alias/file.txt", symlink: "sub/alias", reason: .followingDisabled))
    }

    @Test func existingLinksIntoTheOutsideAreReplacedNotWrittenThrough() throws {
        let scratch = try Scratch()
        // As an earlier layer could leave them: a hard link and a symlink to files outside the root.
        #expect(link(scratch.outside + "/secret.txt", scratch.root + "/victim") == 0)
        #expect(symlink("../outside/secret.txt", scratch.root + "/pointer") == 0)
        #expect(symlink("../outside", scratch.root + "/dirpointer") == 0)
        let archive = scratch.path + "/overwrite.tar"
        let writer = try TarWriter(path: archive, compression: .none)
        try writer.addFile("victim", metadata: EntryMetadata(permissions: 0o644), contents: Array("replaced\n".utf8))
        try writer.addFile("pointer", metadata: EntryMetadata(permissions: 0o644), contents: Array("replaced too\n".utf8))
        try writer.addDirectory("dirpointer", metadata: EntryMetadata(permissions: 0o755))
        try writer.finish()
        let before = try scratch.snapshotOutsideRoot()
        // secret.txt's link count drops back to 1 once "victim" is replaced.
        var expected = before
        expected.nodes["outside/secret.txt"]?.linkCount = 1

        let extractor = try SafeExtractor(rootPath: scratch.root)
        try extractor.extract(from: ArchiveReader(path: archive))

        #expect(try scratch.snapshotOutsideRoot() == expected)
        let tree = try TreeSnapshot(of: scratch.root)
        #expect(tree.nodes["victim"]?.contents == Array("replaced\n".utf8))
        #expect(tree.nodes["pointer"]?.type == "-")
        #expect(tree.nodes["dirpointer"]?.type == "d")
    }
}
