import AsyncHTTPClient
import FoundationEssentials
import NIOCore

extension Fetcher {
    /// Sends a GET for `url`, following redirects, and returns a 200 response whose body is
    /// still to be read. Redirects are followed here rather than by AsyncHTTPClient so that
    /// each hop is routed through the proxy its own scheme and host call for.
    func get(_ url: String, headers: [String: String] = [:]) async throws(FetchError) -> HTTPClientResponse {
        var current = url
        var headers = headers
        var redirects = 0
        while true {
            let (client, request) = try route(current, reportedAs: url, headers: headers)
            let response = try await execute(request, on: client, url: url)
            let status = Int(response.status.code)
            switch status {
            case 200:
                return response
            case 401:
                throw .unauthorized(url: url, challenge: response.headers.first(name: "www-authenticate"))
            case 301, 302, 303, 307, 308:
                guard let location = response.headers.first(name: "location") else {
                    throw .badRedirect(url: url, location: nil)
                }
                guard redirects < configuration.maximumRedirects,
                      let next = URL(string: location, relativeTo: URL(string: current))?.absoluteString,
                      let nextScheme = next.split(separator: ":").first?.lowercased(),
                      nextScheme == "https" || (nextScheme == "http" && !current.lowercased().hasPrefix("https:"))
                else { throw .badRedirect(url: url, location: location) }
                redirects += 1
                // A registry sends blobs to storage elsewhere, which must not see its credentials.
                if Self.target(of: next)?.host.lowercased() != Self.target(of: current)?.host.lowercased() {
                    headers = headers.filter { $0.key.lowercased() != "authorization" }
                }
                current = next
            default:
                throw .http(url: url, status: status)
            }
        }
    }

    /// Sends one request; a failure to get an answer is reported for `url` (what was asked for).
    func execute(_ request: HTTPClientRequest, on client: HTTPClient, url: String) async throws(FetchError) -> HTTPClientResponse {
        do {
            return try await client.execute(request, deadline: .distantFuture)
        } catch {
            throw FetchError.transport(error, url: url)
        }
    }

    /// The parts of an absolute http or https URL that routing needs; nil for anything else.
    static func target(of url: String) -> (url: URL, scheme: String, host: String)? {
        guard let parsed = URL(string: url), let scheme = parsed.scheme?.lowercased(),
              scheme == "http" || scheme == "https",
              let host = parsed.host(percentEncoded: true), !host.isEmpty
        else { return nil }
        return (parsed, scheme, host)
    }

    /// The client and request for one hop. A plain-http request through a web proxy is
    /// addressed to the proxy, with the real target for `AbsoluteFormRewriter` to put in the
    /// request line and the real host in `Host`.
    func route(
        _ url: String, reportedAs original: String, headers: [String: String]
    ) throws(FetchError) -> (HTTPClient, HTTPClientRequest) {
        guard let (parsed, scheme, host) = Self.target(of: url) else { throw .invalidURL(original) }
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "user-agent", value: configuration.userAgent)
        for (name, value) in headers.sorted(by: { $0.key < $1.key }) {
            request.headers.add(name: name, value: value)
        }
        let settings = try proxies.get()
        guard let proxy = settings.server(scheme: scheme, host: host) else {
            return (directClient, request)
        }
        if proxy.kind == .http, scheme == "http" {
            let proxyHost = proxy.host.contains(":") ? "[\(proxy.host)]" : proxy.host
            request.url = "http://\(proxyHost):\(proxy.port)/"
            let bracketed = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
            request.headers.add(name: "host", value: parsed.port.map { "\(bracketed):\($0)" } ?? bracketed)
            request.headers.add(name: AbsoluteFormRewriter.header, value: url)
            if let authorization = proxy.authorization {
                request.headers.add(name: "proxy-authorization", value: authorization.headerValue)
            }
            return (directClient, request)
        }
        guard let client = proxyClients[proxy] else { return (directClient, request) }
        return (client, request)
    }
}
