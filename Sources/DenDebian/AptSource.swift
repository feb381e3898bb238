/// One entry of apt's source list: a deb822 stanza of a `.sources` file or one line of a
/// `sources.list`-style file, with its multi-value fields split into their values.
public struct AptSource: Sendable, Hashable {
    /// `deb`, `deb-src`, or whatever else the file names (apt refuses unknown types; den only
    /// ignores them).
    public var types: [String]
    /// As written, apart from a `"`-quoted one-line URI losing its quotes.
    public var uris: [String]
    public var suites: [String]
    public var components: [String]
    /// Empty: apt's configured architectures.
    public var architectures: [String]
    /// Keyring paths and key fingerprints; a key embedded in a `.sources` file is one element
    /// holding the whole ASCII-armoured block. Empty: every key apt trusts.
    public var signedBy: [String]
    /// False for a deb822 stanza with `Enabled: no` (one-line entries are disabled by
    /// commenting them out, so they are never returned disabled).
    public var isEnabled: Bool
    /// The file it was read from, when the caller named one.
    public var file: String?
    /// The 1-based line the entry starts on (0 when built in code).
    public var line: Int

    public init(
        types: [String], uris: [String], suites: [String], components: [String] = [],
        architectures: [String] = [], signedBy: [String] = [], isEnabled: Bool = true,
        file: String? = nil, line: Int = 0
    ) {
        self.types = types
        self.uris = uris
        self.suites = suites
        self.components = components
        self.architectures = architectures
        self.signedBy = signedBy
        self.isEnabled = isEnabled
        self.file = file
        self.line = line
    }
}
