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

    public var description: String {
        switch self {
        case .debian(let suite): "debian:\(suite)"
        case .image(let reference): reference.description
        case .directory(let path): "dir:\(path)"
        }
    }
}

public enum BaseReferenceError: Error, Sendable, Equatable {
    case emptySuite
    case invalidSuite(String)
    case relativeDirectory(String)
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
        case .image(let error): error.description
        }
    }
}
