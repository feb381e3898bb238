/// The body of a `Release` file, or the signed text of an `InRelease` (see `ClearSigned`).
public struct ReleaseFile: Sendable, Hashable {
    /// An entry of the `SHA256` list: an index file the Release vouches for.
    public struct IndexFile: Sendable, Hashable {
        /// Relative to the directory holding the Release file (`main/binary-amd64/Packages.xz`).
        public var path: String
        public var size: Int
        /// Lowercase hexadecimal.
        public var sha256: String

        public init(path: String, size: Int, sha256: String) {
            self.path = path
            self.size = size
            self.sha256 = sha256
        }
    }

    public var origin: String?
    public var label: String?
    public var suite: String?
    public var codename: String?
    public var version: String?
    /// As written; see `parsedDate` for a comparable form.
    public var date: String?
    public var validUntil: String?
    /// Nil when the field is absent or not in the RFC 2822 shape `ReleaseDate` understands.
    public var parsedDate: ReleaseDate?
    public var parsedValidUntil: ReleaseDate?
    public var architectures: [String]
    public var components: [String]
    /// Whether index files may be fetched from `by-hash/SHA256/<digest>` paths.
    public var acquireByHash: Bool
    /// Empty when the file has no SHA256 list; whoever fetches decides whether that is fatal.
    public var sha256: [IndexFile]
    /// Every field, including those not modelled above.
    public var paragraph: Deb822Paragraph

    public init(_ text: String) throws(DebianError) {
        let paragraphs = try Deb822.parse(text)
        guard paragraphs.count == 1 else { throw DebianError.unexpectedParagraphCount(paragraphs.count) }
        try self.init(paragraph: paragraphs[0])
    }

    public init(paragraph: Deb822Paragraph) throws(DebianError) {
        self.paragraph = paragraph
        origin = paragraph["Origin"]
        label = paragraph["Label"]
        suite = paragraph["Suite"]
        codename = paragraph["Codename"]
        version = paragraph["Version"]
        date = paragraph["Date"]
        validUntil = paragraph["Valid-Until"]
        parsedDate = date.flatMap(ReleaseDate.init)
        parsedValidUntil = validUntil.flatMap(ReleaseDate.init)
        architectures = Self.words(paragraph["Architectures"])
        components = Self.words(paragraph["Components"])

        acquireByHash = false
        if let field = paragraph.field("Acquire-By-Hash") {
            switch field.value.lowercased() {
            case "yes", "true": acquireByHash = true
            case "no", "false": acquireByHash = false
            default:
                throw DebianError.invalidField(field.name, value: field.value, line: field.line, problem: .notYesOrNo)
            }
        }

        sha256 = []
        if let field = paragraph.field("SHA256") {
            for (offset, line) in field.value.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
                if words.isEmpty {
                    continue
                }
                func invalid(_ problem: DebianError.FieldProblem) -> DebianError {
                    .invalidField(field.name, value: String(line), line: field.line + offset, problem: problem)
                }
                guard words.count == 3 else { throw invalid(.malformedIndexLine) }
                let digest = try withBytes(of: String(words[0])) { BinaryPackageBuilder.sha256($0) }
                guard let digest else { throw invalid(.notASHA256) }
                let size = try withBytes(of: String(words[1])) { BinaryPackageBuilder.integer($0) }
                guard let size else { throw invalid(.notANumber) }
                sha256.append(IndexFile(path: String(words[2]), size: size, sha256: digest))
            }
        }
    }

    /// The SHA256 entry for `path`, if the Release lists it.
    public func indexFile(at path: String) -> IndexFile? {
        sha256.first { $0.path == path }
    }

    private static func words(_ value: String?) -> [String] {
        guard let value else { return [] }
        return value.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).map(String.init)
    }
}
