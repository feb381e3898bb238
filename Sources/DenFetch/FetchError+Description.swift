#if canImport(Glibc)
import Glibc
#endif

extension FetchError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .http(let url, let status):
            return "server answered \(status)\(Self.reasonPhrase(status).map { " (\($0))" } ?? "") for \"\(url)\""
        case .unauthorized(let url, _):
            return "server answered 401 (unauthorized) for \"\(url)\""
        case .connection(let url, let reason):
            return "cannot connect for \"\(url)\": \(reason)"
        case .timeout(let url):
            return "timed out fetching \"\(url)\""
        case .truncated(let url, let expected, let received):
            return "connection closed after \(received) of \(expected) bytes of \"\(url)\""
        case .checksumMismatch(let url, let expected, let actual):
            return "sha256 of \"\(url)\" is \"\(actual)\", expected \"\(expected)\""
        case .sizeMismatch(let url, let expected, let actual):
            return "\"\(url)\" is \(actual) bytes, expected \(expected)"
        case .tooLarge(let url, let limit):
            return "\"\(url)\" is larger than the limit of \(limit) bytes"
        case .filesystem(let path, let errno):
            return "\"\(path)\": \(Self.errnoText(errno))"
        case .invalidURL(let url):
            return "not an http or https url: \"\(url)\""
        case .invalidProxy(let variable, let value):
            return "\(variable) is not a usable proxy: \"\(value)\" (expected http://host:port or socks5://host:port)"
        case .badRedirect(let url, let location):
            if let location {
                return "refusing redirect of \"\(url)\" to \"\(location)\""
            }
            return "redirect of \"\(url)\" has no location"
        case .cancelled:
            return "download cancelled"
        }
    }

    /// Whether trying again later may succeed: the failures of the network and of the server,
    /// not those of the request or of the content.
    public var isTransient: Bool {
        switch self {
        case .http(_, let status): status >= 500
        case .connection, .timeout, .truncated: true
        default: false
        }
    }

    private static func reasonPhrase(_ status: Int) -> String? {
        switch status {
        case 400: "bad request"
        case 401: "unauthorized"
        case 403: "forbidden"
        case 404: "not found"
        case 407: "proxy authentication required"
        case 410: "gone"
        case 429: "too many requests"
        case 500: "internal server error"
        case 502: "bad gateway"
        case 503: "service unavailable"
        case 504: "gateway timeout"
        default: nil
        }
    }

    static func errnoText(_ code: Int32) -> String {
        guard let text = strerror(code) else { return "errno \(code)" }
        let message = String(cString: text)
        return message.prefix(1).lowercased() + message.dropFirst()
    }
}
