/// One field as byte offsets into the scanned buffer. `valueStart..<valueEnd` spans the first
/// line's value (after the colon and blanks) through the end of the last continuation line,
/// trailing whitespace excluded.
struct Deb822RawField {
    var nameStart: Int
    var nameEnd: Int
    var valueStart: Int
    var valueEnd: Int
    var line: Int
    var isMultiline: Bool
}

/// The shared line scanner behind `Deb822.parse` and `PackagesIndex`. It finds field
/// boundaries without building strings, so a caller interested in a few fields pays only for
/// those.
///
/// Rules (deb822(5), with the tolerances apt and dpkg have in practice):
/// - paragraphs are separated by lines that are empty or hold only spaces and tabs;
/// - a line starting with `#` is a comment anywhere, even between continuation lines, and does
///   not end the field;
/// - a line starting with a space or tab continues the previous field;
/// - anything else is `Name: value`, the name being printable ASCII without `:`, not starting
///   with `-` (which also keeps OpenPGP armour from passing as a field);
/// - a trailing `\r` is ignored (CRLF files), as is a leading UTF-8 byte-order mark.
enum Deb822Scanner {
    static func scan(
        _ bytes: Bytes,
        paragraph: (_ line: Int, _ fields: [Deb822RawField]) throws(DebianError) -> Void
    ) throws(DebianError) {
        let count = bytes.count
        var fields: [Deb822RawField] = []
        fields.reserveCapacity(32)
        var paragraphLine = 0
        var lineNumber = 0
        var position = 0
        if count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF {
            position = 3
        }
        while position < count {
            lineNumber += 1
            let lineStart = position
            var end: Int
            if let newline = bytes.firstIndex(of: ASCII.newline, from: position, to: count) {
                end = newline
                position = newline + 1
            } else {
                end = count
                position = count
            }
            while end > lineStart, ASCII.isWhitespace(bytes[end - 1]) { end -= 1 }

            if end == lineStart {
                if !fields.isEmpty {
                    try paragraph(paragraphLine, fields)
                    fields.removeAll(keepingCapacity: true)
                }
                continue
            }
            let first = bytes[lineStart]
            if first == ASCII.hash {
                continue
            }
            if first == ASCII.space || first == ASCII.tab {
                guard !fields.isEmpty else {
                    throw DebianError.invalidDeb822(line: lineNumber, problem: .continuationWithoutField)
                }
                fields[fields.count - 1].valueEnd = end
                fields[fields.count - 1].isMultiline = true
                continue
            }

            guard let colon = bytes.firstIndex(of: ASCII.colon, from: lineStart, to: end) else {
                throw DebianError.invalidDeb822(line: lineNumber, problem: .missingColon)
            }
            guard colon > lineStart else {
                throw DebianError.invalidDeb822(line: lineNumber, problem: .emptyFieldName)
            }
            if first == ASCII.hyphen {
                throw invalidName(bytes, lineStart, colon, lineNumber)
            }
            for i in lineStart..<colon where bytes[i] < 0x21 || bytes[i] > 0x7E {
                throw invalidName(bytes, lineStart, colon, lineNumber)
            }
            let nameLength = colon - lineStart
            for field in fields where field.nameEnd - field.nameStart == nameLength {
                if ASCII.equalsIgnoringCase(
                    bytes.slice(field.nameStart, field.nameEnd), bytes.slice(lineStart, colon))
                {
                    throw DebianError.invalidDeb822(
                        line: lineNumber, problem: .duplicateField(bytes.string(lineStart, colon)))
                }
            }
            var valueStart = colon + 1
            while valueStart < end, ASCII.isBlank(bytes[valueStart]) { valueStart += 1 }
            if fields.isEmpty {
                paragraphLine = lineNumber
            }
            fields.append(
                Deb822RawField(
                    nameStart: lineStart, nameEnd: colon, valueStart: valueStart, valueEnd: end,
                    line: lineNumber, isMultiline: false))
        }
        if !fields.isEmpty {
            try paragraph(paragraphLine, fields)
        }
    }

    private static func invalidName(_ bytes: Bytes, _ start: Int, _ end: Int, _ line: Int) -> DebianError {
        .invalidDeb822(line: line, problem: .invalidFieldName(bytes.string(start, end)))
    }

    /// The logical value of a multi-line field: the first line, then each continuation line
    /// without its leading space or tab, `.` standing for an empty line, comments dropped,
    /// trailing whitespace of every line removed, lines joined by `\n`.
    static func foldedValue(_ bytes: Bytes, _ field: Deb822RawField) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(field.valueEnd - field.valueStart)
        var position = field.valueStart
        var isFirst = true
        while position <= field.valueEnd {
            let newline = bytes.firstIndex(of: ASCII.newline, from: position, to: field.valueEnd) ?? field.valueEnd
            var end = newline
            while end > position, ASCII.isWhitespace(bytes[end - 1]) { end -= 1 }
            if isFirst {
                output.append(contentsOf: bytes.slice(position, end))
                isFirst = false
            } else if position < end, bytes[position] != ASCII.hash {
                output.append(ASCII.newline)
                let contentStart = position + 1
                if !(end - contentStart == 1 && bytes[contentStart] == ASCII.dot) {
                    output.append(contentsOf: bytes.slice(contentStart, end))
                }
            }
            position = newline + 1
        }
        return output
    }
}
