/// A place in a TOML document: 1-based line and 1-based column.
///
/// Columns count Unicode scalars from the start of the line, so a position points at the same
/// character an editor shows regardless of how many UTF-8 bytes precede it.
public struct TOMLPosition: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var line: Int
    public var column: Int

    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    /// The position given to values built in code rather than parsed; renders as "0:0".
    public static let unknown = TOMLPosition(line: 0, column: 0)

    public var description: String { "\(line):\(column)" }

    public static func < (lhs: TOMLPosition, rhs: TOMLPosition) -> Bool {
        (lhs.line, lhs.column) < (rhs.line, rhs.column)
    }
}
