import DenFetch
import FoundationEssentials
import Synchronization

/// An image as a reference resolved to one platform's manifest.
public struct ResolvedImage: Sendable, Hashable {
    /// What it was asked for: a fully qualified reference with its tag, or a local source.
    public var reference: String
    /// The digest the reference pointed to when it was an index (a multi-platform tag).
    public var indexDigest: String?
    /// The digest of the platform's manifest: what pins the image.
    public var manifestDigest: String
    public var manifest: ImageManifest
    public var platform: Platform
    public var configuration: ImageConfiguration
}

/// A client of the distribution spec's pull API (`/v2/…`): manifests and blobs, with
/// anonymous or basic bearer-token authentication and basic authentication. Every document
/// it returns has been checked against the digest it was asked for by.
public final class RegistryClient: Sendable {
    let fetcher: Fetcher
    let credentials: RegistryCredentials
    /// Registries spoken to over plain http: loopback ones and those the user marked insecure.
    let plainHTTP: Set<String>
    /// The `authorization` value that worked, by "registry repository".
    let authorizations = Mutex<[String: String]>([:])

    /// Manifests are small; the distribution spec lets registries refuse ones over 4 MiB.
    static let manifestLimit = 4 << 20

    public init(fetcher: Fetcher, credentials: RegistryCredentials, plainHTTP: Set<String>) {
        self.fetcher = fetcher
        self.credentials = credentials
        self.plainHTTP = plainHTTP
    }

    /// Whether den talks to `registry` without TLS: 127.0.0.1, ::1 and localhost always (a
    /// registry on this machine), others only when configured insecure.
    public static func isLoopback(_ registry: String) -> Bool {
        let host: Substring
        if registry.hasPrefix("[") {
            host = registry.dropFirst().prefix(while: { $0 != "]" })
        } else {
            host = registry.split(separator: ":", maxSplits: 1).first ?? ""
        }
        return host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    func baseURL(_ registry: String) -> String {
        let scheme = plainHTTP.contains(registry) || Self.isLoopback(registry) ? "http" : "https"
        return "\(scheme)://\(registry)/v2/"
    }

    /// Resolves `reference` (fully qualified) to `platform`'s manifest and configuration.
    public func resolve(_ reference: ImageReference, platform: Platform) async throws(ImageError) -> ResolvedImage {
        guard let registry = reference.registry else { throw .noRegistry(reference: reference.description) }
        let repository = reference.repository
        let (document, digest, _) = try await manifest(
            registry: registry, repository: repository, reference: reference.digest ?? reference.tag ?? "latest")
        let indexDigest: String?
        let manifestDigest: String
        let manifest: ImageManifest
        switch document {
        case .manifest(let single):
            indexDigest = nil
            manifestDigest = digest
            manifest = single
        case .index(let index):
            let chosen = try index.manifest(for: platform)
            guard case .manifest(let single) = try await self.manifest(
                registry: registry, repository: repository, reference: chosen.digest).document
            else { throw .unsupportedMediaType("an index inside an index") }
            indexDigest = digest
            manifestDigest = chosen.digest
            manifest = single
        }
        let configuration = try ImageConfiguration.decode(try await blob(registry: registry, repository: repository, manifest.config))
        if let os = configuration.os, let architecture = configuration.architecture,
           !platform.accepts(Platform(os: os, architecture: architecture, variant: configuration.variant)) {
            throw .noPlatform(wanted: platform.description, available: [
                Platform(os: os, architecture: architecture, variant: configuration.variant).description,
            ])
        }
        return ResolvedImage(reference: reference.description, indexDigest: indexDigest, manifestDigest: manifestDigest,
                             manifest: manifest, platform: platform, configuration: configuration)
    }

    /// The manifest or index at a tag or digest, and its digest. One fetched by digest must
    /// hash to it; one fetched by tag must hash to what the registry says it is.
    public func manifest(
        registry: String, repository: String, reference: String
    ) async throws(ImageError) -> (document: ImageDocument, digest: String, bytes: [UInt8]) {
        let url = "\(baseURL(registry))\(repository)/manifests/\(reference)"
        let fetched = try await authorized(registry: registry, repository: repository, reference: reference) { headers async throws(FetchError) in
            var headers = headers
            headers["accept"] = MediaType.manifestAccept.joined(separator: ", ")
            return try await self.fetcher.fetchDocument(url, headers: headers, limit: Self.manifestLimit)
        }
        let digest = "sha256:" + SHA256.hash(fetched.bytes)
        let expected = ImageDigest.isValid(reference) ? reference : fetched.headers["docker-content-digest"]
        if let expected, ImageDigest.isValid(expected), expected != digest {
            throw .digestMismatch(what: "the manifest of '\(registry)/\(repository):\(reference)'", expected: expected, actual: digest)
        }
        return (try ImageDocument.decode(fetched.bytes, contentType: fetched.headers["content-type"]), digest, fetched.bytes)
    }

    /// A small blob (a configuration) in memory, checked against its digest and size.
    public func blob(registry: String, repository: String, _ descriptor: Descriptor) async throws(ImageError) -> [UInt8] {
        guard ImageDigest.isValid(descriptor.digest) else { throw .malformed(what: "descriptor", reason: "digest '\(descriptor.digest)'") }
        let url = "\(baseURL(registry))\(repository)/blobs/\(descriptor.digest)"
        let limit = Int(min(max(descriptor.size, 0), Int64(Self.manifestLimit)))
        let bytes = try await authorized(registry: registry, repository: repository, reference: descriptor.digest) { headers async throws(FetchError) in
            try await self.fetcher.fetchDocument(url, headers: headers, limit: limit).bytes
        }
        let digest = "sha256:" + SHA256.hash(bytes)
        guard digest == descriptor.digest else {
            throw .digestMismatch(what: "blob of '\(registry)/\(repository)'", expected: descriptor.digest, actual: digest)
        }
        return bytes
    }

    /// Downloads blobs to the paths `destination` gives, each checked against its size and
    /// digest while it streams (see `Fetcher.fetch`); ones already there and intact are kept.
    public func download(
        registry: String, repository: String, _ blobs: [Descriptor], destination: @escaping @Sendable (Descriptor) -> String,
        progress: @escaping @Sendable (DownloadProgress) -> Void
    ) async throws(ImageError) {
        for blob in blobs where !ImageDigest.isValid(blob.digest) {
            throw .malformed(what: "descriptor", reason: "digest '\(blob.digest)'")
        }
        let base = baseURL(registry)
        let unauthorized = blobs.map {
            DownloadRequest(url: "\(base)\(repository)/blobs/\($0.digest)", destination: destination($0), expectedSize: $0.size,
                            expectedSHA256: ImageDigest.hex($0.digest))
        }
        let requests = { (headers: [String: String]) in
            unauthorized.map { request in
                var request = request
                request.headers = headers
                return request
            }
        }
        // The token from resolving the manifest usually serves; a registry that asks again
        // (an expired token) gets one more round.
        try await authorized(registry: registry, repository: repository, reference: "blobs") { headers async throws(FetchError) in
            try await self.fetcher.fetch(requests(headers), progress: progress)
        }
    }

    /// Runs `operation` with the repository's known authorization; on a 401, authenticates as
    /// the challenge asks and runs it once more.
    func authorized<T: Sendable>(
        registry: String, repository: String, reference: String,
        _ operation: ([String: String]) async throws(FetchError) -> T
    ) async throws(ImageError) -> T {
        let key = "\(registry) \(repository)"
        var attempt = 0
        while true {
            attempt += 1
            let known = authorizations.withLock { $0[key] }
            do {
                return try await operation(known.map { ["authorization": $0] } ?? [:])
            } catch .unauthorized(_, let challenge) where attempt == 1 {
                let authorization = try await authenticate(registry: registry, repository: repository, challenge: challenge)
                authorizations.withLock { $0[key] = authorization }
            } catch .unauthorized {
                throw .unauthorized(registry: registry, repository: repository,
                                    credentialsFrom: credentials.credential(registry: registry, repository: repository)?.source)
            } catch .http(_, 404) {
                throw .notFound(reference: "\(registry)/\(repository)\(reference.hasPrefix("sha256:") ? "@" : ":")\(reference)")
            } catch {
                throw .transfer(error)
            }
        }
    }

    /// The `authorization` header value a challenge asks for.
    func authenticate(registry: String, repository: String, challenge header: String?) async throws(ImageError) -> String {
        let credential = credentials.credential(registry: registry, repository: repository)
        guard let header, let challenge = AuthenticationChallenge(header: header) else {
            throw .authenticationFailed(registry: registry, reason: "a 401 without a usable WWW-Authenticate challenge")
        }
        switch challenge.scheme {
        case "basic":
            guard let credential else {
                throw .unauthorized(registry: registry, repository: repository, credentialsFrom: nil)
            }
            return credential.basicAuthorization
        case "bearer":
            guard let realm = challenge.parameters["realm"], var components = URLComponents(string: realm),
                  components.scheme == "https" || (components.scheme == "http" && baseURL(registry).hasPrefix("http:"))
                      || components.host.map(Self.isLoopback) == true
            else { throw .authenticationFailed(registry: registry, reason: "unusable token realm '\(challenge.parameters["realm"] ?? "")'") }
            var query = components.queryItems ?? []
            if let service = challenge.parameters["service"] { query.append(URLQueryItem(name: "service", value: service)) }
            query.append(URLQueryItem(name: "scope", value: challenge.parameters["scope"] ?? "repository:\(repository):pull"))
            components.queryItems = query
            guard let url = components.string else {
                throw .authenticationFailed(registry: registry, reason: "unusable token realm '\(realm)'")
            }
            let response: FetchedDocument
            do {
                response = try await fetcher.fetchDocument(
                    url, headers: credential.map { ["authorization": $0.basicAuthorization] } ?? [:], limit: 1 << 20)
            } catch .unauthorized, .http(_, 403) {
                throw .unauthorized(registry: registry, repository: repository, credentialsFrom: credential?.source)
            } catch {
                throw .transfer(error)
            }
            struct Token: Decodable {
                var token: String?
                var access_token: String?
            }
            guard let decoded = try? JSONDecoder().decode(Token.self, from: Data(response.bytes)),
                  let token = decoded.token ?? decoded.access_token, !token.isEmpty
            else { throw .authenticationFailed(registry: registry, reason: "the token service answered no token") }
            return "Bearer \(token)"
        default:
            throw .authenticationFailed(registry: registry, reason: "unsupported authentication scheme '\(challenge.scheme)'")
        }
    }
}

/// A repository of a registry as a source of a build's blobs.
public struct RegistryRepository: ImageBlobSource {
    public let client: RegistryClient
    public let registry: String
    public let repository: String

    public init(client: RegistryClient, registry: String, repository: String) {
        self.client = client
        self.registry = registry
        self.repository = repository
    }

    public func manifestBytes(digest: String) async throws(ImageError) -> [UInt8] {
        try await client.manifest(registry: registry, repository: repository, reference: digest).bytes
    }

    public func download(
        _ blobs: [Descriptor], destination: @escaping @Sendable (Descriptor) -> String,
        progress: @escaping @Sendable (DownloadProgress) -> Void
    ) async throws(ImageError) {
        try await client.download(registry: registry, repository: repository, blobs, destination: destination, progress: progress)
    }
}

extension RegistryClient {
    /// Uploads `blobs` (each from its file; those the registry has are skipped) and then the
    /// manifest under `tag`: the distribution spec's monolithic push.
    public func push(
        registry: String, repository: String, blobs: [(descriptor: Descriptor, path: String)], manifest: [UInt8],
        mediaType: String, tag: String
    ) async throws(ImageError) {
        let base = baseURL(registry)
        for (descriptor, path) in blobs {
            let exists: Bool
            do {
                _ = try await authorized(registry: registry, repository: repository, reference: descriptor.digest) { headers async throws(FetchError) in
                    try await self.fetcher.send("HEAD", "\(base)\(repository)/blobs/\(descriptor.digest)", headers: headers)
                }
                exists = true
            } catch .notFound {
                exists = false
            }
            if exists { continue }
            let started = try await authorized(registry: registry, repository: repository, reference: "uploads") { headers async throws(FetchError) in
                try await self.fetcher.send("POST", "\(base)\(repository)/blobs/uploads/", headers: headers)
            }
            guard let location = started.headers["location"] else {
                throw .authenticationFailed(registry: registry, reason: "the registry started an upload without a Location")
            }
            // The Location may be relative to the registry.
            let absolute = location.hasPrefix("/") ? String(base.prefix { $0 != "/" }) + "//" + registry + location : location
            let url = absolute + (absolute.contains("?") ? "&" : "?") + "digest=\(descriptor.digest)"
            _ = try await authorized(registry: registry, repository: repository, reference: descriptor.digest) { headers async throws(FetchError) in
                var headers = headers
                headers["content-type"] = "application/octet-stream"
                return try await self.fetcher.send("PUT", url, headers: headers, body: .file(path: path, size: descriptor.size))
            }
        }
        _ = try await authorized(registry: registry, repository: repository, reference: tag) { headers async throws(FetchError) in
            var headers = headers
            headers["content-type"] = mediaType
            return try await self.fetcher.send("PUT", "\(base)\(repository)/manifests/\(tag)", headers: headers, body: .bytes(manifest))
        }
    }
}
