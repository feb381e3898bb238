import Foundation
import Testing
@testable import DenCore
import DenOCI

private func parse(_ text: String, directory: String = "/home/ada/My App") throws(ManifestError) -> Manifest {
    try Manifest.parse(text, file: "\(directory)/den.toml", projectDirectory: directory, homeDirectory: "/home/ada")
}

private func parseError(_ text: String) -> ManifestError? {
    do {
        _ = try parse(text)
        return nil
    } catch {
        return error
    }
}

@Suite struct ManifestParsingTests {
    @Test func fullManifest() throws {
        let manifest = try parse("""
            name = "web"
            base = "debian:bookworm"
            packages = ["git", "python3=3.11.2-1+b1"]
            recommends = true
            shell = "/bin/zsh"
            network = "none"
            mirror = "http://mirror.example.org/debian"
            keyring = "keys/archive.gpg"
            ssh-agent = false
            cache = "registry.example.org/team/envs"

            [vars]
            EDITOR = "vim"
            PORT = 8080
            DEBUG = true

            [[mount]]
            source = "~/data"
            target = "/data"
            readonly = false

            [[mount]]
            source = "../shared"

            [limits]
            memory = "2G"
            cpus = 1.5
            pids = 512
            """)
        #expect(manifest.name == "web")
        #expect(manifest.base == .debian(suite: "bookworm"))
        #expect(manifest.packages == [PackageRequest(name: "git"), PackageRequest(name: "python3", version: "3.11.2-1+b1")])
        #expect(manifest.installsRecommends)
        #expect(manifest.shell == "/bin/zsh")
        #expect(manifest.network == .none)
        #expect(!manifest.forwardsSSHAgent)
        #expect(manifest.cache?.description == "registry.example.org/team/envs")
        #expect(manifest.mirror == "http://mirror.example.org/debian")
        #expect(manifest.keyring == "/home/ada/My App/keys/archive.gpg")
        #expect(manifest.variables == [
            EnvironmentVariable(name: "EDITOR", value: "vim"), EnvironmentVariable(name: "PORT", value: "8080"),
            EnvironmentVariable(name: "DEBUG", value: "true"),
        ])
        #expect(manifest.mounts == [
            Mount(source: "/home/ada/data", target: "/data", isReadOnly: false),
            Mount(source: "/home/ada/shared", target: "/home/ada/shared", isReadOnly: true),
        ])
        #expect(manifest.limits == Limits(memoryBytes: 2 << 30, cpus: 1.5, pids: 512))
    }

    @Test func defaults() throws {
        let manifest = try parse(#"base = "dir:/srv/rootfs/""#)
        #expect(manifest.name == "my-app")
        #expect(manifest.base == .directory(path: "/srv/rootfs"))
        #expect(manifest.packages.isEmpty)
        #expect(!manifest.installsRecommends)
        #expect(manifest.shell == nil)
        #expect(manifest.network == .host)
        #expect(manifest.forwardsSSHAgent)
        #expect(manifest.mirror == nil && manifest.keyring == nil)
        #expect(manifest.variables.isEmpty && manifest.mounts.isEmpty && manifest.limits.isEmpty)
    }

    @Test func dottedKeysAndInlineTablesAreTheSameManifest() throws {
        let dotted = try parse("""
            base = "debian:trixie"
            limits.memory = "512M"
            vars.A = "1"
            mount = [{ source = "/opt/x", target = "/x" }]
            """)
        #expect(dotted.limits.memoryBytes == 512 << 20)
        #expect(dotted.variables == [EnvironmentVariable(name: "A", value: "1")])
        #expect(dotted.mounts == [Mount(source: "/opt/x", target: "/x")])
    }

    @Test(arguments: [
        ("debian:bookworm", BaseReference.debian(suite: "bookworm")),
        ("debian:12", .debian(suite: "12")),
        ("debian:stable", .debian(suite: "stable")),
        ("dir:/a/./b/../c", .directory(path: "/a/c")),
        ("node:22-bookworm", .image(ImageReference(registry: nil, repository: "node", tag: "22-bookworm", digest: nil))),
        ("registry.example.org:5000/team/app:1.2", .image(ImageReference(registry: "registry.example.org:5000", repository: "team/app", tag: "1.2", digest: nil))),
    ])
    func baseForms(text: String, expected: BaseReference) throws {
        #expect(try parse("base = \"\(text)\"").base == expected)
    }

    @Test(arguments: [
        ("My Project", "my-project"), ("_hidden", "hidden"), ("app.v2", "app.v2"), ("Ünïcode", "n-code"), ("---", "env"),
    ])
    func defaultNames(directory: String, expected: String) {
        #expect(Manifest.defaultName(forDirectory: "/src/\(directory)") == expected)
        #expect(Manifest.isValidName(expected))
    }
}

@Suite struct ManifestErrorTests {
    @Test func unknownKeySuggestsTheNearestKey() throws {
        let error = try #require(parseError("""
            base = "debian:bookworm"
            # tools
            pakages = ["git"]
            """))
        #expect(error.problem == .unknownKey("pakages", table: nil, suggestion: "packages"))
        #expect(error.location?.line == 3)
        #expect(error.location?.column == 1)
        #expect(error.location?.length == 7)
        #expect(error.location?.lineText == #"pakages = ["git"]"#)
        #expect(error.hint == "did you mean 'packages'?")
        #expect(error.file == "/home/ada/My App/den.toml")
    }

    @Test func unknownKeyInSubtable() throws {
        let error = try #require(parseError("""
            base = "debian:bookworm"
            [limits]
              memroy = "1G"
            """))
        #expect(error.problem == .unknownKey("memroy", table: "limits", suggestion: "memory"))
        #expect(error.location?.line == 3)
        #expect(error.location?.column == 3)
    }

    @Test func unknownKeyWithoutNearMatchListsValidKeys() throws {
        let error = try #require(parseError("base = \"debian:bookworm\"\nfrobnicate = 1"))
        #expect(error.problem == .unknownKey("frobnicate", table: nil, suggestion: nil))
        #expect(error.hint?.contains("'packages'") == true)
    }

    @Test func numberWhereAListBelongs() throws {
        let error = try #require(parseError("base = \"debian:bookworm\"\npackages = 3"))
        #expect(error.problem == .wrongType(key: "packages", expected: "an array of strings", found: "an integer"))
        #expect(error.location?.line == 2)
        #expect(error.location?.column == 12)
        #expect(error.location?.length == 1)
        #expect(error.hint?.contains(#"packages = ["git"]"#) == true)
    }

    @Test func stringWhereAListBelongsSuggestsTheList() throws {
        let error = try #require(parseError("base = \"debian:bookworm\"\npackages = \"git\""))
        #expect(error.hint == #"write it as a list, e.g. packages = ["git"]"#)
        #expect(error.location?.length == 5)
    }

    @Test func wrongElementTypePointsAtTheElement() throws {
        let error = try #require(parseError("base = \"debian:bookworm\"\npackages = [\"git\", 7]"))
        #expect(error.problem == .wrongType(key: "packages", expected: "an array of strings", found: "an array containing an integer"))
        #expect(error.location?.column == 20)
    }

    @Test func missingBaseSaysHowToFixIt() throws {
        let error = try #require(parseError("name = \"x\""))
        #expect(error.problem == .missingKey("base"))
        #expect(error.location == nil)
        #expect(error.hint?.contains(#"base = "debian:bookworm""#) == true)
    }

    @Test func syntaxErrorHasAPosition() throws {
        let error = try #require(parseError("base = \"debian:bookworm\"\nname = hello\n"))
        guard case .syntax = error.problem else {
            Issue.record("expected a syntax error, got \(error.problem)")
            return
        }
        #expect(error.location?.line == 2)
    }

    @Test(arguments: [
        ("base = \"debian:\"", "base"),
        ("base = \"dir:relative\"", "base"),
        ("base = \"UPPER/Case\"", "base"),
        ("base = \"debian:bookworm\"\nname = \"Bad Name\"", "name"),
        ("base = \"debian:bookworm\"\nnetwork = \"bridge\"", "network"),
        ("base = \"debian:bookworm\"\ncache = \"envs\"", "cache"),
        ("base = \"debian:bookworm\"\ncache = \"registry.example.org/team/envs:1\"", "cache"),
        ("base = \"debian:bookworm\"\nmirror = \"ftp://x\"", "mirror"),
        ("base = \"debian:bookworm\"\npackages = [\"Git\"]", "packages"),
        ("base = \"debian:bookworm\"\npackages = [\"git=\"]", "packages"),
        ("base = \"debian:bookworm\"\n[vars]\n\"1X\" = \"a\"", "vars"),
        ("base = \"debian:bookworm\"\n[vars]\nDEN_ENV = \"a\"", "vars"),
        ("base = \"debian:bookworm\"\n[[mount]]\nsource = \"/a\"\ntarget = \"rel\"", "mount.target"),
        ("base = \"debian:bookworm\"\n[[mount]]\nsource = \"/a\"\ntarget = \"/proc/x\"", "mount.target"),
        ("base = \"debian:bookworm\"\n[[mount]]\nsource = \"~bob/x\"", "mount.source"),
        ("base = \"debian:bookworm\"\n[limits]\nmemory = \"lots\"", "limits.memory"),
        ("base = \"debian:bookworm\"\n[limits]\nmemory = \"10K\"", "limits.memory"),
        ("base = \"debian:bookworm\"\n[limits]\ncpus = 0", "limits.cpus"),
        ("base = \"debian:bookworm\"\n[limits]\npids = -1", "limits.pids"),
    ])
    func invalidValues(text: String, key: String) throws {
        let error = try #require(parseError(text))
        guard case .invalidValue(let reported, _) = error.problem else {
            Issue.record("expected an invalid value for \(key), got \(error.problem)")
            return
        }
        #expect(reported == key)
        #expect(error.location != nil)
        #expect(error.hint != nil)
    }

    @Test func mountWithoutSource() throws {
        let error = try #require(parseError("base = \"debian:bookworm\"\n\n[[mount]]\ntarget = \"/x\""))
        #expect(error.problem == .missingKey("mount.source"))
        #expect(error.location?.line == 3)
    }

    @Test func wrongTypeInMountNamesTheFullKey() throws {
        let error = try #require(parseError("base = \"debian:bookworm\"\n[[mount]]\nsource = \"/a\"\nreadonly = \"no\""))
        #expect(error.problem == .wrongType(key: "mount.readonly", expected: "a boolean", found: "a string"))
        #expect(error.location?.line == 4)
        #expect(error.location?.column == 12)
    }
}

@Suite struct ProjectTests {
    @Test func locatesTheNearestManifestUpward() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("den-core-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: "\(root)/a/b", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileSystem.writeAtomically("\(root)/den.toml", contents: Array("base = \"debian:bookworm\"\n".utf8))
        let project = try Project.locate(from: "\(root)/a/b")
        #expect(project.directory == root)
        #expect(project.manifestPath == "\(root)/den.toml")
        #expect(try project.loadManifest(homeDirectory: "/").base == .debian(suite: "bookworm"))
    }

    @Test func atomicWriteRefusesToReplaceWhenAsked() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("den-core-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try FileSystem.writeAtomically(path, contents: Array("one".utf8), replacing: false)
        #expect(throws: SystemError.self) { try FileSystem.writeAtomically(path, contents: Array("two".utf8), replacing: false) }
        #expect(try FileSystem.read(path) == Array("one".utf8))
        try FileSystem.writeAtomically(path, contents: Array("three".utf8))
        #expect(try FileSystem.read(path) == Array("three".utf8))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: Path.parent(path)).filter { $0.hasSuffix(".tmp") && $0.contains(Path.lastComponent(path)) }
        #expect(leftovers.isEmpty)
    }

    @Test func reportsWhereTheSearchStarted() throws {
        do {
            _ = try Project.locate(from: "/proc/self/fdinfo")
            Issue.record("found a den.toml above /proc/self/fdinfo")
        } catch {
            #expect(error.problem == .notFound(searchedFrom: "/proc/self/fdinfo"))
        }
    }
}
