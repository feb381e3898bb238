/// The structural layer: statements, headers, keys, arrays and inline tables, and the rules for
/// which tables a header or dotted key may still define or extend.
struct TOMLParser {
    private struct KeySegment {
        let name: String
        let position: TOMLPosition
    }

    private var scanner: TOMLScanner
    /// Each header and each inline table opens a new section; dotted keys may only add to tables
    /// that dotted keys of the same section created.
    private var sectionCount = 0

    init(_ text: String) {
        scanner = TOMLScanner(text)
    }

    mutating func parseDocument() throws(TOMLParseError) -> TOMLTable {
        let root = TOMLTableBuilder(origin: .explicit, position: TOMLPosition(line: 1, column: 1), depth: 0)
        var current = root
        var section = 0
        while true {
            scanner.skipWhitespace()
            guard let scalar = scanner.current else { break }
            if try scanner.consumeNewline() { continue }
            if scalar == "#" {
                try scanner.skipComment()
                continue
            }
            if scalar == "[" {
                current = try parseHeader(root: root)
                sectionCount += 1
                section = sectionCount
                try scanner.expectLineEnd(after: "a table header")
            } else {
                let key = try parseKeyValue(into: current, section: section)
                try scanner.expectLineEnd(after: "the value of '\(key)'")
            }
        }
        return root.build()
    }

    // MARK: - Keys

    private mutating func parseKey() throws(TOMLParseError) -> [KeySegment] {
        var segments: [KeySegment] = []
        while true {
            let position = scanner.position
            let name = try scanner.scanKeySegment()
            segments.append(KeySegment(name: name, position: position))
            scanner.skipWhitespace()
            guard scanner.current == "." else { return segments }
            scanner.index += 1
            scanner.skipWhitespace()
        }
    }

    private static func display(_ segments: some Collection<KeySegment>) -> String {
        // Not joined(separator:): see TOMLScanner.text(from:to:).
        var text = ""
        for segment in segments {
            if !text.isEmpty { text += "." }
            text += TOMLWriter.key(segment.name)
        }
        return text
    }

    // MARK: - Headers

    /// Reads `[a.b]` or `[[a.b]]` and returns the table that following key/value pairs fill.
    private mutating func parseHeader(root: TOMLTableBuilder) throws(TOMLParseError) -> TOMLTableBuilder {
        let headerPosition = scanner.position
        let isArray = scanner.peek(1) == "["
        scanner.index += isArray ? 2 : 1
        scanner.skipWhitespace()
        let keys = try parseKey()
        let path = Self.display(keys)
        if isArray {
            guard scanner.current == "]", scanner.peek(1) == "]" else {
                // "[[a]" is most often missing its second bracket: point past the first one.
                if scanner.current == "]" { scanner.index += 1 }
                throw scanner.error("expected ']]' to close the header '[[\(path)', found \(scanner.describeCurrent)")
            }
            scanner.index += 2
        } else {
            guard scanner.current == "]" else {
                throw scanner.error("expected ']' to close the header '[\(path)', found \(scanner.describeCurrent)")
            }
            scanner.index += 1
        }

        let kind = isArray ? "array of tables" : "table"
        var table = root
        for (offset, segment) in keys.dropLast().enumerated() {
            if let existing = table.slot(segment.name) {
                switch existing.item {
                case .table(let child):
                    table = child
                case .tableArray(let array):
                    // A header reaches into the most recent element of an array of tables.
                    table = array.elements[array.elements.count - 1]
                case .value:
                    let prefix = Self.display(keys[...offset])
                    throw TOMLParseError(
                        message: "cannot define \(kind) '\(path)': '\(prefix)' is already \(existing.item.summary)",
                        position: segment.position)
                }
            } else {
                let child = try makeTable(in: table, origin: .implicit, position: segment.position, for: segment)
                table.add(segment.name, at: segment.position, .table(child))
                table = child
            }
        }

        let last = keys[keys.count - 1]
        guard let existing = table.slot(last.name) else {
            let child = try makeTable(in: table, origin: .explicit, position: headerPosition, for: last)
            if isArray {
                let array = TOMLTableArrayBuilder(position: headerPosition)
                array.elements.append(child)
                table.add(last.name, at: last.position, .tableArray(array))
            } else {
                table.add(last.name, at: last.position, .table(child))
            }
            return child
        }
        switch (existing.item, isArray) {
        case (.tableArray(let array), true):
            let child = try makeTable(in: table, origin: .explicit, position: headerPosition, for: last)
            array.elements.append(child)
            return child
        case (.table(let child), false) where child.origin == .implicit:
            child.origin = .explicit
            child.position = headerPosition
            table.updateKeyPosition(last.name, to: last.position)
            return child
        case (.table(let child), false) where child.origin == .explicit:
            throw TOMLParseError(
                message: "duplicate table '\(path)' (first defined at \(child.position))", position: last.position)
        case (.table(let child), false):
            throw TOMLParseError(
                message: "cannot define table '\(path)': it was already created by a dotted key at \(child.position)",
                position: last.position)
        default:
            throw TOMLParseError(
                message: "cannot define \(kind) '\(path)': '\(path)' is already \(existing.item.summary)",
                position: last.position)
        }
    }

    private func makeTable(
        in parent: TOMLTableBuilder, origin: TOMLTableBuilder.Origin, position: TOMLPosition, for segment: KeySegment
    ) throws(TOMLParseError) -> TOMLTableBuilder {
        let depth = parent.depth + 1
        guard depth <= TOML.maximumDepth else {
            throw TOMLParseError(message: "nesting deeper than \(TOML.maximumDepth) levels", position: segment.position)
        }
        return TOMLTableBuilder(origin: origin, position: position, depth: depth)
    }

    // MARK: - Key/value pairs

    /// Reads `key = value` into `table` and returns the key as written, for messages.
    private mutating func parseKeyValue(
        into table: TOMLTableBuilder, section: Int
    ) throws(TOMLParseError) -> String {
        let keys = try parseKey()
        let written = Self.display(keys)
        guard scanner.current == "=" else {
            throw scanner.error("expected '=' after key '\(written)', found \(scanner.describeCurrent)")
        }
        scanner.index += 1
        scanner.skipWhitespace()

        var target = table
        for (offset, segment) in keys.dropLast().enumerated() {
            guard let existing = target.slot(segment.name) else {
                let child = try makeTable(
                    in: target, origin: .dotted(section: section), position: segment.position, for: segment)
                target.add(segment.name, at: segment.position, .table(child))
                target = child
                continue
            }
            let prefix = Self.display(keys[...offset])
            switch existing.item {
            case .table(let child):
                switch child.origin {
                case .implicit:
                    child.origin = .dotted(section: section)
                case .dotted(let owner) where owner == section:
                    break
                default:
                    throw TOMLParseError(
                        message: "cannot add '\(written)' with a dotted key: table '\(prefix)' was already defined at \(child.position)",
                        position: segment.position)
                }
                target = child
            case .tableArray, .value:
                throw TOMLParseError(
                    message: "cannot define '\(written)': '\(prefix)' is already \(existing.item.summary)",
                    position: segment.position)
            }
        }

        let last = keys[keys.count - 1]
        if let existing = target.slot(last.name) {
            throw TOMLParseError(
                message: "duplicate key '\(written)' (first defined at \(existing.keyPosition))", position: last.position)
        }
        let node = try parseValue(depth: target.depth + 1)
        target.add(last.name, at: last.position, .value(node))
        return written
    }

    // MARK: - Values

    /// Reads a value that sits `depth` levels below the document root.
    private mutating func parseValue(depth: Int) throws(TOMLParseError) -> TOMLNode {
        let position = scanner.position
        guard let scalar = scanner.current else {
            throw scanner.error("expected a value, found end of input")
        }
        let value: TOMLValue
        switch scalar {
        case "\"":
            value = .string(try scanner.scanBasicString())
        case "'":
            value = .string(try scanner.scanLiteralString())
        case "[":
            value = .array(try parseArray(depth: depth))
        case "{":
            value = .table(try parseInlineTable(depth: depth, position: position))
        default:
            if scanner.isAtDateTime {
                value = .dateTime(try scanner.scanDateTime())
            } else if let bare = try scanner.scanBareValue() {
                value = bare
            } else {
                throw scanner.error("expected a value, found \(scanner.describeCurrent)")
            }
        }
        return TOMLNode(value, at: position)
    }

    private func checkDepth(_ depth: Int) throws(TOMLParseError) {
        guard depth <= TOML.maximumDepth else {
            throw scanner.error("nesting deeper than \(TOML.maximumDepth) levels")
        }
    }

    private mutating func parseArray(depth: Int) throws(TOMLParseError) -> [TOMLNode] {
        try checkDepth(depth)
        let open = scanner.index
        scanner.index += 1
        var elements: [TOMLNode] = []
        while true {
            try scanner.skipWhitespaceCommentsAndNewlines()
            if scanner.current == "]" {
                scanner.index += 1
                return elements
            }
            if scanner.isAtEnd { throw scanner.error("unterminated array", at: open) }
            elements.append(try parseValue(depth: depth + 1))
            try scanner.skipWhitespaceCommentsAndNewlines()
            switch scanner.current {
            case ",":
                scanner.index += 1
            case "]":
                scanner.index += 1
                return elements
            case nil:
                throw scanner.error("unterminated array", at: open)
            default:
                throw scanner.error("expected ',' or ']' after an array element, found \(scanner.describeCurrent)")
            }
        }
    }

    /// Inline tables stay on one line, take no trailing comma, and are closed once written: their
    /// own dotted keys may build sub-tables, but nothing outside may add to them.
    private mutating func parseInlineTable(depth: Int, position: TOMLPosition) throws(TOMLParseError) -> TOMLTable {
        try checkDepth(depth)
        let open = scanner.index
        scanner.index += 1
        sectionCount += 1
        let section = sectionCount
        let table = TOMLTableBuilder(origin: .explicit, position: position, depth: depth)
        scanner.skipWhitespace()
        if scanner.current == "}" {
            scanner.index += 1
            return table.build()
        }
        while true {
            scanner.skipWhitespace()
            if scanner.current == "}" {
                throw scanner.error("a trailing comma is not allowed in an inline table")
            }
            if scanner.isAtEnd { throw scanner.error("unterminated inline table", at: open) }
            _ = try parseKeyValue(into: table, section: section)
            scanner.skipWhitespace()
            switch scanner.current {
            case ",":
                scanner.index += 1
            case "}":
                scanner.index += 1
                return table.build()
            case nil:
                throw scanner.error("unterminated inline table", at: open)
            case "\n", "\r":
                throw scanner.error("expected ',' or '}' in an inline table, found newline (inline tables must be on one line)")
            default:
                throw scanner.error("expected ',' or '}' in an inline table, found \(scanner.describeCurrent)")
            }
        }
    }
}
