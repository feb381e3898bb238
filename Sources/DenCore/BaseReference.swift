import DenOCI

/// Where an env's root filesystem comes from.
public enum BaseReference: Sendable, Hashable, CustomStringConvertible {
    /// `debian:SUITE`: built by den from the Debian archive. The suite is a codename,
    /// an alias (`stable`) or a version (`12`); the archive's Release file settles which.
    case debian(suite: String)
    /// An OCI image, pinned by digest in the lock.
    case image(ImageReference)
    /// `dir:/abs/path`: a prepared root filesystem, used read-only.
    case directory(path: String)
    /// `oci-layout:PATH[:TAG]`: an image in an OCI layout directory; a relative path is the
    /// project's (kept as written, so a lock made in one clone is current in another).
    case ociLayout(path: String, tag: String?)
    /// `docker-archive:FILE`: the output of `docker save`; relative as above.
    case dockerArchive(path: String)

    public var description: String {
        switch self {
        case .debian(let suite): "debian:\(suite)"
        case .image(let reference): reference.description
        case .directory(let path): "dir:\(path)"
        case .ociLayout(let path, let tag): "oci-layout:\(path)\(tag.map { ":\($0)" } ?? "")"
        case .dockerArchive(let path): "docker-archive:\(path)"
        }
    }

    /// An image base of any source: a registry or a local one.
    public var isImage: Bool {
        switch self {
        case .image, .ociLayout, .dockerArchive: true
        case .debian, .directory: false
        }
    }
}

public enum BaseReferenceError: Error, Sendable, Equatable {
    case emptySuite
    case invalidSuite(String)
    case relativeDirectory(String)
    case emptyPath(String)
    case image(ImageReferenceError)
}

extension BaseReference {
    public init(parsing text: String) throws(BaseReferenceError) {
        if text.hasPrefix("debian:") {
            let suite = String(text.dropFirst("debian:".count))
            guard !suite.isEmpty else { throw .emptySuite }
            // Codenames, aliases and versions: lowercase words, digits, '-' and '.'.
            guard suite.utf8.allSatisfy({ c in
                (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9"))
                    || c == UInt8(ascii: "-") || c == UInt8(ascii: ".")
            }) else { throw .invalidSuite(suite) }
            self = .debian(suite: suite)
        } else if text.hasPrefix("oci-layout:") {
            let rest = text.dropFirst("oci-layout:".count)
            // A ':' after the last '/' starts the tag.
            let slash = rest.lastIndex(of: "/")
            if let colon = rest.lastIndex(of: ":"), slash.map({ colon > $0 }) ?? true {
                let tag = String(rest[rest.index(after: colon)...])
                guard !rest[..<colon].isEmpty, !tag.isEmpty else { throw .emptyPath("oci-layout:") }
                self = .ociLayout(path: String(rest[..<colon]), tag: tag)
            } else {
                guard !rest.isEmpty else { throw .emptyPath("oci-layout:") }
                self = .ociLayout(path: String(rest), tag: nil)
            }
        } else if text.hasPrefix("docker-archive:") {
            let path = String(text.dropFirst("docker-archive:".count))
            guard !path.isEmpty else { throw .emptyPath("docker-archive:") }
            self = .dockerArchive(path: path)
        } else if text.hasPrefix("dir:") {
            let path = String(text.dropFirst("dir:".count))
            guard path.hasPrefix("/") else { throw .relativeDirectory(path) }
            self = .directory(path: Path.normalize(path))
        } else {
            do {
                self = .image(try ImageReference(parsing: text))
            } catch {
                throw .image(error)
            }
        }
    }
}

extension BaseReferenceError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .emptySuite: "'debian:' needs a suite"
        case .invalidSuite(let suite): "'\(suite)' is not a Debian suite name"
        case .relativeDirectory(let path): "'dir:\(path)' must name an absolute path"
        case .emptyPath(let prefix): "'\(prefix)' needs a path"
        case .image(let error): error.description
        }
    }
}
