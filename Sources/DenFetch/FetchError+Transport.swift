import AsyncHTTPClient
import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#endif

extension FetchError {
    /// Names what went wrong under AsyncHTTPClient in den's terms, keeping the cause's text
    /// where there is no closer case.
    static func transport(_ error: any Error, url: String) -> FetchError {
        switch error {
        case let error as FetchError:
            return error
        case is CancellationError:
            return .cancelled
        case let error as HTTPClientError:
            switch error {
            case .connectTimeout, .readTimeout, .writeTimeout, .deadlineExceeded, .tlsHandshakeTimeout,
                 .socksHandshakeTimeout, .httpProxyHandshakeTimeout, .getConnectionFromPoolTimeout:
                return .timeout(url: url)
            case .cancelled:
                return .cancelled
            case .invalidURL, .emptyHost, .emptyScheme:
                return .invalidURL(url)
            case .remoteConnectionClosed:
                return .connection(url: url, reason: "the server closed the connection")
            case .proxyAuthenticationRequired:
                return .http(url: url, status: 407)
            case .invalidProxyResponse:
                return .connection(url: url, reason: "the proxy refused to open a tunnel")
            default:
                return .connection(url: url, reason: String(describing: error))
            }
        case let error as NIOConnectionError:
            if error.dnsAError != nil || error.dnsAAAAError != nil, error.connectionErrors.isEmpty {
                return .connection(url: url, reason: "cannot resolve host \"\(error.host)\"")
            }
            if let failure = error.connectionErrors.first {
                return transport(failure.error, url: url)
            }
            return .connection(url: url, reason: "cannot connect to \"\(error.host):\(error.port)\"")
        case let error as IOError:
            if error.errnoCode == ETIMEDOUT { return .timeout(url: url) }
            return .connection(url: url, reason: errnoText(error.errnoCode))
        case let error as ChannelError:
            if case .connectTimeout = error { return .timeout(url: url) }
            return .connection(url: url, reason: String(describing: error))
        default:
            let text = String(describing: error)
            return .connection(url: url, reason: text.prefix(1).lowercased() + text.dropFirst())
        }
    }
}
