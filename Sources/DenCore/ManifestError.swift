/// A place in a text file, with the line's text so an error can show it.
public struct SourceLocation: Sendable, Hashable {
    public var line: Int
    public var column: Int
    /// How many characters the offending token spans (at least 1), for the caret underline.
    public var length: Int
    public var lineText: String

    public init(line: Int, column: Int, length: Int, lineText: String) {
        self.line = line
        self.column = column
        self.length = max(1, length)
        self.lineText = lineText
    }
}

/// Everything that can be wrong with a `den.toml`.
public struct ManifestError: Error, Sendable, Equatable {
    public enum Problem: Sendable, Equatable {
        case notFound(searchedFrom: String)
        case unreadable(errno: Int32)
        case notUTF8
        case syntax(String)
        /// `table` is nil at the top level; `suggestion` is the nearest valid key.
        case unknownKey(String, table: String?, suggestion: String?)
        case wrongType(key: String, expected: String, found: String)
        case missingKey(String)
        case invalidValue(key: String, reason: String)
    }

    public var problem: Problem
    /// The manifest's path (for `notFound`, the directory the search started from).
    public var file: String
    public var location: SourceLocation?
    /// How to fix it, when the schema knows (an example of the right form).
    public var hint: String?

    public init(_ problem: Problem, file: String, location: SourceLocation? = nil, hint: String? = nil) {
        self.problem = problem
        self.file = file
        self.location = location
        self.hint = hint
    }
}
