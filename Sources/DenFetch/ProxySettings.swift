#if canImport(Glibc)
import Glibc
#endif

/// Which proxy each request goes through, read from the variables curl and apt honour.
///
/// `http_proxy` is read only in lowercase, as curl and apt do: `HTTP_PROXY` can be set by a
/// CGI-style `Proxy:` request header ("httpoxy"). `https_proxy` and `no_proxy` are read in either
/// case, lowercase first. `all_proxy`/`ALL_PROXY` apply to a scheme that has no variable of its own.
public struct ProxySettings: Sendable, Hashable {
    public var http: ProxyServer?
    public var https: ProxyServer?
    /// `no_proxy` entries, lowercased: `*` (every host), a host name that also covers its
    /// subdomains (a leading dot is ignored), an IP address, or an IPv4 network in CIDR form.
    public var exclusions: [String]

    /// No proxy at all.
    public static let direct = ProxySettings(http: nil, https: nil, exclusions: [])

    public init(http: ProxyServer?, https: ProxyServer?, exclusions: [String] = []) {
        self.http = http
        self.https = https
        self.exclusions = exclusions
    }

    public init(environment: [String: String]) throws(FetchError) {
        func lookup(_ names: String...) -> (name: String, value: String)? {
            for name in names {
                if let value = environment[name], !value.allSatisfy(\.isWhitespace) { return (name, value) }
            }
            return nil
        }
        let all = lookup("all_proxy", "ALL_PROXY")
        let http = lookup("http_proxy") ?? all
        let https = lookup("https_proxy", "HTTPS_PROXY") ?? all
        self.http = try http.map { entry throws(FetchError) in try ProxyServer(entry.value, variable: entry.name) }
        self.https = try https.map { entry throws(FetchError) in try ProxyServer(entry.value, variable: entry.name) }
        self.exclusions = (lookup("no_proxy", "NO_PROXY")?.value ?? "")
            .split(whereSeparator: { $0 == "," || $0.isWhitespace })
            .map { $0.lowercased() }
    }

    /// The settings of this process's environment.
    public static func fromProcessEnvironment() throws(FetchError) -> ProxySettings {
        let names = ["all_proxy", "ALL_PROXY", "http_proxy", "https_proxy", "HTTPS_PROXY", "no_proxy", "NO_PROXY"]
        var environment: [String: String] = [:]
        for name in names {
            if let value = getenv(name) { environment[name] = String(cString: value) }
        }
        return try ProxySettings(environment: environment)
    }

    /// The proxy for a request to `host` over `scheme` (`http` or `https`), nil to go direct.
    public func server(scheme: String, host: String) -> ProxyServer? {
        let server = scheme == "https" ? https : http
        guard let server, !isExcluded(host) else { return nil }
        return server
    }

    func isExcluded(_ host: String) -> Bool {
        var host = host.lowercased()
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if host.hasSuffix(".") { host.removeLast() }
        return exclusions.contains { entry in
            if entry == "*" { return true }
            if entry.contains("/") { return Self.ipv4(host, isIn: entry) }
            var name = Substring(entry)
            if name.hasPrefix("[") , name.hasSuffix("]") { name = name.dropFirst().dropLast() }
            while name.hasPrefix(".") { name = name.dropFirst() }
            if name.hasSuffix(".") { name = name.dropLast() }
            guard !name.isEmpty else { return false }
            return host == name || host.hasSuffix("." + name)
        }
    }

    private static func ipv4(_ host: String, isIn network: String) -> Bool {
        let parts = network.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let prefix = UInt32(parts[1]), prefix <= 32,
              let base = ipv4Value(parts[0]), let address = ipv4Value(Substring(host))
        else { return false }
        let mask: UInt32 = prefix == 0 ? 0 : ~UInt32(0) << (32 - prefix)
        return address & mask == base & mask
    }

    private static func ipv4Value(_ text: Substring) -> UInt32? {
        let octets = text.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4 else { return nil }
        var value: UInt32 = 0
        for octet in octets {
            guard let byte = UInt8(octet) else { return nil }
            value = value << 8 | UInt32(byte)
        }
        return value
    }
}
