/// An OpenPGP clear-signed message (RFC 4880 §7), such as an `InRelease` file, taken apart.
/// The signature is not checked here (gpgv does that); this only makes sure the armour is
/// well formed and returns the text the signature covers.
///
/// The parser is strict where leniency has been exploited before: nothing but blank lines may
/// precede the `BEGIN PGP SIGNED MESSAGE` line or follow the `END PGP SIGNATURE` line, only
/// `Hash` headers are accepted in the message header (as GnuPG requires), and a body line that
/// starts with `-` must be dash-escaped. That way `signedText` is exactly what gpgv verified.
public struct ClearSigned: Sendable, Hashable {
    /// The names from the `Hash:` armour headers (`SHA256`, `SHA512`, …), in order.
    public var hashAlgorithms: [String]
    /// The signed text: dash-escaping removed, lines joined with `\n`, trailing spaces and tabs
    /// of each line removed (RFC 4880 §7.1: they are not covered by the signature), and no line
    /// break after the last line (the one before the signature belongs to the armour).
    public var signedText: String
    /// The binary OpenPGP signature packets from the armoured block (one or more signatures).
    public var signature: [UInt8]

    public init(_ text: String) throws(DebianError) {
        self = try withBytes(of: text) { bytes throws(DebianError) in try ClearSigned(bytes: bytes) }
    }

    public init(_ bytes: [UInt8]) throws(DebianError) {
        self = try withBytes(of: bytes) { bytes throws(DebianError) in try ClearSigned(bytes: bytes) }
    }

    private init(bytes: Bytes) throws(DebianError) {
        var lines = ArmorLines(bytes)
        func fail(_ problem: DebianError.ArmorProblem) -> DebianError {
            .malformedArmor(line: Swift.max(lines.number, 1), problem: problem)
        }

        // Message start.
        while let line = lines.next(), lines.isBlank(line) {}
        guard lines.current.map({ lines.equals($0, "-----BEGIN PGP SIGNED MESSAGE-----") }) == true else {
            throw fail(.missingBeginLine)
        }

        // Message headers: `Hash: A, B` lines up to a blank line.
        var hashAlgorithms: [String] = []
        while true {
            guard let line = lines.next() else { throw fail(.missingSignature) }
            if lines.isBlank(line) {
                break
            }
            guard let (name, value) = lines.header(line) else { throw fail(.invalidHeader(lines.string(line))) }
            guard name == "Hash" else { throw fail(.unsupportedHeader(name)) }
            for algorithm in value.split(separator: ",", omittingEmptySubsequences: false) {
                let trimmed = algorithm.trimmingBlanks()
                guard !trimmed.isEmpty, trimmed.utf8.allSatisfy(ASCII.isAlphanumeric) else {
                    throw fail(.invalidHeader(lines.string(line)))
                }
                hashAlgorithms.append(String(trimmed))
            }
        }

        // Body, up to the signature block.
        var body: [UInt8] = []
        body.reserveCapacity(bytes.count)
        var isFirstBodyLine = true
        while true {
            guard var line = lines.next() else { throw fail(.missingSignature) }
            if line.start < line.end, bytes[line.start] == ASCII.hyphen {
                if line.end - line.start >= 2, bytes[line.start + 1] == ASCII.space {
                    line.start += 2
                } else if lines.equals(line, "-----BEGIN PGP SIGNATURE-----") {
                    break
                } else {
                    throw fail(.unescapedDash)
                }
            }
            var end = line.end
            while end > line.start, ASCII.isBlank(bytes[end - 1]) { end -= 1 }
            if !isFirstBodyLine {
                body.append(ASCII.newline)
            }
            isFirstBodyLine = false
            body.append(contentsOf: bytes.slice(line.start, end))
        }

        // Signature armour headers (Version:, Comment:, …) up to a blank line.
        while true {
            guard let line = lines.next() else { throw fail(.missingEndLine) }
            if lines.isBlank(line) {
                break
            }
            guard lines.header(line) != nil else { throw fail(.invalidHeader(lines.string(line))) }
        }

        // Base64 data, an optional `=XXXX` checksum, the end line.
        var encoded: [UInt8] = []
        var checksum: [UInt8]?
        var checksumLine = 0
        while true {
            guard let line = lines.next() else { throw fail(.missingEndLine) }
            if lines.equals(line, "-----END PGP SIGNATURE-----") {
                break
            }
            guard checksum == nil else { throw fail(.missingEndLine) }
            let content = lines.trimmed(line)
            guard !content.isEmpty, content.allSatisfy(Base64.isAlphabet) else { throw fail(.invalidBase64) }
            if content[0] == ASCII.equal {
                guard content.count == 5, let decoded = Base64.decode(Array(content.dropFirst())) else {
                    throw fail(.invalidBase64)
                }
                checksum = decoded
                checksumLine = lines.number
            } else {
                encoded.append(contentsOf: content)
            }
        }
        while let line = lines.next() {
            guard lines.isBlank(line) else { throw fail(.trailingContent) }
        }

        guard let signature = Base64.decode(encoded) else { throw fail(.invalidBase64) }
        guard !signature.isEmpty else { throw fail(.emptySignature) }
        if let checksum {
            let expected = UInt32(checksum[0]) << 16 | UInt32(checksum[1]) << 8 | UInt32(checksum[2])
            guard CRC24.checksum(signature) == expected else {
                throw DebianError.malformedArmor(line: checksumLine, problem: .checksumMismatch)
            }
        }

        self.hashAlgorithms = hashAlgorithms
        self.signedText = String(decoding: body, as: UTF8.self)
        self.signature = signature
    }
}

/// Physical lines of the armoured text, `\n` or `\r\n` terminated, with their numbers.
private struct ArmorLines {
    struct Line {
        var start: Int
        /// Excludes the line break (and a `\r` before it).
        var end: Int
    }

    let bytes: Bytes
    private var position = 0
    private(set) var number = 0
    private(set) var current: Line?

    init(_ bytes: Bytes) {
        self.bytes = bytes
    }

    mutating func next() -> Line? {
        guard position < bytes.count else {
            current = nil
            return nil
        }
        number += 1
        let start = position
        var end: Int
        if let newline = bytes.firstIndex(of: ASCII.newline, from: position, to: bytes.count) {
            end = newline
            position = newline + 1
        } else {
            end = bytes.count
            position = bytes.count
        }
        if end > start, bytes[end - 1] == ASCII.carriageReturn {
            end -= 1
        }
        current = Line(start: start, end: end)
        return current
    }

    func trimmed(_ line: Line) -> Bytes {
        var end = line.end
        while end > line.start, ASCII.isWhitespace(bytes[end - 1]) { end -= 1 }
        return bytes.slice(line.start, end)
    }

    func isBlank(_ line: Line) -> Bool { trimmed(line).isEmpty }

    /// Armour lines are compared after dropping trailing whitespace, which RFC 4880 says to
    /// ignore there.
    func equals(_ line: Line, _ literal: StaticString) -> Bool {
        let content = trimmed(line)
        guard content.count == literal.utf8CodeUnitCount else { return false }
        return content.elementsEqual(UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
    }

    func string(_ line: Line) -> String { trimmed(line).string() }

    /// `Name: value`, the name being printable ASCII without spaces or colons.
    func header(_ line: Line) -> (name: String, value: String)? {
        let content = trimmed(line)
        guard let colon = content.firstIndex(of: ASCII.colon, from: 0, to: content.count), colon > 0,
            colon + 1 == content.count || content[colon + 1] == ASCII.space
        else { return nil }
        for c in content[0..<colon] where c <= ASCII.space || c > 0x7E {
            return nil
        }
        let valueStart = Swift.min(colon + 2, content.count)
        return (content.string(0, colon), content.string(valueStart, content.count))
    }
}

extension Substring {
    fileprivate func trimmingBlanks() -> Substring {
        var result = self
        while let first = result.first, first == " " || first == "\t" { result.removeFirst() }
        while let last = result.last, last == " " || last == "\t" { result.removeLast() }
        return result
    }
}
