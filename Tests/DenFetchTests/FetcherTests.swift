import DenFetch
import Foundation
import Testing

@Suite("Fetcher against a local mirror", .timeLimit(.minutes(1)))
struct FetcherTests {
    @Test func fetchesFiftyFilesInParallel() async throws {
        let mirror = try MirrorFixture()
        var requests: [DownloadRequest] = []
        var contents: [String: [UInt8]] = [:]
        for index in 0..<50 {
            let name = "package\(index).deb"
            let bytes = randomBytes(Int.random(in: 0...300_000))
            let (size, sha256) = try mirror.publish(name, bytes)
            contents[name] = bytes
            requests.append(mirror.request("/files/\(name)", as: name, size: size, sha256: sha256))
        }
        let log = ProgressLog()
        try await withFetcher { fetcher in
            try await fetcher.fetch(requests) { log.record($0) }
        }
        for (name, bytes) in contents {
            #expect(try Data(contentsOf: URL(fileURLWithPath: mirror.downloads.path(name))) == Data(bytes), "\(name)")
        }
        #expect(try mirror.downloads.contents() == contents.keys.sorted())
        let total = requests.reduce(Int64(0)) { $0 + ($1.expectedSize ?? 0) }
        let last = try #require(log.all.last)
        #expect(last == DownloadProgress(completedFiles: 50, totalFiles: 50, reusedFiles: 0, receivedBytes: total, totalBytes: total))
        #expect(log.all.first?.completedFiles == 0)
        #expect(zip(log.all, log.all.dropFirst()).allSatisfy { $0.completedFiles <= $1.completedFiles })
    }

    @Test func checksumMismatchLeavesNothingBehind() async throws {
        let mirror = try MirrorFixture()
        let (size, sha256) = try mirror.publish("a.deb", randomBytes(70_000))
        let wrong = String(repeating: "0", count: 64)
        let request = mirror.request("/files/a.deb", as: "a.deb", size: size, sha256: wrong)
        let error = try await withFetcher { fetcher in
            await fetchError { () async throws(FetchError) in try await fetcher.fetch([request]) }
        }
        #expect(error == .checksumMismatch(url: request.url, expected: wrong, actual: sha256))
        #expect(try mirror.downloads.contents() == [])
        #expect(try mirror.hits("/files/a.deb") == 1, "a checksum mismatch is not retried")
    }

    @Test func notFoundIsNotRetried() async throws {
        let mirror = try MirrorFixture()
        let request = mirror.request("/files/missing.deb", as: "missing.deb")
        let error = try await withFetcher(retries: 3) { fetcher in
            await fetchError { () async throws(FetchError) in try await fetcher.fetch([request]) }
        }
        #expect(error == .http(url: request.url, status: 404))
        #expect(error?.description == "server answered 404 (not found) for \"\(request.url)\"")
        #expect(try mirror.hits("/files/missing.deb") == 1)
        #expect(try mirror.downloads.contents() == [])
    }

    @Test func serverErrorsAreRetried() async throws {
        let mirror = try MirrorFixture()
        let bytes = randomBytes(10_000)
        let (size, sha256) = try mirror.publish("b.deb", bytes)
        let request = mirror.request("/flaky/2/b.deb", as: "b.deb", size: size, sha256: sha256)
        try await withFetcher(retries: 3) { fetcher in try await fetcher.fetch([request]) }
        #expect(try mirror.hits("/flaky/2/b.deb") == 3)
        #expect(try Data(contentsOf: URL(fileURLWithPath: request.destination)) == Data(bytes))
    }

    @Test func serverErrorsBeyondTheRetriesFail() async throws {
        let mirror = try MirrorFixture()
        try mirror.publish("c.deb", randomBytes(100))
        let request = mirror.request("/flaky/5/c.deb", as: "c.deb")
        let error = try await withFetcher(retries: 2) { fetcher in
            await fetchError { () async throws(FetchError) in try await fetcher.fetch([request]) }
        }
        #expect(error == .http(url: request.url, status: 500))
        #expect(try mirror.hits("/flaky/5/c.deb") == 3)
        #expect(try mirror.downloads.contents() == [])
    }

    @Test func truncatedBodiesAreRetriedThenReported() async throws {
        let mirror = try MirrorFixture()
        let (size, sha256) = try mirror.publish("d.deb", randomBytes(200_000))
        let request = mirror.request("/truncate/d.deb", as: "d.deb", size: size, sha256: sha256)
        let error = try await withFetcher(retries: 2) { fetcher in
            await fetchError { () async throws(FetchError) in try await fetcher.fetch([request]) }
        }
        // How much of the half that was sent gets written depends on when the close overtakes
        // the buffered body, so only the bounds are fixed.
        guard case .truncated(let url, let expected, let received) = error else {
            Issue.record("expected a truncation, got \(String(describing: error))")
            return
        }
        #expect(url == request.url && expected == size)
        #expect(received < size)
        #expect(try mirror.hits("/truncate/d.deb") == 3)
        #expect(try mirror.downloads.contents() == [])
    }

    @Test func refusedConnectionIsAConnectionError() async throws {
        let downloads = try TemporaryDirectory()
        let url = "http://127.0.0.1:\(try closedPort())/debian/dists/stable/InRelease"
        let request = DownloadRequest(url: url, destination: downloads.path("InRelease"))
        let error = try await withFetcher(retries: 1) { fetcher in
            await fetchError { () async throws(FetchError) in try await fetcher.fetch([request]) }
        }
        guard case .connection(let failedURL, let reason) = error else {
            Issue.record("expected a connection error, got \(String(describing: error))")
            return
        }
        #expect(failedURL == url)
        #expect(reason.contains("refused"), "\(reason)")
        #expect(try downloads.contents() == [])
    }

    @Test func existingFileWithTheRightHashIsReused() async throws {
        let mirror = try MirrorFixture()
        let bytes = randomBytes(5_000)
        let (size, sha256) = try mirror.publish("e.deb", bytes)
        let request = mirror.request("/files/e.deb", as: "e.deb", size: size, sha256: sha256)
        try Data(bytes).write(to: URL(fileURLWithPath: request.destination))
        let log = ProgressLog()
        try await withFetcher { fetcher in try await fetcher.fetch([request]) { log.record($0) } }
        #expect(try mirror.hits("/files/e.deb") == 0)
        #expect(log.all.last == DownloadProgress(completedFiles: 1, totalFiles: 1, reusedFiles: 1, receivedBytes: size, totalBytes: size))
    }

    @Test func existingFileWithTheWrongHashIsReplaced() async throws {
        let mirror = try MirrorFixture()
        let bytes = randomBytes(5_000)
        let (size, sha256) = try mirror.publish("f.deb", bytes)
        let request = mirror.request("/files/f.deb", as: "f.deb", size: size, sha256: sha256)
        var damaged = bytes
        damaged[100] ^= 0xff
        try Data(damaged).write(to: URL(fileURLWithPath: request.destination))
        try await withFetcher { fetcher in try await fetcher.fetch([request]) }
        #expect(try mirror.hits("/files/f.deb") == 1)
        #expect(try Data(contentsOf: URL(fileURLWithPath: request.destination)) == Data(bytes))
    }

    @Test func wrongAnnouncedSizeIsRefusedBeforeReading() async throws {
        let mirror = try MirrorFixture()
        try mirror.publish("g.deb", randomBytes(4_000))
        let request = mirror.request("/files/g.deb", as: "g.deb", size: 3_000)
        let error = try await withFetcher { fetcher in
            await fetchError { () async throws(FetchError) in try await fetcher.fetch([request]) }
        }
        #expect(error == .sizeMismatch(url: request.url, expected: 3_000, actual: 4_000))
        #expect(try mirror.hits("/files/g.deb") == 1)
        #expect(try mirror.downloads.contents() == [])
    }

    @Test func silentServerTimesOut() async throws {
        let mirror = try MirrorFixture()
        try mirror.publish("h.deb", randomBytes(100_000))
        // Were the read timeout ignored, the body would complete after the stall and the
        // download would succeed (or the time limit would end the test).
        let request = mirror.request("/stall/30/h.deb", as: "h.deb")
        let error = try await withFetcher(retries: 0, readTimeout: .milliseconds(400)) { fetcher in
            await fetchError { () async throws(FetchError) in try await fetcher.fetch([request]) }
        }
        #expect(error == .timeout(url: request.url))
        #expect(try mirror.downloads.contents() == [])
    }

    @Test func redirectsAreFollowed() async throws {
        let mirror = try MirrorFixture()
        let bytes = randomBytes(1_000)
        let (size, sha256) = try mirror.publish("i.deb", bytes)
        let request = mirror.request("/redirect/redirect/files/i.deb", as: "i.deb", size: size, sha256: sha256)
        try await withFetcher { fetcher in try await fetcher.fetch([request]) }
        #expect(try Data(contentsOf: URL(fileURLWithPath: request.destination)) == Data(bytes))
        #expect(try mirror.hits("/files/i.deb") == 1)
    }

    @Test func endlessRedirectsAreRefused() async throws {
        let mirror = try MirrorFixture()
        let path = "/" + Array(repeating: "redirect", count: 8).joined(separator: "/") + "/files/j.deb"
        let request = mirror.request(path, as: "j.deb")
        let error = try await withFetcher { fetcher in
            await fetchError { () async throws(FetchError) in try await fetcher.fetch([request]) }
        }
        guard case .badRedirect(let url, _) = error else {
            Issue.record("expected a redirect error, got \(String(describing: error))")
            return
        }
        #expect(url == request.url)
    }

    @Test func firstFailureCancelsTheRest() async throws {
        let mirror = try MirrorFixture()
        try mirror.publish("slow.deb", randomBytes(50_000))
        var requests = [mirror.request("/status/404", as: "missing")]
        for index in 0..<6 {
            requests.append(mirror.request("/stall/30/slow.deb?\(index)", as: "slow\(index).deb"))
        }
        let started = ContinuousClock.now
        let error = try await withFetcher { fetcher in
            await fetchError { () async throws(FetchError) in try await fetcher.fetch(requests) }
        }
        #expect(error == .http(url: requests[0].url, status: 404))
        // Left running, the stalled downloads would finish after 30 s and be renamed into place.
        #expect(ContinuousClock.now - started < .seconds(25))
        #expect(try mirror.downloads.contents() == [], "partial files of cancelled downloads are removed")
    }

    @Test func fetchDataReturnsSmallFiles() async throws {
        let mirror = try MirrorFixture()
        let bytes = Array("Origin: Debian\nSuite: stable\n".utf8)
        try mirror.publish("InRelease", bytes)
        let data = try await withFetcher { fetcher in try await fetcher.fetchData(mirror.server.url("/files/InRelease"), limit: 1_000) }
        #expect(data == bytes)
    }

    @Test func fetchDataRefusesMoreThanTheLimit() async throws {
        let mirror = try MirrorFixture()
        try mirror.publish("big", randomBytes(2_000))
        let url = mirror.server.url("/files/big")
        let error = try await withFetcher { fetcher in
            await fetchError { () async throws(FetchError) in _ = try await fetcher.fetchData(url, limit: 1_999) }
        }
        #expect(error == .tooLarge(url: url, limit: 1_999))
    }

    @Test func missingDestinationDirectoryIsAFilesystemError() async throws {
        let mirror = try MirrorFixture()
        try mirror.publish("k.deb", randomBytes(10))
        let request = mirror.request("/files/k.deb", as: "no-such-dir/k.deb")
        let error = try await withFetcher { fetcher in
            await fetchError { () async throws(FetchError) in try await fetcher.fetch([request]) }
        }
        guard case .filesystem(let path, let code) = error else {
            Issue.record("expected a filesystem error, got \(String(describing: error))")
            return
        }
        #expect(path.hasPrefix(mirror.downloads.path("no-such-dir/")))
        #expect(code == ENOENT)
    }

    @Test func invalidURLIsReported() async throws {
        let downloads = try TemporaryDirectory()
        let request = DownloadRequest(url: "ftp://127.0.0.1/file", destination: downloads.path("file"))
        let error = try await withFetcher { fetcher in
            await fetchError { () async throws(FetchError) in try await fetcher.fetch([request]) }
        }
        #expect(error == .invalidURL("ftp://127.0.0.1/file"))
        #expect(try downloads.contents() == [])
    }
}
