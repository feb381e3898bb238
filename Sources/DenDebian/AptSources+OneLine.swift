/// The one-line format: `TYPE [OPTIONS] URI SUITE [COMPONENT…]`, parsed the way apt's
/// `ParseFileOldStyle` and `ParseQuoteWord` do, on bytes because every delimiter is ASCII.
extension AptSources {
    static func parseOneLine(_ text: String, file: String?) throws(AptSourcesError) -> [AptSource] {
        var sources: [AptSource] = []
        var bytes = Array(text.utf8)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        var number = 0
        for line in bytes.split(separator: ASCII.newline, omittingEmptySubsequences: false) {
            number += 1
            if let source = try parseLine(Array(line), number: number, file: file) {
                sources.append(source)
            }
        }
        return sources
    }

    private static func parseLine(_ line: [UInt8], number: Int, file: String?) throws(AptSourcesError) -> AptSource? {
        var scanner = LineScanner(bytes: line, end: commentStart(line))
        scanner.skipBlanks()
        guard let type = try scanner.word(line: number) else { return nil }
        scanner.skipBlanks()
        var options: [String] = []
        if scanner.peek == ASCII.openBracket {
            guard let list = scanner.bracketed() else {
                throw .malformedLine(line: number, problem: .unclosedOptions)
            }
            options = words(list)
        }
        guard let uri = try scanner.word(line: number) else {
            throw .malformedLine(line: number, problem: .missingURI)
        }
        guard let suite = try scanner.word(line: number) else {
            throw .malformedLine(line: number, problem: .missingSuite)
        }
        var components: [String] = []
        while let component = try scanner.word(line: number) {
            components.append(component)
        }
        if components.isEmpty, !suite.hasSuffix("/") {
            throw .malformedLine(line: number, problem: .missingComponent)
        }
        if isCDROM(uri) { return nil }

        var source = AptSource(types: [type], uris: [uri], suites: [suite], components: components, file: file, line: number)
        for option in options {
            try apply(option, to: &source, line: number)
        }
        return source
    }

    /// Where the comment starts: the first `#` outside a `[…]` (so a cdrom label or an option
    /// list may hold one), exactly as apt decides it.
    private static func commentStart(_ line: [UInt8]) -> Int {
        var index = 0
        while index < line.count, line[index] != ASCII.hash {
            if line[index] == ASCII.openBracket, let close = line[(index + 1)...].firstIndex(of: ASCII.closeBracket) {
                index = close
            }
            index += 1
        }
        return index
    }

    /// `name=a,b`, `name+=a` or `name-=a`; only the options den uses are kept.
    private static func apply(_ option: String, to source: inout AptSource, line: Int) throws(AptSourcesError) {
        guard let equals = option.firstIndex(of: "=") else {
            throw .malformedLine(line: line, problem: .invalidOption(option))
        }
        var name = option[..<equals]
        var modifier: Character?
        if let last = name.last, last == "+" || last == "-" {
            modifier = last
            name = name.dropLast()
        }
        guard !name.isEmpty else { throw .malformedLine(line: line, problem: .invalidOption(option)) }
        let values = option[option.index(after: equals)...].split(separator: ",").map(String.init)
        func update(_ current: inout [String]) {
            switch modifier {
            case "+": current += values.filter { !current.contains($0) }
            case "-": current.removeAll { values.contains($0) }
            default: current = values
            }
        }
        switch name.lowercased() {
        case "arch": update(&source.architectures)
        case "signed-by": update(&source.signedBy)
        default: break
        }
    }
}

private let doubleQuote: UInt8 = 0x22

/// Words of one line up to its comment. A `[…]` inside a word is kept with its blanks (a cdrom
/// label); a `"…"` loses its quotes.
private struct LineScanner {
    var bytes: [UInt8]
    var end: Int
    var position = 0

    init(bytes: [UInt8], end: Int) {
        self.bytes = bytes
        self.end = end
    }

    var peek: UInt8? { position < end ? bytes[position] : nil }

    mutating func skipBlanks() {
        while position < end, ASCII.isWhitespace(bytes[position]) { position += 1 }
    }

    /// The text between `[` at the current position and the next `]`, which is consumed.
    mutating func bracketed() -> String? {
        guard let close = bytes[(position + 1)..<end].firstIndex(of: ASCII.closeBracket) else { return nil }
        defer { position = close + 1 }
        return String(decoding: bytes[(position + 1)..<close], as: UTF8.self)
    }

    mutating func word(line: Int) throws(AptSourcesError) -> String? {
        skipBlanks()
        guard position < end else { return nil }
        var word: [UInt8] = []
        while position < end, !ASCII.isWhitespace(bytes[position]) {
            let byte = bytes[position]
            if byte == ASCII.openBracket || byte == doubleQuote {
                let closing = byte == ASCII.openBracket ? ASCII.closeBracket : doubleQuote
                guard let close = bytes[(position + 1)..<end].firstIndex(of: closing) else {
                    throw .malformedLine(line: line, problem: .unclosedQuote)
                }
                word += byte == doubleQuote ? bytes[(position + 1)..<close] : bytes[position...close]
                position = close + 1
            } else {
                word.append(byte)
                position += 1
            }
        }
        return String(decoding: word, as: UTF8.self)
    }
}
