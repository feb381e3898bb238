import DenOCI
import Foundation
import Testing
@testable import DenCore

@Suite struct ImageLockTests {
    static func digest(_ c: Character) -> String { "sha256:" + String(repeating: c, count: 64) }

    static let lock = Lockfile(
        base: "node:22", manifestHash: String(repeating: "a", count: 64), architecture: "amd64", archive: nil,
        image: .init(reference: "registry.example.test/library/node:22", digest: digest("b"), index: digest("c"),
                     platform: "linux/amd64",
                     config: .init(digest: digest("d"), size: 7000, mediaType: MediaType.ociConfig),
                     layers: [.init(digest: digest("e"), size: 29_000_000, mediaType: MediaType.ociLayerGzip),
                              .init(digest: digest("f"), size: 4_000, mediaType: MediaType.ociLayerZstd)]),
        packages: [])

    @Test func rendersAndParsesBackWithLayersInOrder() throws {
        let text = Self.lock.rendered()
        #expect(try Lockfile.parse(text, file: "den.lock") == Self.lock)
        #expect(text.contains("[image]\nreference = \"registry.example.test/library/node:22\"\n"))
        #expect(text.range(of: Self.digest("e"))!.lowerBound < text.range(of: Self.digest("f"))!.lowerBound)
        #expect(!text.contains("[archive]") && !text.contains("[[package]]"))
    }

    @Test func aBadDigestIsRefusedWithItsLine() {
        let text = Self.lock.rendered().replacingOccurrences(of: Self.digest("e"), with: "sha256:nothex")
        do {
            _ = try Lockfile.parse(text, file: "den.lock")
            Issue.record("parsed a lock with a bad layer digest")
        } catch {
            #expect(error.message.contains("sha256:nothex"))
            #expect(error.line != nil)
        }
    }
}

@Suite struct RegistrySettingsTests {
    func directory(_ files: [String: String]) throws -> String {
        let root = NSTemporaryDirectory() + "/den-registries-\(UUID().uuidString)"
        for (path, text) in files {
            let full = "\(root)/\(path)"
            try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try text.write(toFile: full, atomically: true, encoding: .utf8)
        }
        return root
    }

    @Test func readsSearchRegistriesAliasesAndInsecureEntries() throws {
        let root = try directory([
            "etc/registries.conf": """
                unqualified-search-registries = ["search.example.test", "second.example.test"]
                [[registry]]
                location = "plain.example.test:5000"
                insecure = true
                [[registry]]
                location = "tls.example.test"
                """,
            "etc/registries.conf.d/10-shortnames.conf": "[aliases]\n\"node\" = \"alias.example.test/library/node\"\n",
            "etc/registries.conf.d/ignored.txt": "[aliases]\n\"x\" = \"y.example.test/x\"\n",
        ])
        let settings = RegistrySettings.load(environment: ["XDG_CONFIG_HOME": "\(root)/user"], home: "\(root)/home",
                                             systemDirectory: "\(root)/etc")
        #expect(settings.defaultRegistry == "search.example.test")
        #expect(settings.aliases == ["node": "alias.example.test/library/node"])
        #expect(settings.insecure == ["plain.example.test:5000"])

        #expect(try settings.qualify(ImageReference(parsing: "node:22")).description == "alias.example.test/library/node:22")
        #expect(try settings.qualify(ImageReference(parsing: "python:3.12")).description == "search.example.test/library/python:3.12")
        #expect(try settings.qualify(ImageReference(parsing: "team/app")).description == "search.example.test/team/app")
        #expect(try settings.qualify(ImageReference(parsing: "own.example.test/app:1")).description == "own.example.test/app:1")
    }

    @Test func theUsersFileReplacesTheSystemOneAndTheEnvironmentWins() throws {
        let root = try directory([
            "etc/registries.conf": "unqualified-search-registries = [\"system.example.test\"]\n",
            "user/containers/registries.conf": "[registries.search]\nregistries = [\"v1.example.test\"]\n[registries.insecure]\nregistries = [\"old.example.test\"]\n",
        ])
        var environment = ["XDG_CONFIG_HOME": "\(root)/user"]
        let settings = RegistrySettings.load(environment: environment, home: "/nonexistent", systemDirectory: "\(root)/etc")
        #expect(settings.defaultRegistry == "v1.example.test")
        #expect(settings.insecure == ["old.example.test"])
        environment["DEN_REGISTRY"] = "env.example.test"
        environment["DEN_INSECURE_REGISTRIES"] = "a.example.test, b.example.test"
        let overridden = RegistrySettings.load(environment: environment, home: "/nonexistent", systemDirectory: "\(root)/etc")
        #expect(overridden.defaultRegistry == "env.example.test")
        #expect(overridden.insecure == ["old.example.test", "a.example.test", "b.example.test"])
    }

    @Test func registryEntriesMoveWhereAReferenceIsFetchedFrom() throws {
        let root = try directory([
            "etc/registries.conf": """
                [[registry]]
                prefix = "name.example.test"
                location = "api.example.test"
                [[registry]]
                prefix = "name.example.test/team"
                location = "mirror.example.test:5000/team-mirror"
                """,
        ])
        let settings = RegistrySettings.load(environment: ["XDG_CONFIG_HOME": "\(root)/user"], home: "/nonexistent",
                                             systemDirectory: "\(root)/etc")
        func endpoint(_ text: String) throws -> String { settings.endpoint(for: try ImageReference(parsing: text)).description }
        #expect(try endpoint("name.example.test/library/node:22") == "api.example.test/library/node:22")
        #expect(try endpoint("name.example.test/team/app@sha256:" + String(repeating: "a", count: 64))
            == "mirror.example.test:5000/team-mirror/app@sha256:" + String(repeating: "a", count: 64))
        #expect(try endpoint("name.example.test.other/x:1") == "name.example.test.other/x:1")
        #expect(try endpoint("elsewhere.example.test/x:1") == "elsewhere.example.test/x:1")
    }

    @Test func withoutARegistryAShortNameIsAnError() throws {
        let settings = RegistrySettings()
        #expect(throws: ImageError.noRegistry(reference: "node:22")) { try settings.qualify(ImageReference(parsing: "node:22")) }
    }
}

@Suite struct AptURIsTests {
    @Test func readsPrintURIsLinesAndSkipsTheRest() throws {
        let sha = String(repeating: "ab", count: 32)
        let output = """
            W: some warning
            'http://mirror.example.test/debian/pool/main/h/hello/hello_2.10-3_amd64.deb' hello_2.10-3_amd64.deb 53080 SHA256:\(sha.uppercased())
            'http://mirror.example.test/debian/pool/main/g/git/git_1%3a2.39.5-0+deb12u2_amd64.deb' git_1%3a2.39.5-0+deb12u2_amd64.deb 7264488 SHA256:\(sha)
            """
        let packages = try ImageBuild.parseURIs(output)
        #expect(packages.map(\.name) == ["hello", "git"])
        #expect(packages[1].version == "1:2.39.5-0+deb12u2")
        #expect(packages[0].sha256 == sha && packages[0].size == 53080 && packages[0].layer == .image)
        #expect(packages[1].path == "http://mirror.example.test/debian/pool/main/g/git/git_1%3a2.39.5-0+deb12u2_amd64.deb")
    }

    @Test func aLineWithoutSHA256IsAnError() {
        #expect(throws: ImageBuildError.self) {
            try ImageBuild.parseURIs("'http://m.example.test/a_1_all.deb' a_1_all.deb 10 MD5Sum:d04c2e9639dee67aa836d8232b1ca658")
        }
        #expect(throws: ImageBuildError.self) { try ImageBuild.parseURIs("'http://m.example.test/x' x 10 SHA256:00") }
    }
}

@Suite struct LocalImageSourceTests {
    @Test(arguments: [
        ("oci-layout:image:1", BaseReference.ociLayout(path: "image", tag: "1")),
        ("oci-layout:./build/oci", BaseReference.ociLayout(path: "./build/oci", tag: nil)),
        ("oci-layout:/srv/images/app:v2.1", BaseReference.ociLayout(path: "/srv/images/app", tag: "v2.1")),
        ("docker-archive:app.tar", BaseReference.dockerArchive(path: "app.tar")),
    ])
    func parses(text: String, expected: BaseReference) throws {
        let reference = try BaseReference(parsing: text)
        #expect(reference == expected)
        #expect(reference.description == text)
        #expect(reference.isImage)
    }

    @Test(arguments: ["oci-layout:", "oci-layout::1", "oci-layout:dir:", "docker-archive:"])
    func refusesEmptyPaths(text: String) {
        #expect(throws: BaseReferenceError.self) { try BaseReference(parsing: text) }
    }
}
