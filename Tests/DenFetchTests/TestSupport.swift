import DenFetch
import Foundation
import Testing

/// A fresh directory under the system temp dir, removed when the test is done with it.
final class TemporaryDirectory: @unchecked Sendable {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("denfetch-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    /// Every name in the directory, dot files included: a leftover partial file shows here.
    func contents() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: url.path).sorted()
    }
}

/// A mirror directory with its server, and a separate directory to download into.
struct MirrorFixture {
    let served: TemporaryDirectory
    let downloads: TemporaryDirectory
    let server: PythonServer

    init() throws {
        served = try TemporaryDirectory()
        downloads = try TemporaryDirectory()
        server = try PythonServer(script: mirrorScript, named: "mirror.py", in: served.url, arguments: [served.url.path])
    }

    /// Writes `bytes` as NAME on the mirror and returns what a request for it should expect.
    @discardableResult
    func publish(_ name: String, _ bytes: [UInt8]) throws -> (size: Int64, sha256: String) {
        let path = served.path(name)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return (Int64(bytes.count), try sha256sum(path))
    }

    func request(_ path: String, as name: String, size: Int64? = nil, sha256: String? = nil) -> DownloadRequest {
        DownloadRequest(url: server.url(path), destination: downloads.path(name), expectedSize: size, expectedSHA256: sha256)
    }

    func hits(_ path: String) throws -> Int {
        Int(try server.text("/hits" + path)) ?? -1
    }
}

/// The oracle: coreutils' `sha256sum` of a file.
func sha256sum(_ path: String) throws -> String {
    try digestTool("sha256sum", path, length: 64)
}

/// `md5sum` or `sha256sum` as the oracle for den's hashes.
func digestTool(_ tool: String, _ path: String, length: Int) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [tool, path]
    let output = Pipe()
    process.standardOutput = output
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(String(decoding: data, as: UTF8.self).prefix(length))
}

func randomBytes(_ count: Int) -> [UInt8] {
    var generator = SystemRandomNumberGenerator()
    return (0..<count).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
}

/// A port nothing listens on: bound, then closed again.
func closedPort() throws -> Int {
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(descriptor) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { sockaddr in
            bind(descriptor, sockaddr, length) == 0 && getsockname(descriptor, sockaddr, &length) == 0
        }
    }
    guard bound else { throw TestServerError.noPort("closed port") }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// A fetcher that gives up quickly, for tests of failures; shut down after `body`.
func withFetcher<T>(
    retries: Int = 2,
    readTimeout: Duration = .seconds(10),
    proxies: ProxySettings = .direct,
    _ body: (Fetcher) async throws -> T
) async throws -> T {
    let fetcher = Fetcher(configuration: FetchConfiguration(
        retries: retries, retryDelay: .milliseconds(20), maximumRetryDelay: .milliseconds(100),
        connectTimeout: .seconds(5), readTimeout: readTimeout, proxies: proxies))
    do {
        let result = try await body(fetcher)
        await fetcher.shutdown()
        return result
    } catch {
        await fetcher.shutdown()
        throw error
    }
}

/// Runs `body`, which must throw a `FetchError`, and returns that error.
func fetchError(_ body: () async throws(FetchError) -> Void) async -> FetchError? {
    do {
        try await body()
        return nil
    } catch {
        return error
    }
}

/// Collects the reports of a fetch.
final class ProgressLog: @unchecked Sendable {
    private let lock = NSLock()
    private var reports: [DownloadProgress] = []

    func record(_ progress: DownloadProgress) {
        lock.lock()
        reports.append(progress)
        lock.unlock()
    }

    var all: [DownloadProgress] {
        lock.lock()
        defer { lock.unlock() }
        return reports
    }
}
