import FoundationEssentials

/// One proxy server from a `*_proxy` variable.
public struct ProxyServer: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        /// A web proxy: plain http requests are sent to it in absolute form, https is tunnelled
        /// with `CONNECT`, as curl and apt do.
        case http
        /// A SOCKS5 proxy that resolves names itself.
        case socks5
    }

    public var kind: Kind
    public var host: String
    public var port: Int
    public var username: String?
    public var password: String?

    public init(kind: Kind, host: String, port: Int, username: String? = nil, password: String? = nil) {
        self.kind = kind
        self.host = host
        self.port = port
        self.username = username
        self.password = password
    }

    /// Parses `http://[user:password@]host[:port][/]`, `host:port` (taken as http), or
    /// `socks5://host:port` / `socks5h://host:port`. A missing port is the scheme's own (80, 1080).
    public init(_ value: String, variable: String) throws(FetchError) {
        let text = String(value.drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
        let withScheme = text.contains("://") ? text : "http://" + text
        guard let url = URL(string: withScheme), let scheme = url.scheme?.lowercased(),
              let host = url.host(percentEncoded: false), !host.isEmpty,
              url.path.isEmpty || url.path == "/", url.query == nil
        else { throw .invalidProxy(variable: variable, value: value) }
        switch scheme {
        case "http": kind = .http
        case "socks5", "socks5h": kind = .socks5
        default: throw .invalidProxy(variable: variable, value: value)
        }
        if let port = url.port {
            guard (1...65535).contains(port) else { throw .invalidProxy(variable: variable, value: value) }
            self.port = port
        } else {
            self.port = kind == .http ? 80 : 1080
        }
        self.host = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        self.username = url.user(percentEncoded: false)
        self.password = url.password(percentEncoded: false)
    }
}
