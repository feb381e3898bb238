@testable import DenFetch
import Foundation
import Testing

@Suite("Proxies")
struct ProxyTests {
    @Test func plainHTTPGoesThroughTheProxyInAbsoluteForm() async throws {
        let mirror = try MirrorFixture()
        let proxy = try PythonServer(script: proxyScript, named: "proxy.py", in: mirror.served.url, arguments: [])
        let bytes = randomBytes(30_000)
        let (size, sha256) = try mirror.publish("p.deb", bytes)
        let request = mirror.request("/files/p.deb", as: "p.deb", size: size, sha256: sha256)
        let settings = try ProxySettings(environment: ["http_proxy": "http://127.0.0.1:\(proxy.port)"])
        try await withFetcher(proxies: settings) { fetcher in try await fetcher.fetch([request]) }
        #expect(try Data(contentsOf: URL(fileURLWithPath: request.destination)) == Data(bytes))
        #expect(try proxy.text("/log") == "GET \(request.url) host=127.0.0.1:\(mirror.server.port)")
        #expect(try mirror.hits("/files/p.deb") == 1)
    }

    @Test func noProxyBypassesTheProxy() async throws {
        let mirror = try MirrorFixture()
        let proxy = try PythonServer(script: proxyScript, named: "proxy.py", in: mirror.served.url, arguments: [])
        let (size, sha256) = try mirror.publish("q.deb", randomBytes(1_000))
        let request = mirror.request("/files/q.deb", as: "q.deb", size: size, sha256: sha256)
        let settings = try ProxySettings(environment: [
            "http_proxy": "127.0.0.1:\(proxy.port)", "NO_PROXY": "localhost, 127.0.0.1",
        ])
        try await withFetcher(proxies: settings) { fetcher in try await fetcher.fetch([request]) }
        #expect(try proxy.text("/log") == "")
        #expect(try mirror.hits("/files/q.deb") == 1)
    }

    @Test func httpsIsTunnelledWithConnect() async throws {
        let mirror = try MirrorFixture()
        let proxy = try PythonServer(script: proxyScript, named: "proxy.py", in: mirror.served.url, arguments: [])
        // The tunnel leads to the plain-http mirror, so the TLS handshake fails; what matters
        // is that the request went to the proxy as a CONNECT to the right place.
        let url = "https://127.0.0.1:\(mirror.server.port)/files/s.deb"
        let request = DownloadRequest(url: url, destination: mirror.downloads.path("s.deb"))
        let settings = try ProxySettings(environment: ["https_proxy": "http://127.0.0.1:\(proxy.port)"])
        let error = try await withFetcher(retries: 0, proxies: settings) { fetcher in
            await fetchError { () async throws(FetchError) in try await fetcher.fetch([request]) }
        }
        guard case .connection = error else {
            Issue.record("expected a connection error, got \(String(describing: error))")
            return
        }
        #expect(try proxy.text("/log") == "CONNECT 127.0.0.1:\(mirror.server.port)")
        #expect(try mirror.downloads.contents() == [])
    }

    @Test func proxyThatIsDownIsAConnectionError() async throws {
        let mirror = try MirrorFixture()
        try mirror.publish("r.deb", randomBytes(10))
        let request = mirror.request("/files/r.deb", as: "r.deb")
        let settings = ProxySettings(http: ProxyServer(kind: .http, host: "127.0.0.1", port: try closedPort()), https: nil)
        let error = try await withFetcher(retries: 0, proxies: settings) { fetcher in
            await fetchError { () async throws(FetchError) in try await fetcher.fetch([request]) }
        }
        guard case .connection = error else {
            Issue.record("expected a connection error, got \(String(describing: error))")
            return
        }
        #expect(try mirror.hits("/files/r.deb") == 0)
    }

    @Test func invalidProxyVariableIsReportedByFetch() async throws {
        let downloads = try TemporaryDirectory()
        #expect(throws: FetchError.invalidProxy(variable: "https_proxy", value: "https://proxy:3128")) {
            try ProxySettings(environment: ["https_proxy": "https://proxy:3128"])
        }
        // A Fetcher made from a bad environment still constructs, and its first fetch says why.
        let fetcher = Fetcher(configuration: FetchConfiguration()) { () throws(FetchError) in
            try ProxySettings(environment: ["all_proxy": "ftp://nowhere"])
        }
        let error = await fetchError { () async throws(FetchError) in
            try await fetcher.fetch([DownloadRequest(url: "http://127.0.0.1:1/x", destination: downloads.path("x"))])
        }
        await fetcher.shutdown()
        #expect(error == .invalidProxy(variable: "all_proxy", value: "ftp://nowhere"))
    }
}

@Suite("ProxySettings")
struct ProxySettingsTests {
    static let parsing: [(environment: [String: String], http: ProxyServer?, https: ProxyServer?)] = [
        ([:], nil, nil),
        (["http_proxy": "http://cache.lan:3142"], ProxyServer(kind: .http, host: "cache.lan", port: 3142), nil),
        (["http_proxy": "cache.lan:3142/"], ProxyServer(kind: .http, host: "cache.lan", port: 3142), nil),
        (["http_proxy": "http://cache.lan"], ProxyServer(kind: .http, host: "cache.lan", port: 80), nil),
        (["http_proxy": "  "], nil, nil),
        // Uppercase HTTP_PROXY is ignored, as by curl and apt (httpoxy).
        (["HTTP_PROXY": "http://cache.lan:3142"], nil, nil),
        (["HTTPS_PROXY": "http://u:p%40ss@gate:8080"], nil,
         ProxyServer(kind: .http, host: "gate", port: 8080, username: "u", password: "p@ss")),
        (["https_proxy": "http://lower:1", "HTTPS_PROXY": "http://upper:2"], nil, ProxyServer(kind: .http, host: "lower", port: 1)),
        (["ALL_PROXY": "socks5h://127.0.0.1"], ProxyServer(kind: .socks5, host: "127.0.0.1", port: 1080),
         ProxyServer(kind: .socks5, host: "127.0.0.1", port: 1080)),
        (["all_proxy": "http://a:1", "http_proxy": "http://b:2"], ProxyServer(kind: .http, host: "b", port: 2),
         ProxyServer(kind: .http, host: "a", port: 1)),
        (["http_proxy": "http://[::1]:3128"], ProxyServer(kind: .http, host: "::1", port: 3128), nil),
    ]

    @Test(arguments: parsing)
    func readsTheEnvironment(_ environment: [String: String], http: ProxyServer?, https: ProxyServer?) throws {
        let settings = try ProxySettings(environment: environment)
        #expect(settings.http == http)
        #expect(settings.https == https)
    }

    @Test(arguments: ["https://proxy:443", "ftp://proxy", "http://proxy:0", "http://proxy:99999", "http://proxy/path", "http://"])
    func refusesUnusableProxies(_ value: String) {
        #expect(throws: FetchError.invalidProxy(variable: "http_proxy", value: value)) {
            try ProxySettings(environment: ["http_proxy": value])
        }
    }

    static let exclusions: [(noProxy: String, host: String, isExcluded: Bool)] = [
        ("", "mirror.lan", false),
        ("*", "mirror.lan", true),
        ("mirror.lan", "mirror.lan", true),
        ("mirror.lan", "MIRROR.LAN", true),
        ("mirror.lan", "a.mirror.lan", true),
        (".mirror.lan", "a.mirror.lan", true),
        (".mirror.lan", "mirror.lan", true),
        ("mirror.lan", "othermirror.lan", false),
        ("lan", "mirror.lan", true),
        ("localhost,127.0.0.1", "127.0.0.1", true),
        ("localhost 127.0.0.1", "127.0.0.2", false),
        ("10.0.0.0/8", "10.1.2.3", true),
        ("10.0.0.0/8", "11.1.2.3", false),
        ("192.168.1.0/24", "192.168.1.77", true),
        ("::1", "[::1]", true),
    ]

    @Test(arguments: exclusions)
    func honoursNoProxy(_ noProxy: String, host: String, isExcluded: Bool) throws {
        let settings = try ProxySettings(environment: ["http_proxy": "http://proxy:3128", "no_proxy": noProxy])
        #expect((settings.server(scheme: "http", host: host) == nil) == isExcluded)
    }

    @Test func eachSchemeHasItsOwnProxy() throws {
        let settings = try ProxySettings(environment: ["http_proxy": "http://plain:1", "https_proxy": "http://secure:2"])
        #expect(settings.server(scheme: "http", host: "mirror.lan")?.host == "plain")
        #expect(settings.server(scheme: "https", host: "mirror.lan")?.host == "secure")
    }
}
