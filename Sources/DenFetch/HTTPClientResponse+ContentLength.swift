import AsyncHTTPClient

extension HTTPClientResponse {
    var contentLength: Int64? {
        headers.first(name: "content-length").flatMap { Int64($0) }
    }
}
