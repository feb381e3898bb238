/// A parsed `Packages` index (one component, one architecture), in file order.
public struct PackagesIndex: Sendable, Hashable {
    public var packages: [BinaryPackage]

    public init(packages: [BinaryPackage]) {
        self.packages = packages
    }

    public init(_ text: String) throws(DebianError) {
        packages = try withBytes(of: text) { bytes throws(DebianError) in try Self.parse(bytes) }
    }

    /// Parses the uncompressed index. Any malformed paragraph fails the whole index: a
    /// Packages file is a signed unit, and a partial view of it would resolve differently.
    public init(_ bytes: [UInt8]) throws(DebianError) {
        packages = try withBytes(of: bytes) { bytes throws(DebianError) in try Self.parse(bytes) }
    }

    /// Goes straight from the scanner's byte ranges to `BinaryPackage`, building strings only
    /// for the fields it keeps; `Deb822.parse` followed by `BinaryPackage(paragraph:)` gives the
    /// same result several times slower.
    static func parse(_ bytes: Bytes) throws(DebianError) -> [BinaryPackage] {
        var packages: [BinaryPackage] = []
        // A Packages paragraph is roughly 800 bytes; reserving avoids most regrowth copies.
        packages.reserveCapacity(bytes.count / 700 + 1)
        try Deb822Scanner.scan(bytes) { line, fields throws(DebianError) in
            var builder = BinaryPackageBuilder()
            for raw in fields {
                guard let field = PackageField(bytes.slice(raw.nameStart, raw.nameEnd)) else { continue }
                if raw.isMultiline {
                    let folded = Deb822Scanner.foldedValue(bytes, raw)
                    try withBytes(of: folded) { value throws(DebianError) in
                        try builder.set(field, value, line: raw.line)
                    }
                } else {
                    try builder.set(field, bytes.slice(raw.valueStart, raw.valueEnd), line: raw.line)
                }
            }
            packages.append(try builder.build(paragraphLine: line))
        }
        return packages
    }
}
