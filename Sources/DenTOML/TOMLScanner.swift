/// The lexical layer: walks the document's Unicode scalars and reads whitespace, comments,
/// newlines and the tokens of keys and values. It knows nothing of tables.
///
/// Working on an array of scalars makes a column a subtraction, so a position costs a binary
/// search over line starts instead of a rescan of the line; parsing stays linear even when a
/// megabyte sits on one line.
struct TOMLScanner {
    let scalars: [Unicode.Scalar]
    var index = 0
    private let lineStarts: [Int]

    init(_ text: String) {
        scalars = Array(text.unicodeScalars)
        var starts = [0]
        for (offset, scalar) in scalars.enumerated() where scalar == "\n" {
            starts.append(offset + 1)
        }
        lineStarts = starts
    }

    var isAtEnd: Bool { index >= scalars.count }

    var current: Unicode.Scalar? { index < scalars.count ? scalars[index] : nil }

    func peek(_ offset: Int) -> Unicode.Scalar? {
        let target = index + offset
        return target < scalars.count ? scalars[target] : nil
    }

    func position(at offset: Int) -> TOMLPosition {
        var low = 0
        var high = lineStarts.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if lineStarts[middle] <= offset { low = middle } else { high = middle - 1 }
        }
        return TOMLPosition(line: low + 1, column: offset - lineStarts[low] + 1)
    }

    var position: TOMLPosition { position(at: index) }

    func error(_ message: String, at offset: Int) -> TOMLParseError {
        TOMLParseError(message: message, position: position(at: offset))
    }

    func error(_ message: String) -> TOMLParseError {
        error(message, at: index)
    }

    /// The text between two offsets, for messages and tokens.
    func text(from start: Int, to end: Int) -> String {
        var view = String.UnicodeScalarView()
        view.appendScalars(scalars[start..<min(end, scalars.count)])
        return String(view)
    }

    /// "'x'", "newline", "end of input" or "U+0007": how messages name what was found.
    var describeCurrent: String { Self.describe(current) }

    static func describe(_ scalar: Unicode.Scalar?) -> String {
        guard let scalar else { return "end of input" }
        if scalar == "\n" { return "newline" }
        if scalar == "\r" { return "carriage return" }
        if scalar == "\u{FEFF}" { return "U+FEFF (a byte order mark)" }
        if isInvisible(scalar) { return hexName(scalar) }
        return "'\(scalar)'"
    }

    /// Characters that would print as nothing or as blank space inside quotes.
    private static func isInvisible(_ scalar: Unicode.Scalar) -> Bool {
        if scalar == " " { return false }
        switch scalar.properties.generalCategory {
        case .control, .format, .spaceSeparator, .lineSeparator, .paragraphSeparator, .unassigned, .privateUse,
            .surrogate, .nonspacingMark, .enclosingMark:
            return true
        default:
            return false
        }
    }

    static func hexName(_ scalar: Unicode.Scalar) -> String {
        let hex = String(scalar.value, radix: 16, uppercase: true)
        return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }

    // MARK: - Character classes

    static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        scalar == " " || scalar == "\t"
    }

    /// ASCII control characters other than tab, the set TOML forbids raw in comments and strings.
    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        (scalar.value < 0x20 && scalar != "\t") || scalar.value == 0x7F
    }

    static func isDigit(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value >= 0x30 && scalar.value <= 0x39
    }

    static func isBareKeyCharacter(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A, 0x2D, 0x5F: true
        default: false
        }
    }

    // MARK: - Whitespace, comments and newlines

    mutating func skipWhitespace() {
        while index < scalars.count, Self.isWhitespace(scalars[index]) {
            index += 1
        }
    }

    /// Consumes "\n" or "\r\n" and returns true; returns false on anything else.
    /// A carriage return that does not start "\r\n" is an error.
    mutating func consumeNewline() throws(TOMLParseError) -> Bool {
        guard let scalar = current else { return false }
        if scalar == "\n" {
            index += 1
            return true
        }
        if scalar == "\r" {
            guard peek(1) == "\n" else {
                throw error("carriage return (U+000D) must be followed by a line feed")
            }
            index += 2
            return true
        }
        return false
    }

    /// Skips a comment from "#" up to (not including) the end of the line.
    mutating func skipComment() throws(TOMLParseError) {
        index += 1
        while index < scalars.count {
            let scalar = scalars[index]
            if scalar == "\n" { return }
            if scalar == "\r" {
                if peek(1) == "\n" { return }
                throw error("carriage return (U+000D) must be followed by a line feed")
            }
            if Self.isControl(scalar) {
                throw error("control character \(Self.hexName(scalar)) is not allowed in a comment")
            }
            index += 1
        }
    }

    /// Inside arrays values may be spread over lines with comments between them.
    mutating func skipWhitespaceCommentsAndNewlines() throws(TOMLParseError) {
        while true {
            skipWhitespace()
            if current == "#" {
                try skipComment()
            } else if !(try consumeNewline()) {
                return
            }
        }
    }

    /// After a value or header only a comment and the end of the line may follow.
    mutating func expectLineEnd(after what: String) throws(TOMLParseError) {
        skipWhitespace()
        if current == "#" { try skipComment() }
        if isAtEnd { return }
        if try consumeNewline() { return }
        throw error("expected a newline after \(what), found \(describeCurrent)")
    }

    // MARK: - Keys

    /// Reads one bare, basic-quoted or literal-quoted key segment.
    mutating func scanKeySegment() throws(TOMLParseError) -> String {
        guard let scalar = current else { throw error("expected a key, found end of input") }
        if scalar == "\"" || scalar == "'" {
            if peek(1) == scalar, peek(2) == scalar {
                throw error("a multi-line string cannot be a key")
            }
            return scalar == "\"" ? try scanSingleLineBasicString() : try scanSingleLineLiteralString()
        }
        let start = index
        while index < scalars.count, Self.isBareKeyCharacter(scalars[index]) {
            index += 1
        }
        guard index > start else { throw error("expected a key, found \(describeCurrent)") }
        return text(from: start, to: index)
    }
}

extension String.UnicodeScalarView {
    /// Appends one scalar at a time. The generic append(contentsOf:) looks its collection's
    /// conformance up at run time, the first time, by scanning every protocol conformance in
    /// the binary: ~0.1 ms of each den start, which parses den.toml.
    mutating func appendScalars(_ run: ArraySlice<Unicode.Scalar>) {
        for scalar in run { append(scalar) }
    }
}
