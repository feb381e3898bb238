/// A package a manifest asks for: `name`, `name=VERSION`, `name:arch` or `name:arch=VERSION`,
/// the forms `apt-get install` accepts.
public struct InstallRequest: Sendable, Hashable {
    public var name: String
    /// An architecture other than the resolver's native one; nil for native (or `all`).
    public var architecture: String?
    /// An exact version to install instead of the highest.
    public var version: DebianVersion?

    public init(name: String, architecture: String? = nil, version: DebianVersion? = nil) {
        self.name = name
        self.architecture = architecture
        self.version = version
    }

    /// Reads `name[:arch][=version]`; the name and architecture are checked with the same rules
    /// as in a `Depends` field.
    public init(_ text: String) throws(DebianError) {
        var namePart = Substring(text)
        var version: DebianVersion?
        if let equals = text.firstIndex(of: "=") {
            namePart = text[..<equals]
            version = try DebianVersion(String(text[text.index(after: equals)...]))
        }
        let relation = try Relation(String(namePart))
        guard relation.constraint == nil, relation.architectures.isEmpty, relation.profiles.isEmpty else {
            throw DebianError.invalidRelation(text, problem: .invalidPackageName(text))
        }
        var architecture: String?
        switch relation.architectureQualifier {
        case nil: architecture = nil
        case .named(let name): architecture = name
        case .any, .native:
            throw DebianError.invalidRelation(text, problem: .invalidArchitecture(relation.architectureQualifier?.description ?? ""))
        }
        self.init(name: relation.name, architecture: architecture, version: version)
    }
}

extension InstallRequest: CustomStringConvertible {
    public var description: String {
        var text = name
        if let architecture {
            text += ":" + architecture
        }
        if let version {
            text += "=\(version)"
        }
        return text
    }
}
