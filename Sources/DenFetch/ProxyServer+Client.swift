import AsyncHTTPClient

extension ProxyServer {
    var clientProxy: HTTPClient.Configuration.Proxy {
        switch kind {
        case .http:
            .server(host: host, port: port, authorization: authorization)
        case .socks5:
            .socksServer(host: host, port: port)
        }
    }

    var authorization: HTTPClient.Authorization? {
        username.map { .basic(username: $0, password: password ?? "") }
    }
}
