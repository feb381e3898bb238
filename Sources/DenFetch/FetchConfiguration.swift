/// How a `Fetcher` talks to mirrors. The defaults suit a Debian mirror.
public struct FetchConfiguration: Sendable {
    /// Downloads in flight at once (and connections per host). Values below 1 count as 1.
    public var parallelism: Int
    /// Further attempts after a transient failure (`FetchError.isTransient`): connection errors,
    /// timeouts, 5xx answers and truncated bodies. A 404 or a checksum mismatch is never retried.
    public var retries: Int
    /// The wait before the first retry; it doubles for each further one, up to
    /// `maximumRetryDelay`, and a random part of up to half of it is taken off so that parallel
    /// downloads that failed together do not come back together.
    public var retryDelay: Duration
    public var maximumRetryDelay: Duration
    public var connectTimeout: Duration
    /// The longest the server may send nothing while a response is awaited or read.
    public var readTimeout: Duration
    public var maximumRedirects: Int
    /// nil reads `http_proxy`, `https_proxy`, `no_proxy` and friends from the environment when
    /// the `Fetcher` is made.
    public var proxies: ProxySettings?
    public var userAgent: String

    public init(
        parallelism: Int = 8,
        retries: Int = 3,
        retryDelay: Duration = .milliseconds(500),
        maximumRetryDelay: Duration = .seconds(10),
        connectTimeout: Duration = .seconds(10),
        readTimeout: Duration = .seconds(30),
        maximumRedirects: Int = 5,
        proxies: ProxySettings? = nil,
        userAgent: String = "den"
    ) {
        self.parallelism = parallelism
        self.retries = retries
        self.retryDelay = retryDelay
        self.maximumRetryDelay = maximumRetryDelay
        self.connectTimeout = connectTimeout
        self.readTimeout = readTimeout
        self.maximumRedirects = maximumRedirects
        self.proxies = proxies
        self.userAgent = userAgent
    }
}
