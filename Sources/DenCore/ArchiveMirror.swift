import DenDebian

/// The Debian archive den fetches packages from, and where that choice came from (for
/// `den check` and for error messages about the mirror).
public struct ArchiveMirror: Sendable, Hashable, CustomStringConvertible {
    public enum Origin: Sendable, Hashable, CustomStringConvertible {
        /// An environment variable (`DEN_MIRROR`).
        case environment(variable: String)
        /// `mirror` in den.toml.
        case manifest
        /// An entry of the host's apt configuration.
        case hostSources(file: String, line: Int)

        public var description: String {
            switch self {
            case .environment(let variable): "the \(variable) environment variable"
            case .manifest: "`mirror` in \(Manifest.fileName)"
            case .hostSources(let file, let line): "'\(file)' line \(line)"
            }
        }
    }

    /// The archive root, normalised by `AptSources.archiveURI(_:)`: http, https or file, no
    /// trailing slash.
    public var url: String
    public var origin: Origin
    /// The keyrings the host's apt entry names (`Signed-By`); empty for a mirror that did not
    /// come from the host or whose entry names none.
    public var signedBy: [String]

    public init(url: String, origin: Origin, signedBy: [String] = []) {
        self.url = url
        self.origin = origin
        self.signedBy = signedBy
    }

    public var description: String { "\(url) (from \(origin))" }
}
