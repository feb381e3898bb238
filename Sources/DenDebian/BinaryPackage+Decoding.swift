/// The Packages fields `BinaryPackage` models, recognised from raw name bytes without building
/// a string: this runs for every field of every paragraph of a 60 000-paragraph index.
enum PackageField {
    case package, version, architecture, multiArch, priority, essential, section, installedSize
    case depends, preDepends, recommends, provides, conflicts, breaks, replaces
    case filename, size, sha256, source

    init?(_ name: Bytes) {
        let n = name.count
        let field: PackageField?
        switch n {
        case 4: field = ASCII.equalsLowercase(name, 0, n, "size") ? .size : nil
        case 6:
            if ASCII.equalsLowercase(name, 0, n, "sha256") {
                field = .sha256
            } else if ASCII.equalsLowercase(name, 0, n, "source") {
                field = .source
            } else if ASCII.equalsLowercase(name, 0, n, "breaks") {
                field = .breaks
            } else {
                field = nil
            }
        case 7:
            if ASCII.equalsLowercase(name, 0, n, "package") {
                field = .package
            } else if ASCII.equalsLowercase(name, 0, n, "version") {
                field = .version
            } else if ASCII.equalsLowercase(name, 0, n, "depends") {
                field = .depends
            } else if ASCII.equalsLowercase(name, 0, n, "section") {
                field = .section
            } else {
                field = nil
            }
        case 8:
            if ASCII.equalsLowercase(name, 0, n, "filename") {
                field = .filename
            } else if ASCII.equalsLowercase(name, 0, n, "priority") {
                field = .priority
            } else if ASCII.equalsLowercase(name, 0, n, "provides") {
                field = .provides
            } else if ASCII.equalsLowercase(name, 0, n, "replaces") {
                field = .replaces
            } else {
                field = nil
            }
        case 9:
            if ASCII.equalsLowercase(name, 0, n, "conflicts") {
                field = .conflicts
            } else if ASCII.equalsLowercase(name, 0, n, "essential") {
                field = .essential
            } else {
                field = nil
            }
        case 10:
            if ASCII.equalsLowercase(name, 0, n, "multi-arch") {
                field = .multiArch
            } else if ASCII.equalsLowercase(name, 0, n, "recommends") {
                field = .recommends
            } else {
                field = nil
            }
        case 11: field = ASCII.equalsLowercase(name, 0, n, "pre-depends") ? .preDepends : nil
        case 12: field = ASCII.equalsLowercase(name, 0, n, "architecture") ? .architecture : nil
        case 14: field = ASCII.equalsLowercase(name, 0, n, "installed-size") ? .installedSize : nil
        default: field = nil
        }
        guard let field else { return nil }
        self = field
    }

    var name: String {
        switch self {
        case .package: "Package"
        case .version: "Version"
        case .architecture: "Architecture"
        case .multiArch: "Multi-Arch"
        case .priority: "Priority"
        case .essential: "Essential"
        case .section: "Section"
        case .installedSize: "Installed-Size"
        case .depends: "Depends"
        case .preDepends: "Pre-Depends"
        case .recommends: "Recommends"
        case .provides: "Provides"
        case .conflicts: "Conflicts"
        case .breaks: "Breaks"
        case .replaces: "Replaces"
        case .filename: "Filename"
        case .size: "Size"
        case .sha256: "SHA256"
        case .source: "Source"
        }
    }
}

/// Collects field values of one paragraph, then checks the required ones are there. Both the
/// fast byte path of `PackagesIndex` and `BinaryPackage(paragraph:)` feed it, so they cannot
/// disagree.
struct BinaryPackageBuilder {
    private var name: String?
    private var version: DebianVersion?
    private var architecture: String?
    private var multiArch = BinaryPackage.MultiArch.no
    private var priority: BinaryPackage.Priority?
    private var isEssential = false
    private var section: String?
    private var installedSize: Int?
    private var depends = RelationList()
    private var preDepends = RelationList()
    private var recommends = RelationList()
    private var provides: [Relation] = []
    private var conflicts: [Relation] = []
    private var breaks: [Relation] = []
    private var replaces: [Relation] = []
    private var filename: String?
    private var size: Int?
    private var sha256: String?
    private var sourceName: String?
    private var sourceVersion: DebianVersion?

    mutating func set(_ field: PackageField, _ value: Bytes, line: Int) throws(DebianError) {
        func invalid(_ problem: DebianError.FieldProblem) -> DebianError {
            .invalidField(field.name, value: value.string(), line: line, problem: problem)
        }
        do throws(DebianError) {
            switch field {
            case .package:
                guard Self.isPackageName(value) else { throw invalid(.invalidPackageName) }
                name = value.string()
            case .version:
                version = try DebianVersion(utf8: value)
            case .architecture:
                guard !value.isEmpty else { throw invalid(.empty) }
                architecture = value.string()
            case .multiArch:
                if ASCII.equalsLowercase(value, 0, value.count, "same") {
                    multiArch = .same
                } else if ASCII.equalsLowercase(value, 0, value.count, "foreign") {
                    multiArch = .foreign
                } else if ASCII.equalsLowercase(value, 0, value.count, "allowed") {
                    multiArch = .allowed
                } else if ASCII.equalsLowercase(value, 0, value.count, "no") {
                    multiArch = .no
                } else {
                    throw invalid(.unknownMultiArch)
                }
            case .priority:
                priority = BinaryPackage.Priority(value.string())
            case .essential:
                if ASCII.equalsLowercase(value, 0, value.count, "yes") {
                    isEssential = true
                } else if ASCII.equalsLowercase(value, 0, value.count, "no") {
                    isEssential = false
                } else {
                    throw invalid(.notYesOrNo)
                }
            case .section:
                section = value.string()
            case .installedSize:
                guard let number = Self.integer(value) else { throw invalid(.notANumber) }
                installedSize = number
            case .depends:
                depends = RelationList(try RelationParser.parseList(value, allowsAlternatives: true))
            case .preDepends:
                preDepends = RelationList(try RelationParser.parseList(value, allowsAlternatives: true))
            case .recommends:
                recommends = RelationList(try RelationParser.parseList(value, allowsAlternatives: true))
            case .provides:
                provides = try RelationParser.parseFlatList(value, exactVersionsOnly: true)
            case .conflicts:
                conflicts = try RelationParser.parseFlatList(value, exactVersionsOnly: false)
            case .breaks:
                breaks = try RelationParser.parseFlatList(value, exactVersionsOnly: false)
            case .replaces:
                replaces = try RelationParser.parseFlatList(value, exactVersionsOnly: false)
            case .filename:
                guard !value.isEmpty else { throw invalid(.empty) }
                filename = value.string()
            case .size:
                guard let number = Self.integer(value) else { throw invalid(.notANumber) }
                size = number
            case .sha256:
                guard let digest = Self.sha256(value) else { throw invalid(.notASHA256) }
                sha256 = digest
            case .source:
                try setSource(value, invalid: invalid)
            }
        } catch {
            switch error {
            case .invalidVersion, .invalidRelation:
                throw .inField(field.name, line: line, cause: error)
            default:
                throw error
            }
        }
    }

    /// `Source: name` or `Source: name (version)`, the latter when the binary's version
    /// differs from its source's (binNMUs, or a different version scheme).
    private mutating func setSource(
        _ value: Bytes, invalid: (DebianError.FieldProblem) -> DebianError
    ) throws(DebianError) {
        var nameEnd = 0
        while nameEnd < value.count, !ASCII.isWhitespace(value[nameEnd]), value[nameEnd] != ASCII.openParen {
            nameEnd += 1
        }
        let name = value.slice(0, nameEnd)
        guard Self.isPackageName(name) else { throw invalid(.invalidPackageName) }
        sourceName = name.string()
        var rest = nameEnd
        while rest < value.count, ASCII.isWhitespace(value[rest]) { rest += 1 }
        guard rest < value.count else { return }
        guard value[rest] == ASCII.openParen, value[value.count - 1] == ASCII.closeParen else {
            throw invalid(.invalidPackageName)
        }
        sourceVersion = try DebianVersion(utf8: value.slice(rest + 1, value.count - 1))
    }

    func build(paragraphLine: Int) throws(DebianError) -> BinaryPackage {
        guard let name else { throw DebianError.missingField("Package", line: paragraphLine) }
        guard let version else { throw DebianError.missingField("Version", line: paragraphLine) }
        guard let architecture else { throw DebianError.missingField("Architecture", line: paragraphLine) }
        guard let filename else { throw DebianError.missingField("Filename", line: paragraphLine) }
        guard let size else { throw DebianError.missingField("Size", line: paragraphLine) }
        guard let sha256 else { throw DebianError.missingField("SHA256", line: paragraphLine) }
        return BinaryPackage(
            name: name, version: version, architecture: architecture, multiArch: multiArch,
            priority: priority, isEssential: isEssential, section: section, installedSize: installedSize,
            depends: depends, preDepends: preDepends, recommends: recommends, provides: provides,
            conflicts: conflicts, breaks: breaks, replaces: replaces, filename: filename, size: size,
            sha256: sha256, sourceName: sourceName, sourceVersion: sourceVersion)
    }

    static func isPackageName(_ value: Bytes) -> Bool {
        guard let first = value.first, ASCII.isAlphanumeric(first) else { return false }
        return value.allSatisfy {
            ASCII.isAlphanumeric($0) || $0 == ASCII.hyphen || $0 == ASCII.plus || $0 == ASCII.dot
                || $0 == ASCII.underscore
        }
    }

    /// A decimal integer small enough for `Int` on every platform den runs on.
    static func integer(_ value: Bytes) -> Int? {
        guard !value.isEmpty, value.count <= 18 else { return nil }
        var number = 0
        for c in value {
            guard ASCII.isDigit(c) else { return nil }
            number = number * 10 + Int(c - ASCII.zero)
        }
        return number
    }

    static func sha256(_ value: Bytes) -> String? {
        guard value.count == 64, value.allSatisfy(ASCII.isHexDigit) else { return nil }
        if value.contains(where: { $0 &- 0x41 < 26 }) {
            return String(decoding: value.map(ASCII.lowercased), as: UTF8.self)
        }
        return value.string()
    }
}
