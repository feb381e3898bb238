import DenArchive
import DenFetch
#if canImport(Glibc)
import Glibc
#endif

/// What pulling, reading or applying an image can fail with.
public enum ImageError: Error, Sendable, Equatable {
    /// A manifest, index or configuration that is not valid JSON of its kind.
    case malformed(what: String, reason: String)
    /// A manifest of a kind den does not read (Docker schema 1, an artifact).
    case unsupportedMediaType(String)
    /// The index has no manifest for this machine; `available` lists what it has.
    case noPlatform(wanted: String, available: [String])
    /// Content whose digest is not the one it was asked for by.
    case digestMismatch(what: String, expected: String, actual: String)
    /// A layer den cannot apply: a foreign or non-distributable layer, an unknown compression.
    case unsupportedLayer(mediaType: String, digest: String)
    /// The registry refused access: anonymously, or with the credentials den found.
    case unauthorized(registry: String, repository: String, credentialsFrom: String?)
    /// The token service failed or answered something unusable.
    case authenticationFailed(registry: String, reason: String)
    /// The registry does not have this repository, tag or digest.
    case notFound(reference: String)
    /// The reference names no registry and none is configured for short names.
    case noRegistry(reference: String)
    /// The registry could not be reached, or broke off.
    case transfer(FetchError)
    /// A layer's archive is damaged or hostile (see `ArchiveError`).
    case layer(digest: String, ArchiveError)
    /// A file of a local image source (an OCI layout, a docker archive) cannot be read or written.
    case local(path: String, errno: Int32)
    /// A docker archive that is not a readable tar.
    case damagedArchive(path: String, reason: String)
}

extension ImageError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .malformed(let what, let reason): "the \(what) is not valid: \(reason)"
        case .unsupportedMediaType(let type): "media type '\(type)' is not supported (den reads OCI and Docker schema 2 images)"
        case .noPlatform(let wanted, let available):
            "the image has no \(wanted) variant (it has: \(available.isEmpty ? "none" : available.joined(separator: ", ")))"
        case .digestMismatch(let what, let expected, let actual): "\(what) has digest '\(actual)', expected '\(expected)'"
        case .unsupportedLayer(let type, let digest): "layer \(digest) has media type '\(type)', which den cannot apply"
        case .unauthorized(let registry, let repository, let source):
            if let source {
                "'\(registry)' refused the credentials from \(source) for '\(repository)'"
            } else {
                "'\(registry)' requires authentication for '\(repository)'"
            }
        case .authenticationFailed(let registry, let reason): "authentication with '\(registry)' failed: \(reason)"
        case .notFound(let reference): "'\(reference)' was not found in its registry"
        case .noRegistry(let reference): "'\(reference)' names no registry and no default registry is configured"
        case .transfer(let error): error.description
        case .layer(let digest, let error): "layer \(digest): \(error)"
        case .local(let path, let errno): "\"\(path)\": \(String(cString: strerror(errno)))"
        case .damagedArchive(let path, let reason): "\"\(path)\" is not a readable docker archive: \(reason)"
        }
    }
}
