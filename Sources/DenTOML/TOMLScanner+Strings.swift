/// The four string forms: basic and literal, single- and multi-line.
extension TOMLScanner {
    /// Reads a basic string starting at its first quote, single- or multi-line.
    mutating func scanBasicString() throws(TOMLParseError) -> String {
        if peek(1) == "\"", peek(2) == "\"" { return try scanMultiLineString(quote: "\"") }
        return try scanSingleLineBasicString()
    }

    /// Reads a literal string starting at its first quote, single- or multi-line.
    mutating func scanLiteralString() throws(TOMLParseError) -> String {
        if peek(1) == "'", peek(2) == "'" { return try scanMultiLineString(quote: "'") }
        return try scanSingleLineLiteralString()
    }

    mutating func scanSingleLineBasicString() throws(TOMLParseError) -> String {
        let start = index
        index += 1
        var result = String.UnicodeScalarView()
        var runStart = index
        while index < scalars.count {
            let scalar = scalars[index]
            if scalar == "\"" {
                result.appendScalars(scalars[runStart..<index])
                index += 1
                return String(result)
            }
            if scalar == "\\" {
                result.appendScalars(scalars[runStart..<index])
                try scanEscape(into: &result, stringStart: start)
                runStart = index
                continue
            }
            try checkStringCharacter(scalar, stringStart: start, isLiteral: false)
            index += 1
        }
        throw error("unterminated string", at: start)
    }

    mutating func scanSingleLineLiteralString() throws(TOMLParseError) -> String {
        let start = index
        index += 1
        let contentStart = index
        while index < scalars.count {
            let scalar = scalars[index]
            if scalar == "'" {
                let content = text(from: contentStart, to: index)
                index += 1
                return content
            }
            try checkStringCharacter(scalar, stringStart: start, isLiteral: true)
            index += 1
        }
        throw error("unterminated string", at: start)
    }

    /// A newline ends a single-line string too early; other control characters must be escaped.
    private func checkStringCharacter(
        _ scalar: Unicode.Scalar, stringStart: Int, isLiteral: Bool
    ) throws(TOMLParseError) {
        guard Self.isControl(scalar) else { return }
        if scalar == "\n" || (scalar == "\r" && peek(1) == "\n") {
            throw error("unterminated string", at: stringStart)
        }
        throw controlCharacterError(scalar, isLiteral: isLiteral)
    }

    private func controlCharacterError(_ scalar: Unicode.Scalar, isLiteral: Bool) -> TOMLParseError {
        isLiteral
            ? error("control character \(Self.hexName(scalar)) is not allowed in a literal string")
            : error("control character \(Self.hexName(scalar)) must be escaped in a string")
    }

    /// Reads `"""…"""` or `'''…'''`. A newline right after the opening delimiter is dropped,
    /// "\r\n" becomes "\n", up to two quotes may touch the closing delimiter, and in basic strings
    /// a backslash at the end of a line swallows the line break and the indentation after it.
    private mutating func scanMultiLineString(quote: Unicode.Scalar) throws(TOMLParseError) -> String {
        let isBasic = quote == "\""
        let start = index
        index += 3
        if current == "\n" {
            index += 1
        } else if current == "\r", peek(1) == "\n" {
            index += 2
        }
        var result = String.UnicodeScalarView()
        var runStart = index
        while index < scalars.count {
            let scalar = scalars[index]
            if scalar == quote {
                var count = 0
                while index + count < scalars.count, scalars[index + count] == quote, count < 6 {
                    count += 1
                }
                if count < 3 {
                    index += count
                    continue
                }
                if count == 6 {
                    throw error("too many quotes at the end of a multi-line string", at: index + 5)
                }
                // Of 3 to 5 quotes the last three close the string; the others are content.
                result.appendScalars(scalars[runStart..<(index + count - 3)])
                index += count
                return String(result)
            }
            if scalar == "\\", isBasic {
                guard index + 1 < scalars.count else { break }
                result.appendScalars(scalars[runStart..<index])
                if try !skipLineEndingBackslash() {
                    try scanEscape(into: &result, stringStart: start)
                }
                runStart = index
                continue
            }
            if scalar == "\r" {
                guard peek(1) == "\n" else {
                    throw error("carriage return (U+000D) must be followed by a line feed")
                }
                result.appendScalars(scalars[runStart..<index])
                result.append("\n")
                index += 2
                runStart = index
                continue
            }
            if Self.isControl(scalar), scalar != "\n" {
                throw controlCharacterError(scalar, isLiteral: !isBasic)
            }
            index += 1
        }
        throw error("unterminated multi-line string", at: start)
    }

    /// At a backslash: if only whitespace follows it up to the end of the line, skips everything up
    /// to the next non-whitespace character and returns true.
    private mutating func skipLineEndingBackslash() throws(TOMLParseError) -> Bool {
        var cursor = index + 1
        while cursor < scalars.count, Self.isWhitespace(scalars[cursor]) {
            cursor += 1
        }
        let reachesLineEnd = cursor < scalars.count
            && (scalars[cursor] == "\n" || (scalars[cursor] == "\r" && cursor + 1 < scalars.count && scalars[cursor + 1] == "\n"))
        guard reachesLineEnd else {
            if cursor > index + 1 {
                throw error("a backslash followed by whitespace must end the line")
            }
            return false
        }
        index = cursor
        while index < scalars.count {
            if Self.isWhitespace(scalars[index]) {
                index += 1
            } else if !(try consumeNewline()) {
                break
            }
        }
        return true
    }

    /// Reads an escape sequence starting at its backslash.
    private mutating func scanEscape(
        into result: inout String.UnicodeScalarView, stringStart: Int
    ) throws(TOMLParseError) {
        let start = index
        guard let code = peek(1) else { throw error("unterminated string", at: stringStart) }
        let simple: Unicode.Scalar? =
            switch code {
            case "b": "\u{08}"
            case "t": "\t"
            case "n": "\n"
            case "f": "\u{0C}"
            case "r": "\r"
            case "\"": "\""
            case "\\": "\\"
            default: nil
            }
        if let simple {
            result.append(simple)
            index += 2
            return
        }
        guard code == "u" || code == "U" else {
            if code == "\n" || code == "\r" || Self.isControl(code) {
                throw error("invalid escape: backslash followed by \(Self.describe(code))", at: start)
            }
            throw error("invalid escape '\\\(code)'", at: start)
        }
        let length = code == "u" ? 4 : 8
        var value: UInt32 = 0
        for offset in 0..<length {
            guard let digit = peek(2 + offset), let digitValue = Self.hexValue(digit) else {
                let written = text(from: start, to: index + 2 + offset)
                throw error("invalid unicode escape '\(written)': expected \(length) hex digits", at: start)
            }
            value = value << 4 | digitValue
        }
        let written = text(from: start, to: index + 2 + length)
        guard let scalar = Unicode.Scalar(value) else {
            throw error("unicode escape '\(written)' is not a unicode scalar value", at: start)
        }
        result.append(scalar)
        index += 2 + length
    }

    static func hexValue(_ scalar: Unicode.Scalar) -> UInt32? {
        switch scalar.value {
        case 0x30...0x39: scalar.value - 0x30
        case 0x41...0x46: scalar.value - 0x41 + 10
        case 0x61...0x66: scalar.value - 0x61 + 10
        default: nil
        }
    }
}
