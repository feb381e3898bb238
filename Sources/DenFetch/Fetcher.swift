import AsyncHTTPClient
import NIOCore

/// Downloads files from mirrors: in parallel, streamed to disk, verified, and renamed into
/// place only when complete. Call `shutdown()` before dropping it.
public final class Fetcher: Sendable {
    let configuration: FetchConfiguration
    /// The proxy settings, or why the environment's could not be used; thrown by the first
    /// fetch so that `init` stays infallible.
    let proxies: Result<ProxySettings, FetchError>
    /// Direct connections, and plain http sent to a web proxy in absolute form.
    let directClient: HTTPClient
    /// One client per proxy that needs AsyncHTTPClient's own proxy support: https through a web
    /// proxy (a `CONNECT` tunnel) and anything through SOCKS.
    let proxyClients: [ProxyServer: HTTPClient]

    public convenience init(configuration: FetchConfiguration = FetchConfiguration()) {
        self.init(configuration: configuration, environmentProxies: ProxySettings.fromProcessEnvironment)
    }

    /// `environmentProxies` stands in for the process environment when `configuration.proxies`
    /// is nil.
    init(configuration: FetchConfiguration, environmentProxies: () throws(FetchError) -> ProxySettings) {
        self.configuration = configuration
        let proxies: Result<ProxySettings, FetchError>
        if let settings = configuration.proxies {
            proxies = .success(settings)
        } else {
            do throws(FetchError) {
                proxies = .success(try environmentProxies())
            } catch {
                proxies = .failure(error)
            }
        }
        self.proxies = proxies
        directClient = Self.makeClient(configuration, proxy: nil)
        var proxyClients: [ProxyServer: HTTPClient] = [:]
        if case .success(let settings) = proxies {
            let needingClients = [settings.https, settings.http?.kind == .socks5 ? settings.http : nil]
            for case let server? in needingClients where proxyClients[server] == nil {
                proxyClients[server] = Self.makeClient(configuration, proxy: server)
            }
        }
        self.proxyClients = proxyClients
    }

    /// Downloads every request; returns when all are in place. The first failure cancels the
    /// downloads still running and is what this throws; their partial files are removed.
    public func fetch(
        _ requests: [DownloadRequest],
        progress: @escaping @Sendable (DownloadProgress) -> Void = { _ in }
    ) async throws(FetchError) {
        _ = try proxies.get()
        // Refused before anything starts, so a typo in one URL does not cost a half-done fetch.
        if let bad = requests.first(where: { Self.target(of: $0.url) == nil }) { throw .invalidURL(bad.url) }
        let tracker = ProgressTracker(requests, report: progress)
        tracker.start()
        let failure = await withTaskGroup(of: FetchError?.self, returning: FetchError?.self) { group in
            var pending = requests.makeIterator()
            func startNext() {
                guard let request = pending.next() else { return }
                group.addTask {
                    do throws(FetchError) {
                        try await self.download(request, tracker: tracker)
                        return nil
                    } catch {
                        return error
                    }
                }
            }
            for _ in 0..<max(1, configuration.parallelism) { startNext() }
            var failure: FetchError?
            while let result = await group.next() {
                if let error = result, failure == nil {
                    failure = error
                    group.cancelAll()
                }
                if failure == nil, !Task.isCancelled { startNext() }
            }
            return failure
        }
        if let failure { throw failure }
        if Task.isCancelled { throw .cancelled }
    }

    /// Fetches a small file into memory (an InRelease, a Release): refused as `.tooLarge` as
    /// soon as it is known to exceed `limit` bytes.
    public func fetchData(_ url: String, limit: Int) async throws(FetchError) -> [UInt8] {
        try await fetchDocument(url, limit: limit).bytes
    }

    /// Fetches a small document into memory with the response's headers (a registry's
    /// manifest, whose media type and digest come in headers). A 401 is thrown as
    /// `.unauthorized` with the server's challenge, for the caller to authenticate and ask again.
    public func fetchDocument(_ url: String, headers: [String: String] = [:], limit: Int) async throws(FetchError) -> FetchedDocument {
        _ = try proxies.get()
        return try await retrying { () async throws(FetchError) -> FetchedDocument in
            let response = try await self.get(url, headers: headers)
            let announced = response.contentLength
            if let announced, announced > Int64(limit) { throw .tooLarge(url: url, limit: limit) }
            var bytes: [UInt8] = []
            bytes.reserveCapacity(Int(min(announced ?? 0, Int64(limit))))
            do {
                for try await buffer in response.body {
                    guard bytes.count + buffer.readableBytes <= limit else { throw FetchError.tooLarge(url: url, limit: limit) }
                    bytes.append(contentsOf: buffer.readableBytesView)
                }
            } catch {
                throw FetchError.body(error, url: url, announced: announced, received: Int64(bytes.count))
            }
            if let announced, Int64(bytes.count) < announced {
                throw .truncated(url: url, expected: announced, received: Int64(bytes.count))
            }
            return FetchedDocument(bytes: bytes, headers: response.headers.firstValues)
        }
    }

    /// Closes every connection. The fetcher must not be used afterwards.
    public func shutdown() async {
        try? await directClient.shutdown()
        for client in proxyClients.values {
            try? await client.shutdown()
        }
    }

    private static func makeClient(_ configuration: FetchConfiguration, proxy: ProxyServer?) -> HTTPClient {
        var pool = HTTPClient.Configuration.ConnectionPool(
            idleTimeout: .seconds(60),
            concurrentHTTP1ConnectionsPerHostSoftLimit: max(1, configuration.parallelism))
        // AsyncHTTPClient would otherwise keep retrying a refused connection until the request's
        // deadline; den's own retries give up after `retries` and say why.
        pool.retryConnectionEstablishment = false
        var client = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: configuration.connectTimeout.timeAmount, read: configuration.readTimeout.timeAmount),
            connectionPool: pool,
            proxy: proxy.map(\.clientProxy),
            decompression: .disabled)
        if proxy == nil {
            client.http1_1ConnectionDebugInitializer = AbsoluteFormRewriter.install(on:)
        }
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: client)
    }
}

/// A response read into memory by `Fetcher.fetchDocument`.
public struct FetchedDocument: Sendable {
    public var bytes: [UInt8]
    /// By lowercased name; of a repeated header, the first value.
    public var headers: [String: String]

    public init(bytes: [UInt8], headers: [String: String]) {
        self.bytes = bytes
        self.headers = headers
    }
}
