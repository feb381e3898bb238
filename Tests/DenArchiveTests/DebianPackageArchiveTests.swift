import DenArchive
import Foundation
import Glibc
import Testing

@Suite("DebianPackageArchive")
struct DebianPackageArchiveTests {
    init() { _ = localeReady }

    static let control = """
        Package: den-hello
        Version: 1.2-3
        Architecture: all
        Maintainer: den <den@localhost>
        Description: a package built by the test
         with a continuation line

        """

    /// Stages a package tree and builds it with `dpkg-deb --build` (always present on Debian).
    static func buildPackage(in scratch: Scratch, compression: String) throws -> String {
        let stage = scratch.path + "/stage"
        let manager = FileManager.default
        func file(_ path: String, _ text: String, mode: Int) throws {
            let full = stage + "/" + path
            try manager.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try Data(text.utf8).write(to: URL(fileURLWithPath: full))
            chmod(full, mode_t(mode))
        }
        try file("DEBIAN/control", control, mode: 0o644)
        try file("DEBIAN/postinst", "#!/bin/sh\nset -e\necho configured\n", mode: 0o755)
        try file("DEBIAN/prerm", "#!/bin/sh\nexit 0\n", mode: 0o755)
        try file("DEBIAN/conffiles", "/etc/den-hello.conf\n", mode: 0o644)
        try file("etc/den-hello.conf", "greeting = hello\n", mode: 0o644)
        try file("usr/bin/den-hello", "#!/bin/sh\necho hello\n", mode: 0o755)
        try file("usr/bin/den-suid", "suid\n", mode: 0o4755)
        try file("usr/share/doc/den-hello/README", "read me\n", mode: 0o644)
        try file("usr/lib/den-hello/one", "same inode\n", mode: 0o644)
        try file("usr/lib/den-hello/readonly/inside", "inside\n", mode: 0o444)
        try file("bin/den-tool", "tool\n", mode: 0o755)
        #expect(link(stage + "/usr/lib/den-hello/one", stage + "/usr/lib/den-hello/two") == 0)
        #expect(symlink("README", stage + "/usr/share/doc/den-hello/README.link") == 0)
        #expect(symlink("/usr/bin/den-hello", stage + "/usr/bin/den-hello-abs") == 0)
        try manager.createDirectory(atPath: stage + "/var/lib/den-hello", withIntermediateDirectories: true)
        chmod(stage + "/var/lib/den-hello", 0o700)
        chmod(stage + "/usr/lib/den-hello/readonly", 0o555)
        // Fixed, distinct mtimes so the comparison covers them.
        let touch = try Shell.run(["sh", "-c", "i=0; find . -mindepth 1 | sort | while read p; do i=$((i+1)); touch -h -d @$((1700000000 + i * 60)) \"$p\"; done", ], currentDirectory: stage)
        #expect(touch.status == 0, "\(touch.errorText)")
        let deb = scratch.path + "/den-hello.deb"
        let build = try Shell.run(["dpkg-deb", "--root-owner-group", "-Z" + compression, "--build", stage, deb])
        #expect(build.status == 0, "\(build.errorText)")
        return deb
    }

    @Test("control and data match dpkg-deb's own extraction", arguments: ["xz", "gzip", "zstd", "none"])
    func matchesDpkgDeb(compression: String) throws {
        let scratch = try Scratch()
        let deb = try Self.buildPackage(in: scratch, compression: compression)

        let package = try DebianPackageArchive(path: deb)
        #expect(package.formatVersion == "2.0")
        #expect(package.control.control == Self.control)
        #expect(Set(package.control.maintainerScripts.keys) == ["postinst", "prerm"])

        // Oracle for the control members: dpkg-deb -e.
        let controlDirectory = scratch.path + "/control"
        let extractControl = try Shell.run(["dpkg-deb", "-e", deb, controlDirectory])
        #expect(extractControl.status == 0, "\(extractControl.errorText)")
        let controlOracle = try TreeSnapshot(of: controlDirectory)
        #expect(Set(package.control.files.keys) == Set(controlOracle.nodes.keys))
        for (name, node) in controlOracle.nodes {
            #expect(package.control.files[name] == node.contents, "\(name)")
        }

        // Oracle for the data: dpkg-deb -x, which keeps setuid, so ours is asked to as well.
        let oracleRoot = scratch.path + "/oracle"
        let extractData = try Shell.run(["dpkg-deb", "-x", deb, oracleRoot])
        #expect(extractData.status == 0, "\(extractData.errorText)")
        let extractor = try SafeExtractor(rootPath: scratch.root, options: ExtractionOptions(preservesSetIDBits: true))
        let summary = try package.extractData(into: extractor)
        let ours = try TreeSnapshot(of: scratch.root).withoutInodes()
        var theirs = try TreeSnapshot(of: oracleRoot).withoutInodes()
        // GNU tar creates symlinks last, which bumps their directory's mtime after it was set;
        // directory mtimes are checked against the archive itself below instead.
        for (path, node) in theirs.nodes where node.type == "d" {
            theirs.nodes[path]?.mtime = ours.nodes[path]?.mtime ?? -1
        }
        #expect(ours == theirs, "ours:\n\(ours)\n\ndpkg-deb -x:\n\(theirs)")
        let listing = try readEverything(DebianPackageArchive(path: deb).openData())
        for (entry, _) in listing where entry.kind == .directory && entry.path != "./" {
            let key = String(entry.path.dropFirst(2).dropLast())
            #expect(ours.nodes[key]?.mtime == entry.modificationTime.map { Int($0.seconds) }, "\(key)")
        }
        #expect(summary.files == 7 && summary.hardlinks == 1 && summary.symlinks == 2)
        #expect(ours.nodes["usr/lib/den-hello/one"]?.linkGroup == "usr/lib/den-hello/one,usr/lib/den-hello/two")
    }

    @Test func dataStreamsIntoAUsrMergedRoot() throws {
        let scratch = try Scratch()
        let deb = try Self.buildPackage(in: scratch, compression: "xz")
        try FileManager.default.createDirectory(atPath: scratch.root + "/usr/bin", withIntermediateDirectories: true)
        #expect(symlink("usr/bin", scratch.root + "/bin") == 0)

        let package = try DebianPackageArchive(path: deb)
        let data = try package.openData()
        var paths: [String] = []
        let extractor = try SafeExtractor(rootPath: scratch.root)
        while let entry = try data.next() {
            paths.append(entry.path)
            try extractor.extract(entry, from: data)
        }
        try extractor.finish()
        #expect(paths.contains("./bin/den-tool"))
        let tree = try TreeSnapshot(of: scratch.root)
        #expect(tree.nodes["bin"]?.linkTarget == "usr/bin")
        #expect(tree.nodes["usr/bin/den-tool"]?.contents == Array("tool\n".utf8))
        #expect(tree.nodes["usr/bin/den-suid"]?.mode == 0o755)

        #expect(throws: ArchiveError.invalidDebianPackage(path: deb, problem: .dataAlreadyOpened)) {
            try package.openData()
        }
    }

    @Test func ignoresUnderscoreMembers() throws {
        let path = try Fixture.path("deb/extra-member.deb")
        let package = try DebianPackageArchive(path: path)
        #expect(package.control.control.hasPrefix("Package: den-fixture\n"))
        #expect(package.control.maintainerScripts == ["postinst": Array("#!/bin/sh\nexit 0\n".utf8)])
        let entries = try readEverything(package.openData())
        #expect(entries.map(\.0.path) == ["./", "./usr/", "./usr/share/", "./usr/share/den-fixture"])
        #expect(entries.last?.1 == Array("payload\n".utf8))
    }

    @Test("malformed packages are refused", arguments: [
        ("deb/version-3.deb", DebianPackageProblem.unsupportedFormatVersion("3.0")),
        ("deb/no-debian-binary.deb", .unexpectedMember(name: "control.tar.gz")),
        ("deb/no-control-file.deb", .missingControlFile),
    ])
    func malformedAtOpen(fixture: String, problem: DebianPackageProblem) throws {
        let path = try Fixture.path(fixture)
        #expect(throws: ArchiveError.invalidDebianPackage(path: path, problem: problem)) {
            try DebianPackageArchive(path: path)
        }
    }

    @Test("malformed data members are refused", arguments: [
        ("deb/no-data.deb", DebianPackageProblem.missingMember(name: "data.tar")),
        ("deb/lzma-data.deb", .unsupportedCompression(member: "data.tar.lzma")),
    ])
    func malformedData(fixture: String, problem: DebianPackageProblem) throws {
        let path = try Fixture.path(fixture)
        let package = try DebianPackageArchive(path: path)
        #expect(throws: ArchiveError.invalidDebianPackage(path: path, problem: problem)) {
            try package.openData()
        }
    }

    @Test func aMislabelledMemberFailsInsteadOfBeingSniffed() throws {
        let package = try DebianPackageArchive(path: Fixture.path("deb/mislabelled-data.deb"))
        let error = try #require(throws: ArchiveError.self) {
            let data = try package.openData()
            while try data.next() != nil {}
        }
        guard case .library = error else {
            Issue.record("expected a libarchive error, got \(error)")
            return
        }
    }

    @Test func aTarballIsNotAPackage() throws {
        let path = try Fixture.path("gnu.tar")
        let error = try #require(throws: ArchiveError.self) { try DebianPackageArchive(path: path) }
        guard case .library(.open, _, _, _) = error else {
            Issue.record("expected libarchive to refuse the format, got \(error)")
            return
        }
    }
}
