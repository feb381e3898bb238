import DenDebian
import Foundation
import Testing
@testable import DenCore

/// A throwaway stand-in for `/etc/apt`, with an empty `sources.list.d` unless `files` names it:
/// paths ending in `/` become directories, `-> target` values symlinks, everything else a file
/// with that text.
private struct AptDirectory: ~Copyable {
    let path: String

    init(_ files: [String: String] = [:]) throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("den-apt-\(UUID().uuidString)").path
        let fileManager = FileManager.default
        try fileManager.createDirectory(atPath: path, withIntermediateDirectories: true)
        if files["sources.list.d"] == nil {
            try fileManager.createDirectory(atPath: "\(path)/sources.list.d", withIntermediateDirectories: true)
        }
        for (name, contents) in files {
            let file = "\(path)/\(name)"
            let parent = (file as NSString).deletingLastPathComponent
            try fileManager.createDirectory(atPath: parent, withIntermediateDirectories: true)
            if name.hasSuffix("/") {
                try fileManager.createDirectory(atPath: file, withIntermediateDirectories: true)
            } else if contents.hasPrefix("-> ") {
                try fileManager.createSymbolicLink(atPath: file, withDestinationPath: String(contents.dropFirst(3)))
            } else {
                try contents.write(toFile: file, atomically: false, encoding: .utf8)
            }
        }
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

private func deb822(_ uri: String, suites: String = "bookworm", extra: String = "") -> String {
    "Types: deb\nURIs: \(uri)\nSuites: \(suites)\nComponents: main\n\(extra)"
}

private func list(_ uri: String, suite: String = "bookworm") -> String {
    "# written by a test\ndeb \(uri) \(suite) main\n"
}

private let debian12 = """
    Types: deb
    URIs: http://mirror.example.org/debian/
    Suites: bookworm bookworm-updates
    Components: main
    Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

    Types: deb
    URIs: http://security.example.org/debian-security
    Suites: bookworm-security
    Components: main
    Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
    """

@Suite struct MirrorSelectionTests {
    enum Source: Sendable, Equatable, CustomStringConvertible {
        case environment, manifest
        /// Path relative to the apt directory, and line.
        case host(String, Int)
        var description: String {
            switch self {
            case .environment: "environment"
            case .manifest: "manifest"
            case .host(let file, let line): "\(file):\(line)"
            }
        }
    }

    static func source(of mirror: ArchiveMirror, in directory: String) -> Source {
        switch mirror.origin {
        case .environment(let variable): variable == "DEN_MIRROR" ? .environment : .host("?", 0)
        case .manifest: .manifest
        case .hostSources(let file, let line): .host(String(file.dropFirst(directory.count + 1)), line)
        }
    }

    static let precedenceCases: [(environment: [String: String], manifest: String?, url: String, source: Source)] = [
        ([:], nil, "http://mirror.example.org/debian", .host("sources.list.d/debian.sources", 1)),
        ([:], "http://local.example.org/debian/", "http://local.example.org/debian", .manifest),
        (["DEN_MIRROR": "https://ci.example.org/debian"], "http://local.example.org/debian", "https://ci.example.org/debian",
         .environment),
        (["DEN_MIRROR": "file:/srv/mirror/"], nil, "file:///srv/mirror", .environment),
        (["DEN_MIRROR": "  \t"], "http://local.example.org/debian", "http://local.example.org/debian", .manifest),
        (["DEN_MIRROR": ""], nil, "http://mirror.example.org/debian", .host("sources.list.d/debian.sources", 1)),
        (["OTHER": "http://other.example.org/debian"], nil, "http://mirror.example.org/debian",
         .host("sources.list.d/debian.sources", 1)),
    ]

    @Test(arguments: precedenceCases)
    func precedence(_ environment: [String: String], _ manifest: String?, _ url: String, _ source: Source) throws {
        let apt = try AptDirectory(["sources.list.d/debian.sources": debian12])
        let mirror = try MirrorSelection.resolve(manifestMirror: manifest, environment: environment, aptDirectory: apt.path)
        #expect(mirror.url == url)
        #expect(Self.source(of: mirror, in: apt.path) == source)
    }

    struct FileCase: Sendable, CustomTestStringConvertible {
        var name: String
        var files: [String: String]
        var source: Source
        var url: String
        var testDescription: String { name }
    }

    static let fileCases: [FileCase] = [
        FileCase(name: "sources.list alone", files: ["sources.list": list("http://main.example.org/debian")],
                 source: .host("sources.list", 2), url: "http://main.example.org/debian"),
        FileCase(name: ".list part before sources.list",
                 files: ["sources.list": list("http://main.example.org/debian"),
                         "sources.list.d/z.list": list("http://z.example.org/debian")],
                 source: .host("sources.list.d/z.list", 2), url: "http://z.example.org/debian"),
        FileCase(name: ".sources before .list",
                 files: ["sources.list": list("http://main.example.org/debian"),
                         "sources.list.d/a.list": list("http://a.example.org/debian"),
                         "sources.list.d/y.sources": deb822("http://y.example.org/debian")],
                 source: .host("sources.list.d/y.sources", 1), url: "http://y.example.org/debian"),
        FileCase(name: ".sources by name",
                 files: ["sources.list.d/b.sources": deb822("http://b.example.org/debian"),
                         "sources.list.d/a.sources": deb822("http://a.example.org/debian"),
                         "sources.list.d/A.sources": deb822("http://upper.example.org/debian", extra: "Enabled: no\n")],
                 source: .host("sources.list.d/a.sources", 1), url: "http://a.example.org/debian"),
        FileCase(name: "disabled stanza then the next file",
                 files: ["sources.list.d/a.sources": deb822("http://a.example.org/debian", extra: "Enabled: no\n"),
                         "sources.list.d/b.sources": "# mirror\n\n" + deb822("http://b.example.org/debian")],
                 source: .host("sources.list.d/b.sources", 3), url: "http://b.example.org/debian"),
        FileCase(name: "names apt does not read",
                 files: ["sources.list.d/debian.sources.disabled": deb822("http://x.example.org/debian"),
                         "sources.list.d/.hidden.sources": deb822("http://x.example.org/debian"),
                         "sources.list.d/backup~.list": list("http://x.example.org/debian"),
                         "sources.list.d/space name.list": list("http://x.example.org/debian"),
                         "sources.list.d/old.list.save": list("http://x.example.org/debian"),
                         "sources.list.d/dir.sources/": "",
                         "sources.list.d/gone.sources": "-> /nonexistent/gone.sources",
                         "sources.list": list("http://main.example.org/debian")],
                 source: .host("sources.list", 2), url: "http://main.example.org/debian"),
        FileCase(name: "symlinked file is read",
                 files: ["shared/debian.sources": deb822("http://shared.example.org/debian"),
                         "sources.list.d/debian.sources": "-> ../shared/debian.sources"],
                 source: .host("sources.list.d/debian.sources", 1), url: "http://shared.example.org/debian"),
        FileCase(name: "the Debian keyring wins across files",
                 files: ["sources.list.d/vendor.list":
                            "deb [signed-by=/usr/share/keyrings/vendor.gpg] https://repo.example.org/vendor nodistro main\n",
                         "sources.list": list("http://main.example.org/debian")],
                 source: .host("sources.list", 2), url: "http://main.example.org/debian"),
        FileCase(name: "sources.list.d is not a directory",
                 files: ["sources.list.d": "not a directory", "sources.list": list("http://main.example.org/debian/")],
                 source: .host("sources.list", 2), url: "http://main.example.org/debian"),
    ]

    @Test(arguments: fileCases)
    func readsTheHostFiles(_ example: FileCase) throws {
        let apt = try AptDirectory(example.files)
        let mirror = try MirrorSelection.resolve(manifestMirror: nil, environment: [:], aptDirectory: apt.path)
        #expect(mirror.url == example.url)
        #expect(Self.source(of: mirror, in: apt.path) == example.source)
    }

    @Test func hostMirrorCarriesItsKeyring() throws {
        let apt = try AptDirectory(["sources.list.d/debian.sources": debian12])
        let mirror = try MirrorSelection.resolve(manifestMirror: nil, environment: [:], aptDirectory: apt.path)
        #expect(mirror.signedBy == [AptSources.debianArchiveKeyring])
        #expect(mirror.description == "http://mirror.example.org/debian (from '\(apt.path)/sources.list.d/debian.sources' line 1)")
    }

    @Test func hostSourcesForSecurityAndUpdates() throws {
        let apt = try AptDirectory(["sources.list.d/debian.sources": debian12, "sources.list": list("http://main.example.org/debian")])
        let sources = try MirrorSelection.hostSources(aptDirectory: apt.path)
        #expect(sources.map(\.file) == [
            "\(apt.path)/sources.list.d/debian.sources", "\(apt.path)/sources.list.d/debian.sources", "\(apt.path)/sources.list",
        ])
        #expect(AptSources.security(in: sources)?.uris == ["http://security.example.org/debian-security"])
        #expect(AptSources.updates(in: sources)?.suites == ["bookworm-updates"])
    }

    @Test func sourceFilesInOrder() throws {
        let apt = try AptDirectory([
            "sources.list": "", "sources.list.d/b.list": "", "sources.list.d/a.list": "", "sources.list.d/z.sources": "",
            "sources.list.d/m.sources": "", "sources.list.d/notes.txt": "",
        ])
        let files = try MirrorSelection.sourceFiles(aptDirectory: apt.path).map { String($0.dropFirst(apt.path.count + 1)) }
        #expect(files == ["sources.list.d/m.sources", "sources.list.d/z.sources", "sources.list.d/a.list",
                          "sources.list.d/b.list", "sources.list"])
    }

    // MARK: - Errors

    @Test func nothingConfigured() throws {
        let apt = try AptDirectory()
        let error = #expect(throws: MirrorError.self) {
            try MirrorSelection.resolve(manifestMirror: nil, environment: [:], aptDirectory: apt.path)
        }
        #expect(error == .notFound(aptDirectory: apt.path, filesRead: []))
        let message = error?.description ?? ""
        #expect(message.contains("DEN_MIRROR is not set") && message.contains("den.toml has no `mirror`"))
        #expect(message.contains("'\(apt.path)/sources.list.d/*.sources'") && message.contains("'\(apt.path)/sources.list'"))
        let fix = error?.fix ?? ""
        #expect(fix.contains("`mirror = ") && fix.contains("export DEN_MIRROR="))
    }

    @Test func missingAptDirectory() {
        let error = #expect(throws: MirrorError.self) {
            try MirrorSelection.resolve(manifestMirror: nil, environment: [:], aptDirectory: "/nonexistent/den/apt")
        }
        #expect(error == .notFound(aptDirectory: "/nonexistent/den/apt", filesRead: []))
    }

    @Test func noUsableEntry() throws {
        let apt = try AptDirectory([
            "sources.list.d/debian.sources": deb822("http://mirror.example.org/debian", extra: "Enabled: no\n"),
            "sources.list": "deb-src http://mirror.example.org/debian bookworm main\n"
                + "deb cdrom:[Debian GNU/Linux 12 _Bookworm_]/ bookworm main\n",
        ])
        let error = #expect(throws: MirrorError.self) {
            try MirrorSelection.resolve(manifestMirror: nil, environment: [:], aptDirectory: apt.path)
        }
        let files = ["\(apt.path)/sources.list.d/debian.sources", "\(apt.path)/sources.list"]
        #expect(error == .notFound(aptDirectory: apt.path, filesRead: files))
        #expect(error?.description.contains("'\(apt.path)/sources.list.d/debian.sources', '\(apt.path)/sources.list'") == true)
    }

    @Test func malformedHostFile() throws {
        let apt = try AptDirectory([
            "sources.list.d/debian.sources": debian12,
            "sources.list": "deb http://mirror.example.org/debian bookworm main\ndeb http://broken.example.org/debian\n",
        ])
        let error = #expect(throws: MirrorError.self) {
            try MirrorSelection.resolve(manifestMirror: nil, environment: [:], aptDirectory: apt.path)
        }
        #expect(error == .invalidSources(file: "\(apt.path)/sources.list", cause: .malformedLine(line: 2, problem: .missingSuite)))
        #expect(error?.description == "cannot read the host's apt sources '\(apt.path)/sources.list': line 2: the entry has no suite")
    }

    @Test func malformedHostFileDoesNotMatterWhenTheUserChose() throws {
        let apt = try AptDirectory(["sources.list": "deb\n"])
        let mirror = try MirrorSelection.resolve(
            manifestMirror: "http://local.example.org/debian", environment: [:], aptDirectory: apt.path)
        #expect(mirror.origin == .manifest)
    }

    static let invalid: [(environment: [String: String], manifest: String?, error: MirrorError)] = [
        (["DEN_MIRROR": "ftp://old.example.org/debian"], nil,
         .invalidURL("ftp://old.example.org/debian", origin: .environment(variable: "DEN_MIRROR"))),
        (["DEN_MIRROR": "mirror.example.org/debian"], "http://local.example.org/debian",
         .invalidURL("mirror.example.org/debian", origin: .environment(variable: "DEN_MIRROR"))),
        ([:], "http://", .invalidURL("http://", origin: .manifest)),
        ([:], "", .invalidURL("", origin: .manifest)),
    ]

    @Test(arguments: invalid)
    func rejectsInvalidURLs(_ environment: [String: String], _ manifest: String?, _ expected: MirrorError) throws {
        let apt = try AptDirectory(["sources.list.d/debian.sources": debian12])
        let error = #expect(throws: MirrorError.self) {
            try MirrorSelection.resolve(manifestMirror: manifest, environment: environment, aptDirectory: apt.path)
        }
        #expect(error == expected)
    }

    @Test func invalidURLMessages() {
        let fromEnvironment = MirrorError.invalidURL("ftp://x", origin: .environment(variable: "DEN_MIRROR"))
        #expect(fromEnvironment.description == "the mirror 'ftp://x' from the DEN_MIRROR environment variable is not an http, https or file URL")
        #expect(fromEnvironment.fix.hasPrefix("set DEN_MIRROR to the archive's root URL"))
        #expect(MirrorError.invalidURL("x", origin: .manifest).description.contains("from `mirror` in den.toml"))
    }

    @Test(.enabled(if: getuid() != 0, "root reads files whatever their mode"))
    func unreadableHostFile() throws {
        let apt = try AptDirectory(["sources.list": list("http://main.example.org/debian")])
        chmod("\(apt.path)/sources.list", 0)
        let error = #expect(throws: MirrorError.self) {
            try MirrorSelection.resolve(manifestMirror: nil, environment: [:], aptDirectory: apt.path)
        }
        #expect(error == .unreadableSources(SystemError("open", path: "\(apt.path)/sources.list", errno: EACCES)))
    }
}

/// The real host: whatever its apt configuration holds, a mirror comes out in den's form. Nothing
/// about the host's mirror goes into a message, so a failure cannot leak it either.
@Suite struct HostMirrorTests {
    static let hasSourceLists = (try? MirrorSelection.sourceFiles())?.isEmpty == false

    @Test(.enabled(if: hasSourceLists, "the host's /etc/apt has no source lists"))
    func findsTheHostsMirror() {
        let mirror: ArchiveMirror
        do {
            mirror = try MirrorSelection.resolve(manifestMirror: nil, environment: [:])
        } catch .notFound {
            Issue.record("the host's apt configuration has no entry den takes for the Debian archive")
            return
        } catch .invalidSources, .unreadableSources {
            Issue.record("a file of the host's apt configuration could not be read")
            return
        } catch {
            Issue.record("unexpected error kind")
            return
        }
        let hasScheme = ["http://", "https://", "file:///"].contains { mirror.url.hasPrefix($0) }
        let hasTrailingSlash = mirror.url.hasSuffix("/")
        var isFromEtcApt = false
        if case .hostSources(let file, let line) = mirror.origin {
            isFromEtcApt = file.hasPrefix("/etc/apt/") && line > 0
        }
        #expect(hasScheme, "the host's mirror URL has no http, https or file scheme")
        #expect(!hasTrailingSlash, "the host's mirror URL ends with a slash")
        #expect(isFromEtcApt, "the host's mirror does not name its file and line under /etc/apt")
    }
}
