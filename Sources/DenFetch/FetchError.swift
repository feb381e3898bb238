/// Everything a download can fail with. `url` is the address that was asked for, not the one a
/// redirect led to, so a message names what the caller wrote.
public enum FetchError: Error, Sendable, Hashable {
    /// The server answered with a status other than 200 (after following redirects).
    case http(url: String, status: Int)
    /// The server answered 401; `challenge` is its `WWW-Authenticate` header, which says how
    /// to authenticate (a registry's token service).
    case unauthorized(url: String, challenge: String?)
    /// No connection could be made or it broke: the mirror is down, the name does not resolve,
    /// the connection was refused or reset, or TLS failed. `reason` keeps the underlying cause.
    case connection(url: String, reason: String)
    /// Connecting took longer than the connect timeout, or the server sent nothing for longer
    /// than the read timeout.
    case timeout(url: String)
    /// The server closed the connection before sending the whole body it announced.
    case truncated(url: String, expected: Int64, received: Int64)
    /// The body does not hash to the SHA-256 the caller expected (lowercase hex).
    case checksumMismatch(url: String, expected: String, actual: String)
    /// The body is not the size the caller expected; `actual` may be the server's announced
    /// length when the download was refused before reading it.
    case sizeMismatch(url: String, expected: Int64, actual: Int64)
    /// A body longer than the limit given to `fetchData`.
    case tooLarge(url: String, limit: Int)
    /// A local file operation failed; `errno` was read at once.
    case filesystem(path: String, errno: Int32)
    /// The address is not an absolute http or https URL.
    case invalidURL(String)
    /// A proxy environment variable holds something that is not a usable proxy address.
    case invalidProxy(variable: String, value: String)
    /// More redirects than `FetchConfiguration.maximumRedirects`, or a redirect without a
    /// usable `Location`, or one from https down to plain http.
    case badRedirect(url: String, location: String?)
    /// The fetch was cancelled, by the caller or because another download of the same call failed.
    case cancelled
}
