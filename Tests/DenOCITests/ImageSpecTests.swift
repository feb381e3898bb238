import Testing
@testable import DenOCI

@Suite struct ImageDocumentTests {
    static let digest = "sha256:" + String(repeating: "ab", count: 32)
    static let other = "sha256:" + String(repeating: "cd", count: 32)

    static func descriptor(_ platform: String?, type: String = MediaType.ociManifest, digest: String = digest) -> String {
        let platformJSON = platform.map { text -> String in
            let parts = text.split(separator: "/").map(String.init)
            let variant = parts.count > 2 ? #","variant":"\#(parts[2])""# : ""
            return #","platform":{"os":"\#(parts[0])","architecture":"\#(parts[1])"\#(variant)}"#
        } ?? ""
        return #"{"mediaType":"\#(type)","digest":"\#(digest)","size":10\#(platformJSON)}"#
    }

    @Test(arguments: [MediaType.ociIndex, MediaType.dockerManifestList])
    func decodesIndexes(type: String) throws {
        let json = #"{"schemaVersion":2,"mediaType":"\#(type)","manifests":[\#(Self.descriptor("linux/amd64"))]}"#
        guard case .index(let index) = try ImageDocument.decode(Array(json.utf8), contentType: nil) else {
            Issue.record("not an index")
            return
        }
        #expect(index.manifests.first?.platform == Platform(architecture: "amd64"))
    }

    @Test(arguments: [MediaType.ociManifest, MediaType.dockerManifest])
    func decodesManifests(type: String) throws {
        let json = #"{"schemaVersion":2,"mediaType":"\#(type)","config":\#(Self.descriptor(nil, type: MediaType.ociConfig)),"layers":[\#(Self.descriptor(nil, type: MediaType.ociLayerGzip, digest: Self.other))]}"#
        guard case .manifest(let manifest) = try ImageDocument.decode(Array(json.utf8), contentType: nil) else {
            Issue.record("not a manifest")
            return
        }
        #expect(manifest.config.digest == Self.digest)
        #expect(manifest.layers.map(\.digest) == [Self.other])
    }

    @Test func aDocumentWithoutMediaTypeIsReadByItsHeaderOrShape() throws {
        let index = #"{"schemaVersion":2,"manifests":[]}"#
        #expect(try ImageDocument.decode(Array(index.utf8), contentType: nil) == .index(ImageIndex(manifests: [], mediaType: MediaType.ociIndex)).withoutMediaType)
        let manifest = #"{"schemaVersion":2,"config":\#(Self.descriptor(nil, type: MediaType.ociConfig)),"layers":[]}"#
        guard case .manifest = try ImageDocument.decode(Array(manifest.utf8), contentType: "\(MediaType.dockerManifest); charset=utf-8") else {
            Issue.record("not a manifest")
            return
        }
    }

    @Test func schemaOneAndArtifactsAreRefused() {
        let schema1 = #"{"schemaVersion":1,"name":"x","tag":"1","fsLayers":[]}"#
        #expect(throws: ImageError.unsupportedMediaType("application/vnd.docker.distribution.manifest.v1+prettyjws")) {
            try ImageDocument.decode(Array(schema1.utf8), contentType: "application/vnd.docker.distribution.manifest.v1+prettyjws")
        }
        #expect(throws: ImageError.self) { try ImageDocument.decode(Array(schema1.utf8), contentType: nil) }
        #expect(throws: ImageError.self) { try ImageDocument.decode(Array("not json".utf8), contentType: nil) }
    }

    @Test func configurationEnvironment() throws {
        let json = #"{"architecture":"amd64","os":"linux","config":{"Env":["PATH=/a:/b","EMPTY=","BROKEN","X=1=2"]}}"#
        let configuration = try ImageConfiguration.decode(Array(json.utf8))
        #expect(configuration.environment.map { "\($0.name)=\($0.value)" } == ["PATH=/a:/b", "EMPTY=", "X=1=2"])
    }
}

extension ImageDocument {
    /// The index as decoded from JSON that had no mediaType.
    var withoutMediaType: ImageDocument {
        guard case .index(var index) = self else { return self }
        index.mediaType = nil
        return .index(index)
    }
}

@Suite struct PlatformTests {
    static func index(_ platforms: [Platform?]) -> ImageIndex {
        ImageIndex(manifests: platforms.enumerated().map { offset, platform in
            Descriptor(mediaType: MediaType.ociManifest, digest: "sha256:" + String(repeating: "\(offset)", count: 64), size: 1,
                       platform: platform)
        })
    }

    @Test(arguments: [("x86_64", "linux/amd64"), ("aarch64", "linux/arm64/v8"), ("armv7l", "linux/arm/v7"), ("riscv64", "linux/riscv64")])
    func machineNames(machine: String, platform: String) {
        #expect(Platform(machine: machine).description == platform)
    }

    @Test func choosesThisMachinesManifestAndSkipsAttestations() throws {
        let index = Self.index([
            Platform(os: "unknown", architecture: "unknown"), Platform(architecture: "arm64", variant: "v8"),
            Platform(architecture: "amd64"),
        ])
        #expect(try index.manifest(for: Platform(architecture: "amd64")).digest == index.manifests[2].digest)
        #expect(try index.manifest(for: Platform(architecture: "arm64", variant: "v8")).digest == index.manifests[1].digest)
    }

    @Test func arm64WithoutVariantMeansV8AndExactVariantsWin() throws {
        let loose = Self.index([Platform(architecture: "arm64")])
        #expect(try loose.manifest(for: Platform(architecture: "arm64", variant: "v8")).digest == loose.manifests[0].digest)
        let arm = Self.index([Platform(architecture: "arm", variant: "v6"), Platform(architecture: "arm", variant: "v7")])
        #expect(try arm.manifest(for: Platform(architecture: "arm", variant: "v7")).digest == arm.manifests[1].digest)
    }

    @Test func noMatchListsWhatThereIs() {
        let index = Self.index([Platform(architecture: "arm64", variant: "v8"), Platform(os: "unknown", architecture: "unknown"), nil])
        #expect(throws: ImageError.noPlatform(wanted: "linux/amd64", available: ["linux/arm64/v8"])) {
            try index.manifest(for: Platform(architecture: "amd64"))
        }
    }
}

@Suite struct AuthenticationChallengeTests {
    @Test func bearerWithQuotedParameters() throws {
        let challenge = try #require(AuthenticationChallenge(
            header: #"Bearer realm="https://auth.example.test/token",service="registry.example.test",scope="repository:a/b:pull""#))
        #expect(challenge.scheme == "bearer")
        #expect(challenge.parameters == [
            "realm": "https://auth.example.test/token", "service": "registry.example.test", "scope": "repository:a/b:pull",
        ])
    }

    @Test func basicAndEscapesAndBareTokens() throws {
        let basic = try #require(AuthenticationChallenge(header: #"Basic realm="den \"test\"", charset=UTF-8"#))
        #expect(basic.scheme == "basic")
        #expect(basic.parameters == ["realm": #"den "test""#, "charset": "UTF-8"])
        #expect(AuthenticationChallenge(header: "Negotiate")?.scheme == "negotiate")
        #expect(AuthenticationChallenge(header: "") == nil)
    }
}

@Suite struct RegistryCredentialsTests {
    static func load(_ files: [String: String]) throws -> RegistryCredentials {
        try RegistryCredentials.load(files: files.keys.sorted()) { files[$0].map { Array($0.utf8) } }
    }

    @Test func readsAuthEntriesAndPrefersTheMostSpecific() throws {
        // "den:pw" and "team:other:colon"
        let credentials = try Self.load(["/a.json": #"""
            {"auths": {"https://registry.example.test/v1/": {"auth": "ZGVuOnB3"},
                       "registry.example.test/team": {"auth": "dGVhbTpvdGhlcjpjb2xvbg=="},
                       "plain.example.test": {"username": "u", "password": "p"}}}
            """#])
        #expect(credentials.credential(registry: "registry.example.test", repository: "lib/app")?.username == "den")
        let team = try #require(credentials.credential(registry: "registry.example.test", repository: "team/app"))
        #expect((team.username, team.password) == ("team", "other:colon"))
        #expect(team.basicAuthorization == "Basic dGVhbTpvdGhlcjpjb2xvbg==")
        #expect(credentials.credential(registry: "plain.example.test", repository: "x")?.password == "p")
        #expect(credentials.credential(registry: "elsewhere.example.test", repository: "x") == nil)
    }

    @Test func anEarlierFileWinsAndMissingFilesAreSkipped() throws {
        let credentials = try RegistryCredentials.load(files: ["/missing", "/first", "/second"]) { path in
            switch path {
            case "/first": Array(#"{"auths":{"r.example.test":{"auth":"YTpi"}}}"#.utf8)
            case "/second": Array(#"{"auths":{"r.example.test":{"auth":"Yzpk"}}}"#.utf8)
            default: nil
            }
        }
        #expect(credentials.credential(registry: "r.example.test", repository: "x")?.source == "/first")
    }

    @Test func aDamagedFileIsAnErrorNotAnonymousAccess() {
        #expect(throws: ImageError.self) { try Self.load(["/bad.json": "{"]) }
        #expect(throws: ImageError.self) { try Self.load(["/bad.json": #"{"auths":{"r":{"auth":"bm9jb2xvbg=="}}}"#]) }
    }

    @Test func fileOrderFollowsPodman() {
        let files = RegistryCredentials.files(environment: ["REGISTRY_AUTH_FILE": "/x.json", "XDG_RUNTIME_DIR": "/run/user/7"], home: "/home/u")
        #expect(files == ["/x.json", "/run/user/7/containers/auth.json", "/home/u/.config/containers/auth.json", "/home/u/.docker/config.json"])
    }

    @Test(arguments: [("127.0.0.1:5000", true), ("localhost", true), ("[::1]:5000", true), ("127.9.9.9", true),
                      ("registry.example.test", false), ("10.0.0.1:5000", false), ("localhost.example.test", false)])
    func loopbackRegistries(registry: String, isLoopback: Bool) {
        #expect(RegistryClient.isLoopback(registry) == isLoopback)
    }
}
