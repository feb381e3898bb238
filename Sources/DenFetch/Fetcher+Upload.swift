import AsyncHTTPClient
import NIOCore
import NIOHTTP1
#if canImport(Glibc)
import Glibc
#endif

/// What a request other than a download sends.
public enum UploadBody: Sendable {
    case bytes([UInt8])
    /// A file streamed from disk in 1 MiB chunks, `size` announced as the length.
    case file(path: String, size: Int64)
}

/// The answer to `Fetcher.send`: any 2xx status, its headers by lowercased name, its body.
public struct SentResponse: Sendable {
    public var status: Int
    public var headers: [String: String]
    public var body: [UInt8]
}

extension Fetcher {
    /// Sends one request (`HEAD`, `POST`, `PUT`…) and reads the answer, up to `limit` bytes of
    /// body. Redirects are not followed. A 401 is `.unauthorized` with the server's challenge;
    /// any other status outside 2xx is `.http`. Not retried: an upload may not be idempotent.
    public func send(
        _ method: String, _ url: String, headers: [String: String] = [:], body: UploadBody? = nil, limit: Int = 1 << 20
    ) async throws(FetchError) -> SentResponse {
        _ = try proxies.get()
        var (client, request) = try route(url, reportedAs: url, headers: headers)
        request.method = HTTPMethod(rawValue: method)
        switch body {
        case .bytes(let bytes)?:
            request.body = .bytes(ByteBuffer(bytes: bytes))
        case .file(let path, let size)?:
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { throw .filesystem(path: path, errno: errno) }
            request.body = .stream(FileChunks(descriptor: fd, path: path), length: .known(size))
        case nil:
            break
        }
        let response = try await execute(request, on: client, url: url)
        let status = Int(response.status.code)
        var bytes: [UInt8] = []
        if method != "HEAD" {
            do {
                for try await buffer in response.body where bytes.count < limit {
                    bytes.append(contentsOf: buffer.readableBytesView.prefix(limit - bytes.count))
                }
            } catch {
                throw FetchError.transport(error, url: url)
            }
        }
        if status == 401 { throw .unauthorized(url: url, challenge: response.headers.first(name: "www-authenticate")) }
        guard (200..<300).contains(status) else { throw .http(url: url, status: status) }
        return SentResponse(status: status, headers: response.headers.firstValues, body: bytes)
    }
}

/// A file read as a sequence of buffers for a streamed request body; the descriptor is
/// closed when the sequence ends.
struct FileChunks: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let descriptor: Int32
    let path: String

    struct Iterator: AsyncIteratorProtocol {
        let descriptor: Int32
        let path: String
        var done = false

        mutating func next() async throws -> ByteBuffer? {
            guard !done else { return nil }
            var buffer = ByteBuffer()
            buffer.reserveCapacity(1 << 20)
            let path = path
            let count = try buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: 1 << 20) { raw in
                var result = 0
                repeat { result = read(descriptor, raw.baseAddress, raw.count) } while result < 0 && errno == EINTR
                guard result >= 0 else { throw FetchError.filesystem(path: path, errno: errno) }
                return result
            }
            if count == 0 {
                done = true
                close(descriptor)
                return nil
            }
            return buffer
        }
    }

    func makeAsyncIterator() -> Iterator { Iterator(descriptor: descriptor, path: path) }
}

extension HTTPHeaders {
    /// By lowercased name; of a repeated header, the first value.
    var firstValues: [String: String] {
        var fields: [String: String] = [:]
        for header in self where fields[header.name.lowercased()] == nil {
            fields[header.name.lowercased()] = header.value
        }
        return fields
    }
}
