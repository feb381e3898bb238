/// The deb822 control-file syntax shared by Packages, Release, dpkg's status file and apt's
/// `.sources` files: blank-line separated paragraphs of `Name: value` fields.
public enum Deb822 {
    public static func parse(_ text: String) throws(DebianError) -> [Deb822Paragraph] {
        try withBytes(of: text) { bytes throws(DebianError) in try parse(bytes: bytes) }
    }

    /// Parses UTF-8 bytes; invalid UTF-8 in values is replaced with U+FFFD rather than rejected,
    /// as dpkg and apt do not validate encodings either.
    public static func parse(_ bytes: [UInt8]) throws(DebianError) -> [Deb822Paragraph] {
        try withBytes(of: bytes) { bytes throws(DebianError) in try parse(bytes: bytes) }
    }

    /// Paragraphs in deb822 syntax, separated by one empty line.
    public static func format(_ paragraphs: [Deb822Paragraph]) -> String {
        paragraphs.map(\.description).joined(separator: "\n")
    }

    static func parse(bytes: Bytes) throws(DebianError) -> [Deb822Paragraph] {
        var paragraphs: [Deb822Paragraph] = []
        try Deb822Scanner.scan(bytes) { line, rawFields in
            var fields: [Deb822Field] = []
            fields.reserveCapacity(rawFields.count)
            for raw in rawFields {
                let value: String
                if raw.isMultiline {
                    value = String(decoding: Deb822Scanner.foldedValue(bytes, raw), as: UTF8.self)
                } else {
                    value = bytes.string(raw.valueStart, raw.valueEnd)
                }
                fields.append(Deb822Field(name: bytes.string(raw.nameStart, raw.nameEnd), value: value, line: raw.line))
            }
            paragraphs.append(Deb822Paragraph(fields: fields, line: line))
        }
        return paragraphs
    }
}
