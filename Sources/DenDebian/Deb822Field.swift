/// One `Name: value` field of a deb822 paragraph.
public struct Deb822Field: Sendable, Hashable {
    /// The name as written; lookups ignore ASCII case.
    public var name: String
    /// The logical value: the text after the colon on the first line (blanks trimmed), then,
    /// for multi-line fields, one `\n`-separated line per continuation line, each without its
    /// leading space or tab and with ` .` turned into an empty line. A field such as `SHA256:`
    /// whose first line is empty therefore has a value starting with `\n`.
    public var value: String
    /// The line the field starts on (0 when the field was built in code).
    public var line: Int

    public init(name: String, value: String, line: Int = 0) {
        self.name = name
        self.value = value
        self.line = line
    }
}
