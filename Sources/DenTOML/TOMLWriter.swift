/// Renders tables as TOML text for files den writes itself (den.lock). The output depends only on
/// the tree: entry order is kept, so callers that want sorted output sort their entries.
enum TOMLWriter {
    static func render(_ table: TOMLTable) -> String {
        var output = ""
        writeBody(of: table, path: [], into: &output)
        if output.isEmpty || !output.hasSuffix("\n") { output += "\n" }
        return output
    }

    /// Writes the key/value lines of `table`, then its sub-tables and arrays of tables as sections.
    private static func writeBody(of table: TOMLTable, path: [String], into output: inout String) {
        for entry in table.entries where !isSection(entry.node.value) {
            output += key(entry.key) + " = "
            writeInline(entry.node.value, into: &output)
            output += "\n"
        }
        for entry in table.entries {
            let childPath = path + [entry.key]
            switch entry.node.value {
            case .table(let child):
                // A table holding only sections gets no header: its children's headers create it.
                let needsHeader = child.isEmpty || child.entries.contains { !isSection($0.node.value) }
                if needsHeader {
                    if !output.isEmpty { output += "\n" }
                    output += "[" + dottedKey(childPath) + "]\n"
                }
                writeBody(of: child, path: childPath, into: &output)
            case .array(let elements) where isSection(entry.node.value):
                for element in elements {
                    if !output.isEmpty { output += "\n" }
                    output += "[[" + dottedKey(childPath) + "]]\n"
                    if case .table(let child) = element.value {
                        writeBody(of: child, path: childPath, into: &output)
                    }
                }
            default:
                break
            }
        }
    }

    /// Tables, and non-empty arrays whose elements are all tables, are written as sections.
    private static func isSection(_ value: TOMLValue) -> Bool {
        switch value {
        case .table:
            return true
        case .array(let elements):
            return !elements.isEmpty && elements.allSatisfy { $0.value.tableValue != nil }
        default:
            return false
        }
    }

    private static func writeInline(_ value: TOMLValue, into output: inout String) {
        switch value {
        case .string(let string):
            output += quoted(string)
        case .integer(let integer):
            output += String(integer)
        case .float(let float):
            output += format(float)
        case .boolean(let boolean):
            output += boolean ? "true" : "false"
        case .dateTime(let dateTime):
            output += dateTime.description
        case .array(let elements):
            output += "["
            for (offset, element) in elements.enumerated() {
                if offset > 0 { output += ", " }
                writeInline(element.value, into: &output)
            }
            output += "]"
        case .table(let table):
            guard !table.isEmpty else {
                output += "{}"
                return
            }
            output += "{ "
            for (offset, entry) in table.entries.enumerated() {
                if offset > 0 { output += ", " }
                output += key(entry.key) + " = "
                writeInline(entry.node.value, into: &output)
            }
            output += " }"
        }
    }

    /// The shortest text that reads back as the same double; always with a '.' or an exponent so
    /// it stays a float.
    static func format(_ value: Double) -> String {
        if value.isNaN { return "nan" }
        if value.isInfinite { return value < 0 ? "-inf" : "inf" }
        let text = value.description
        return text.contains(where: { $0 == "." || $0 == "e" }) ? text : text + ".0"
    }

    static func key(_ key: String) -> String {
        let isBare = !key.isEmpty && key.unicodeScalars.allSatisfy(TOMLScanner.isBareKeyCharacter)
        return isBare ? key : quoted(key)
    }

    static func dottedKey(_ path: [String]) -> String {
        path.map(key).joined(separator: ".")
    }

    /// A basic string: quotes, backslashes and control characters escaped, everything else as is.
    static func quoted(_ string: String) -> String {
        var result = String.UnicodeScalarView()
        result.append("\"")
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": result.append(contentsOf: #"\""#.unicodeScalars)
            case "\\": result.append(contentsOf: #"\\"#.unicodeScalars)
            case "\n": result.append(contentsOf: #"\n"#.unicodeScalars)
            case "\t": result.append(contentsOf: #"\t"#.unicodeScalars)
            case "\r": result.append(contentsOf: #"\r"#.unicodeScalars)
            case "\u{08}": result.append(contentsOf: #"\b"#.unicodeScalars)
            case "\u{0C}": result.append(contentsOf: #"\f"#.unicodeScalars)
            default:
                if TOMLScanner.isControl(scalar) {
                    let hex = String(scalar.value, radix: 16, uppercase: true)
                    result.append(contentsOf: ("\\u" + String(repeating: "0", count: 4 - hex.count) + hex).unicodeScalars)
                } else {
                    result.append(scalar)
                }
            }
        }
        result.append("\"")
        return String(result)
    }
}
