/// One package reference in a dependency-style field:
/// `name[:arch] [(op version)] [[arch …]] [<profile …> …]`.
public struct Relation: Sendable, Hashable {
    /// The `:qualifier` after a package name (Multi-Arch).
    public enum ArchitectureQualifier: Sendable, Hashable {
        case any
        case native
        case named(String)
    }

    /// An entry of a `[amd64 !i386]` list. Wildcards such as `linux-any` are kept as written.
    public struct ArchitectureTerm: Sendable, Hashable {
        public var name: String
        public var isNegated: Bool

        public init(_ name: String, isNegated: Bool = false) {
            self.name = name
            self.isNegated = isNegated
        }
    }

    /// An entry of a `<!nocheck stage1>` build-profile list.
    public struct ProfileTerm: Sendable, Hashable {
        public var name: String
        public var isNegated: Bool

        public init(_ name: String, isNegated: Bool = false) {
            self.name = name
            self.isNegated = isNegated
        }
    }

    public var name: String
    public var architectureQualifier: ArchitectureQualifier?
    public var constraint: VersionConstraint?
    /// The architecture restriction list; empty when there is none.
    public var architectures: [ArchitectureTerm]
    /// Build-profile restriction formulas: the relation applies when any list matches, a list
    /// matching when all of its terms do. Empty when there is none.
    public var profiles: [[ProfileTerm]]

    public init(
        name: String,
        architectureQualifier: ArchitectureQualifier? = nil,
        constraint: VersionConstraint? = nil,
        architectures: [ArchitectureTerm] = [],
        profiles: [[ProfileTerm]] = []
    ) {
        self.name = name
        self.architectureQualifier = architectureQualifier
        self.constraint = constraint
        self.architectures = architectures
        self.profiles = profiles
    }

    /// Parses a single relation; `|` and `,` are rejected.
    public init(_ text: String) throws(DebianError) {
        let groups = try withBytes(of: text) { bytes throws(DebianError) in
            try RelationParser.parseList(bytes, allowsAlternatives: false)
        }
        guard groups.count == 1, let only = groups[0].first else {
            throw DebianError.invalidRelation(text, problem: groups.isEmpty ? .missingPackageName : .unexpectedCharacter(","))
        }
        self = only
    }

    /// Parses a field that allows neither alternatives nor an empty element, such as
    /// `Conflicts`, `Breaks`, `Replaces` (dpkg refuses `|` in those) and `Provides`.
    public static func parseList(_ text: String, exactVersionsOnly: Bool = false) throws(DebianError) -> [Relation] {
        try withBytes(of: text) { bytes throws(DebianError) in
            try RelationParser.parseFlatList(bytes, exactVersionsOnly: exactVersionsOnly)
        }
    }
}

extension Relation: CustomStringConvertible {
    public var description: String {
        var text = name
        if let architectureQualifier {
            text += ":\(architectureQualifier)"
        }
        if let constraint {
            text += " \(constraint)"
        }
        if !architectures.isEmpty {
            text += " [" + architectures.map { ($0.isNegated ? "!" : "") + $0.name }.joined(separator: " ") + "]"
        }
        for list in profiles {
            text += " <" + list.map { ($0.isNegated ? "!" : "") + $0.name }.joined(separator: " ") + ">"
        }
        return text
    }
}

extension Relation.ArchitectureQualifier: CustomStringConvertible {
    public var description: String {
        switch self {
        case .any: "any"
        case .native: "native"
        case .named(let name): name
        }
    }
}
