/// The contents of a `.deb`'s `control.tar.*`: every regular file, keyed by its name with any
/// leading `./` removed (`control`, `md5sums`, `conffiles`, `postinst`, …).
public struct DebianControlArchive: Sendable, Hashable {
    public static let maintainerScriptNames: Set<String> = ["preinst", "postinst", "prerm", "postrm", "config"]

    public var files: [String: [UInt8]]

    public init(files: [String: [UInt8]]) {
        self.files = files
    }

    /// The `control` file as text. deb-control(5) says UTF-8; stray bytes become U+FFFD rather
    /// than failing, and the exact bytes stay in `files["control"]`.
    public var control: String {
        String(decoding: files["control"] ?? [], as: UTF8.self)
    }

    /// The maintainer scripts present, by name (`preinst`, `postinst`, `prerm`, `postrm`, `config`).
    public var maintainerScripts: [String: [UInt8]] {
        files.filter { Self.maintainerScriptNames.contains($0.key) }
    }
}
