/// Entry points: parse a document with positions, render one deterministically.
public enum TOML {
    /// Parses a TOML 1.0.0 document.
    ///
    /// Nesting of arrays and tables is capped at ``maximumDepth`` levels so that hostile input
    /// cannot exhaust the stack.
    public static func parse(_ text: String) throws(TOMLParseError) -> TOMLTable {
        var parser = TOMLParser(text)
        return try parser.parseDocument()
    }

    /// Renders `table` as TOML: scalars and inline arrays first (in entry order), then sub-tables as
    /// `[a.b]` sections and arrays of tables as `[[a]]`, ending with a newline. The same table
    /// always renders to the same text, and the text parses back to an equal table.
    public static func render(_ table: TOMLTable) -> String {
        TOMLWriter.render(table)
    }

    /// The deepest nesting of tables and arrays `parse` accepts.
    public static let maximumDepth = 128

    /// `value` as a TOML basic string, quotes included: for writing one value into a document.
    public static func quoted(_ value: String) -> String {
        TOMLWriter.quoted(value)
    }
}
