/// Which entries of the host's source list den takes for the Debian archive and its security
/// and updates companions. Host names are never compared: a mirror is recognised by the shape
/// of its entry (binary packages, `main`, a suite of the right kind, a fetchable URI) and by the
/// key it is signed with.
extension AptSources {
    /// The keyring the `debian-archive-keyring` package installs and Debian's own
    /// `debian.sources` names.
    public static let debianArchiveKeyring = "/usr/share/keyrings/debian-archive-keyring.gpg"

    /// The entry to use as the Debian archive: enabled, of type `deb`, with an http, https or
    /// file URI, a release suite (not `-security`, `-updates`, `-backports` and the like) and
    /// the `main` component. An entry signed by the Debian archive keyring, or by no keyring in
    /// particular, wins over one signed by another key; otherwise the first in order wins. An
    /// entry signed by another key is taken only when nothing else qualifies: it may be a private
    /// Debian mirror, or another vendor's repository that only its Release file would expose.
    ///
    /// The result is that entry narrowed to what was chosen: `uris` holds the first usable URI,
    /// normalised by `archiveURI(_:)`, and `suites` only the release suites.
    public static func debianMirror(in sources: [AptSource]) -> AptSource? {
        select(from: sources, suites: isReleaseSuite)
    }

    /// The security archive entry (`SUITE-security`, or `SUITE/updates` before bullseye), chosen
    /// and narrowed like `debianMirror(in:)`.
    public static func security(in sources: [AptSource]) -> AptSource? {
        select(from: sources, suites: isSecuritySuite)
    }

    /// The stable-updates entry (`SUITE-updates`), chosen and narrowed like `debianMirror(in:)`.
    public static func updates(in sources: [AptSource]) -> AptSource? {
        select(from: sources, suites: isUpdatesSuite)
    }

    /// `uri` as den stores a mirror: an http or https URL with a host, or a file URL with an
    /// absolute path (apt's `file:/srv/x` becomes `file:///srv/x`), with the scheme lowercased and
    /// no trailing slash. nil for anything else, including apt-only schemes (`cdrom:`,
    /// `mirror+http:`, `tor+https:`) and text with blanks.
    public static func archiveURI(_ uri: String) -> String? {
        guard !uri.contains(where: \.isWhitespace), let colon = uri.firstIndex(of: ":") else { return nil }
        let scheme = uri[..<colon].lowercased()
        let rest = uri[uri.index(after: colon)...]
        switch scheme {
        case "http", "https":
            guard rest.hasPrefix("//") else { return nil }
            let location = withoutTrailingSlashes(rest.dropFirst(2))
            guard let first = location.first, first != "/" else { return nil }
            return "\(scheme)://\(location)"
        case "file":
            let path: Substring
            if rest.hasPrefix("///") {
                path = rest.dropFirst(2)
            } else if rest.hasPrefix("/"), !rest.hasPrefix("//") {
                path = rest
            } else {
                // `file://host/…` names another machine; a relative path has nothing to be relative to.
                return nil
            }
            let trimmed = withoutTrailingSlashes(path)
            return trimmed.isEmpty ? nil : "file://\(trimmed)"
        default:
            return nil
        }
    }

    /// A suite that is a whole release (`bookworm`, `stable`, `sid`), not a pocket layered on one.
    public static func isReleaseSuite(_ suite: String) -> Bool {
        let pockets = ["-security", "-updates", "-backports", "-backports-sloppy", "-proposed", "-debug"]
        return !suite.isEmpty && !suite.contains("/") && !["experimental", "rc-buggy"].contains(suite)
            && !pockets.contains { suite.hasSuffix($0) }
    }

    public static func isSecuritySuite(_ suite: String) -> Bool {
        suite.hasSuffix("-security") || (suite.hasSuffix("/updates") && suite.count > "/updates".count)
    }

    public static func isUpdatesSuite(_ suite: String) -> Bool {
        suite.hasSuffix("-updates") && !suite.hasSuffix("-proposed-updates") && suite.count > "-updates".count
    }

    /// A keyring from the `debian-archive-keyring` package: the combined keyring or one of the
    /// per-release ones, wherever it was copied to, in any of the formats apt reads.
    public static func isDebianArchiveKeyring(_ signedBy: String) -> Bool {
        let name = signedBy.split(separator: "/").last ?? ""
        return signedBy.hasPrefix("/") && name.hasPrefix("debian-archive-") && !name.hasPrefix("debian-archive-removed-keys")
            && [".gpg", ".pgp", ".asc"].contains { name.hasSuffix($0) }
    }

    private static func select(from sources: [AptSource], suites isWanted: (String) -> Bool) -> AptSource? {
        var otherwiseSigned: AptSource?
        for source in sources where source.isEnabled && source.types.contains("deb") && source.components.contains("main") {
            let suites = source.suites.filter(isWanted)
            guard !suites.isEmpty, let uri = source.uris.lazy.compactMap(archiveURI).first else { continue }
            var chosen = source
            chosen.uris = [uri]
            chosen.suites = suites
            if source.signedBy.isEmpty || source.signedBy.contains(where: isDebianArchiveKeyring) {
                return chosen
            }
            if otherwiseSigned == nil { otherwiseSigned = chosen }
        }
        return otherwiseSigned
    }

    private static func withoutTrailingSlashes(_ text: Substring) -> Substring {
        var text = text
        while text.hasSuffix("/") { text = text.dropLast() }
        return text
    }
}
