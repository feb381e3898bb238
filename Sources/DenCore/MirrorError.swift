import DenDebian

/// Why den could not decide which Debian mirror to use.
public enum MirrorError: Error, Sendable, Equatable {
    /// `DEN_MIRROR` or the manifest's `mirror` is not an http, https or file URL.
    case invalidURL(String, origin: ArchiveMirror.Origin)
    /// A file of the host's apt configuration exists but cannot be read.
    case unreadableSources(SystemError)
    /// A file of the host's apt configuration is not a source list apt would accept.
    case invalidSources(file: String, cause: AptSourcesError)
    /// Nothing configured one: no variable, no `mirror`, and no usable entry in `filesRead`
    /// (empty when `aptDirectory` has no source lists at all).
    case notFound(aptDirectory: String, filesRead: [String])
}

extension MirrorError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .invalidURL(let text, let origin):
            return "the mirror '\(text)' from \(origin) is not an http, https or file URL"
        case .unreadableSources(let error):
            return "cannot read the host's apt sources: \(error)"
        case .invalidSources(let file, let cause):
            return "cannot read the host's apt sources '\(file)': \(cause)"
        case .notFound(let directory, let files) where files.isEmpty:
            return "no Debian mirror is configured: \(MirrorSelection.environmentVariable) is not set, "
                + "\(Manifest.fileName) has no `mirror`, and '\(directory)' has no apt sources "
                + "(searched \(MirrorSelection.searchedPatterns(aptDirectory: directory)))"
        case .notFound(let directory, let files):
            return "no Debian mirror is configured: \(MirrorSelection.environmentVariable) is not set, "
                + "\(Manifest.fileName) has no `mirror`, and none of the apt sources in '\(directory)' "
                + "(\(files.map { "'\($0)'" }.joined(separator: ", "))) is an enabled `deb` entry "
                + "with an http, https or file URI, a release suite and the `main` component"
        }
    }

    /// What to do about it, in den's `fix:` style.
    public var fix: String {
        let setting = "set `mirror = \"http://mirror.example.org/debian\"` in \(Manifest.fileName) "
            + "or export \(MirrorSelection.environmentVariable)=http://mirror.example.org/debian"
        switch self {
        case .invalidURL(_, .environment(let variable)):
            return "set \(variable) to the archive's root URL, e.g. http://mirror.example.org/debian, or unset it"
        case .invalidURL:
            return "write the archive's root URL, e.g. `mirror = \"http://mirror.example.org/debian\"`"
        case .unreadableSources, .invalidSources:
            return "fix the file, or \(setting)"
        case .notFound:
            return setting
        }
    }
}
