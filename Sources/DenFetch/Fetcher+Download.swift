import AsyncHTTPClient
import NIOCore

#if canImport(Glibc)
import Glibc
#endif

extension Fetcher {
    /// Puts one file in place, or leaves nothing behind.
    func download(_ request: DownloadRequest, tracker: ProgressTracker) async throws(FetchError) {
        if let size = try reusableSize(of: request) {
            tracker.completed(reusedSize: size)
            return
        }
        let file = try PartialFile(destination: request.destination)
        do throws(FetchError) {
            try await retrying { () async throws(FetchError) in
                if file.size > 0 {
                    tracker.received(-file.size)
                    try file.restart()
                }
                try await self.stream(request, into: file, tracker: tracker)
            }
            if let expected = request.expectedSHA256?.lowercased() {
                let actual = file.hasher.finalize()
                guard actual == expected else {
                    throw .checksumMismatch(url: request.url, expected: expected, actual: actual)
                }
            }
            try file.commit()
        } catch {
            file.discard()
            throw error
        }
        tracker.completed()
    }

    private func stream(_ request: DownloadRequest, into file: PartialFile, tracker: ProgressTracker) async throws(FetchError) {
        let url = request.url
        let response = try await get(url, headers: request.headers)
        let announced = response.contentLength
        // Refuse before reading: a mirror serving another version of the file will not
        // produce the right bytes by being read to the end.
        if let expected = request.expectedSize, let announced, announced != expected {
            throw .sizeMismatch(url: url, expected: expected, actual: announced)
        }
        do {
            for try await buffer in response.body {
                let count = Int64(buffer.readableBytes)
                if let expected = request.expectedSize, file.size + count > expected {
                    throw FetchError.sizeMismatch(url: url, expected: expected, actual: file.size + count)
                }
                try buffer.withUnsafeReadableBytes { bytes throws(FetchError) in try file.append(bytes) }
                tracker.received(count)
            }
        } catch {
            throw FetchError.body(error, url: url, announced: announced, received: file.size)
        }
        if let announced, file.size < announced {
            throw .truncated(url: url, expected: announced, received: file.size)
        }
        if let expected = request.expectedSize, file.size != expected {
            throw .sizeMismatch(url: url, expected: expected, actual: file.size)
        }
    }

    /// The size of a destination that already holds the expected bytes, nil when it must be
    /// fetched. One that is known to be wrong is removed, so a failed fetch leaves nothing.
    private func reusableSize(of request: DownloadRequest) throws(FetchError) -> Int64? {
        guard let expected = request.expectedSHA256?.lowercased() else { return nil }
        let path = request.destination
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard descriptor >= 0 else {
            let code = errno
            if code == ENOENT { return nil }
            throw .filesystem(path: path, errno: code)
        }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw .filesystem(path: path, errno: errno) }
        let isRegular = status.st_mode & S_IFMT == S_IFREG
        if isRegular, request.expectedSize.map({ $0 == Int64(status.st_size) }) ?? true {
            var hasher = SHA256()
            let chunk = 1 << 16
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunk, alignment: 16)
            defer { buffer.deallocate() }
            while true {
                let count = read(descriptor, buffer.baseAddress, chunk)
                if count < 0 {
                    if errno == EINTR { continue }
                    throw .filesystem(path: path, errno: errno)
                }
                if count == 0 { break }
                hasher.update(UnsafeRawBufferPointer(rebasing: buffer[..<count]))
            }
            if hasher.finalize() == expected { return Int64(status.st_size) }
        }
        if unlink(path) != 0, errno != ENOENT { throw .filesystem(path: path, errno: errno) }
        return nil
    }
}

extension FetchError {
    /// A failure while reading a body. The connection dropping before the announced length
    /// is a truncation, which is worth retrying.
    static func body(_ error: any Error, url: String, announced: Int64?, received: Int64) -> FetchError {
        let failure = transport(error, url: url)
        if case .connection = failure, let announced, received < announced {
            return .truncated(url: url, expected: announced, received: received)
        }
        return failure
    }
}
