/// One paragraph of a Packages index: the fields a resolver and a rootfs builder need.
/// Fields not modelled here (Description, Maintainer, Homepage, Tag, …) are dropped.
public struct BinaryPackage: Sendable, Hashable {
    public enum MultiArch: String, Sendable, Hashable, CaseIterable {
        case no, same, foreign, allowed
    }

    public enum Priority: Sendable, Hashable {
        case required, important, standard, optional, extra
        /// A value outside policy's list, kept as written (dpkg does the same).
        case other(String)

        init(_ value: String) {
            switch value.lowercased() {
            case "required": self = .required
            case "important": self = .important
            case "standard": self = .standard
            case "optional": self = .optional
            case "extra": self = .extra
            default: self = .other(value)
            }
        }
    }

    public var name: String
    public var version: DebianVersion
    public var architecture: String
    /// `.no` when the field is absent, as dpkg assumes.
    public var multiArch: MultiArch
    public var priority: Priority?
    public var isEssential: Bool
    public var section: String?
    /// In KiB, as the field is.
    public var installedSize: Int?
    public var depends: RelationList
    public var preDepends: RelationList
    public var recommends: RelationList
    /// Only `=` constraints, as dpkg requires.
    public var provides: [Relation]
    public var conflicts: [Relation]
    public var breaks: [Relation]
    public var replaces: [Relation]
    /// Path of the `.deb` relative to the repository root.
    public var filename: String
    /// Size of the `.deb` in bytes.
    public var size: Int
    /// Lowercase hexadecimal SHA-256 of the `.deb`.
    public var sha256: String
    /// From `Source: name [(version)]`; the package's own name and version when absent.
    public var sourceName: String
    public var sourceVersion: DebianVersion

    public init(
        name: String,
        version: DebianVersion,
        architecture: String,
        multiArch: MultiArch = .no,
        priority: Priority? = nil,
        isEssential: Bool = false,
        section: String? = nil,
        installedSize: Int? = nil,
        depends: RelationList = RelationList(),
        preDepends: RelationList = RelationList(),
        recommends: RelationList = RelationList(),
        provides: [Relation] = [],
        conflicts: [Relation] = [],
        breaks: [Relation] = [],
        replaces: [Relation] = [],
        filename: String,
        size: Int,
        sha256: String,
        sourceName: String? = nil,
        sourceVersion: DebianVersion? = nil
    ) {
        self.name = name
        self.version = version
        self.architecture = architecture
        self.multiArch = multiArch
        self.priority = priority
        self.isEssential = isEssential
        self.section = section
        self.installedSize = installedSize
        self.depends = depends
        self.preDepends = preDepends
        self.recommends = recommends
        self.provides = provides
        self.conflicts = conflicts
        self.breaks = breaks
        self.replaces = replaces
        self.filename = filename
        self.size = size
        self.sha256 = sha256
        self.sourceName = sourceName ?? name
        self.sourceVersion = sourceVersion ?? version
    }

    /// Reads a paragraph already parsed with `Deb822.parse`. Package, Version, Architecture,
    /// Filename, Size and SHA256 are required.
    public init(paragraph: Deb822Paragraph) throws(DebianError) {
        var builder = BinaryPackageBuilder()
        for field in paragraph.fields {
            guard let known = try withBytes(of: field.name, { PackageField($0) }) else { continue }
            try withBytes(of: field.value) { value throws(DebianError) in
                try builder.set(known, value, line: field.line)
            }
        }
        self = try builder.build(paragraphLine: paragraph.line)
    }
}

extension BinaryPackage.Priority: CustomStringConvertible {
    public var description: String {
        switch self {
        case .required: "required"
        case .important: "important"
        case .standard: "standard"
        case .optional: "optional"
        case .extra: "extra"
        case .other(let value): value
        }
    }
}

extension BinaryPackage {
    /// Reads a `.deb`'s control file, which lacks the fields an index adds: those come from
    /// what the caller knows of the file (the lock).
    public init(control: String, filename: String, size: Int, sha256: String) throws(DebianError) {
        var text = control
        while text.hasSuffix("\n") { text.removeLast() }
        text += "\nFilename: \(filename)\nSize: \(size)\nSHA256: \(sha256)\n"
        let paragraphs = try Deb822.parse(text)
        guard paragraphs.count == 1 else {
            throw .unexpectedParagraphCount(paragraphs.count)
        }
        try self.init(paragraph: paragraphs[0])
    }
}
