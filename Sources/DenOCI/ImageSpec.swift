import FoundationEssentials

/// The media types den reads (OCI image spec and Docker's schema 2, which it mirrors).
public enum MediaType {
    public static let ociIndex = "application/vnd.oci.image.index.v1+json"
    public static let ociManifest = "application/vnd.oci.image.manifest.v1+json"
    public static let ociConfig = "application/vnd.oci.image.config.v1+json"
    public static let dockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json"
    public static let dockerManifest = "application/vnd.docker.distribution.manifest.v2+json"
    public static let dockerConfig = "application/vnd.docker.container.image.v1+json"

    public static let ociLayer = "application/vnd.oci.image.layer.v1.tar"
    public static let ociLayerGzip = "application/vnd.oci.image.layer.v1.tar+gzip"
    public static let ociLayerZstd = "application/vnd.oci.image.layer.v1.tar+zstd"
    public static let dockerLayerGzip = "application/vnd.docker.image.rootfs.diff.tar.gzip"

    /// What a registry may answer for a manifest request, most specific first.
    public static let manifestAccept = [ociIndex, ociManifest, dockerManifestList, dockerManifest]
    public static let layers: Set<String> = [ociLayer, ociLayerGzip, ociLayerZstd, dockerLayerGzip]
}

/// A reference to content by digest (OCI image spec, descriptor.md).
public struct Descriptor: Codable, Sendable, Hashable {
    public var mediaType: String
    public var digest: String
    public var size: Int64
    public var platform: Platform?
    public var annotations: [String: String]?
    public var urls: [String]?

    public init(mediaType: String, digest: String, size: Int64, platform: Platform? = nil) {
        self.mediaType = mediaType
        self.digest = digest
        self.size = size
        self.platform = platform
    }
}

/// `os/architecture[/variant]`, as an index describes its manifests.
public struct Platform: Codable, Sendable, Hashable, CustomStringConvertible {
    public var architecture: String
    public var os: String
    public var variant: String?

    public init(os: String = "linux", architecture: String, variant: String? = nil) {
        self.os = os
        self.architecture = architecture
        self.variant = variant
    }

    public var description: String { [os, architecture, variant].compactMap { $0 }.joined(separator: "/") }
}

/// An OCI image index or a Docker manifest list: one manifest per platform.
public struct ImageIndex: Codable, Sendable, Hashable {
    public var schemaVersion: Int
    public var mediaType: String?
    public var manifests: [Descriptor]

    public init(manifests: [Descriptor], mediaType: String = MediaType.ociIndex) {
        schemaVersion = 2
        self.mediaType = mediaType
        self.manifests = manifests
    }
}

/// An image manifest: the configuration and the layers, bottom first.
public struct ImageManifest: Codable, Sendable, Hashable {
    public var schemaVersion: Int
    public var mediaType: String?
    public var config: Descriptor
    public var layers: [Descriptor]

    public init(config: Descriptor, layers: [Descriptor], mediaType: String = MediaType.ociManifest) {
        schemaVersion = 2
        self.mediaType = mediaType
        self.config = config
        self.layers = layers
    }
}

/// The part of an image's configuration that matters to an env: how the image expects its
/// processes to run.
public struct ImageConfiguration: Codable, Sendable, Hashable {
    public var architecture: String?
    public var os: String?
    public var variant: String?
    public var config: Settings?

    public struct Settings: Codable, Sendable, Hashable {
        public var env: [String]?
        public var workingDirectory: String?
        public var user: String?
        public var cmd: [String]?
        public var entrypoint: [String]?
        public var labels: [String: String]?

        enum CodingKeys: String, CodingKey {
            case env = "Env"
            case workingDirectory = "WorkingDir"
            case user = "User"
            case cmd = "Cmd"
            case entrypoint = "Entrypoint"
            case labels = "Labels"
        }
    }

    public init(architecture: String?, os: String?, environment: [String]) {
        self.architecture = architecture
        self.os = os
        config = Settings(env: environment)
    }

    /// `Env` as name and value pairs, in order; entries without `=` are dropped.
    public var environment: [(name: String, value: String)] {
        (config?.env ?? []).compactMap { entry in
            guard let equals = entry.firstIndex(of: "="), equals != entry.startIndex else { return nil }
            return (String(entry[..<equals]), String(entry[entry.index(after: equals)...]))
        }
    }
}

/// A manifest document as a registry or a layout serves it.
public enum ImageDocument: Sendable, Hashable {
    case index(ImageIndex)
    case manifest(ImageManifest)

    /// Decodes `bytes` by the document's own `mediaType`, or by `contentType` (the HTTP
    /// header) when the document has none, as older Docker manifests do not.
    public static func decode(_ bytes: [UInt8], contentType: String?) throws(ImageError) -> ImageDocument {
        struct Probe: Decodable {
            var mediaType: String?
            var manifests: [Descriptor]?
            var layers: [Descriptor]?
            var schemaVersion: Int?
        }
        let data = Data(bytes)
        let decoder = JSONDecoder()
        let probe: Probe
        do {
            probe = try decoder.decode(Probe.self, from: data)
        } catch {
            throw .malformed(what: "manifest", reason: "\(error)")
        }
        let declared = probe.mediaType ?? contentType.map { $0.split(separator: ";")[0].trimmingBlanks() }
        let type: String
        switch declared {
        case MediaType.ociIndex?, MediaType.dockerManifestList?: type = "index"
        case MediaType.ociManifest?, MediaType.dockerManifest?: type = "manifest"
        case let other? where !other.isEmpty && other != "application/json" && other != "application/octet-stream":
            throw .unsupportedMediaType(other)
        default:
            // An OCI document may leave out its media type: its shape tells.
            guard probe.schemaVersion == 2 else { throw .unsupportedMediaType("schema version \(probe.schemaVersion ?? 0)") }
            type = probe.manifests != nil ? "index" : "manifest"
        }
        do {
            if type == "index" { return .index(try decoder.decode(ImageIndex.self, from: data)) }
            return .manifest(try decoder.decode(ImageManifest.self, from: data))
        } catch {
            throw .malformed(what: type, reason: "\(error)")
        }
    }
}

extension ImageConfiguration {
    public static func decode(_ bytes: [UInt8]) throws(ImageError) -> ImageConfiguration {
        do {
            return try JSONDecoder().decode(ImageConfiguration.self, from: Data(bytes))
        } catch {
            throw .malformed(what: "image configuration", reason: "\(error)")
        }
    }
}

/// Digests as the OCI spec writes them: `sha256:` and 64 lowercase hex digits.
public enum ImageDigest {
    public static func isValid(_ text: String) -> Bool {
        guard text.hasPrefix("sha256:") else { return false }
        let hex = text.utf8.dropFirst(7)
        return hex.count == 64 && hex.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }

    /// The hex part of a valid digest.
    public static func hex(_ digest: String) -> String { String(digest.dropFirst("sha256:".count)) }
}

extension StringProtocol {
    /// Without leading and trailing spaces and tabs (header values, challenge parameters).
    func trimmingBlanks() -> String {
        let blank: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = firstIndex(where: { !blank($0) }), let last = lastIndex(where: { !blank($0) }) else { return "" }
        return String(self[first...last])
    }
}
