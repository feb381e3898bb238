import DenOCI
import DenTOML

extension Manifest {
    /// Parses a manifest strictly: every key must be known and every value of the right type,
    /// and each error points at the exact line and column.
    ///
    /// - Parameters:
    ///   - file: the manifest's path, used in errors.
    ///   - projectDirectory: the directory that holds it; relative paths resolve against it
    ///     and `name` defaults to its last component.
    ///   - homeDirectory: what `~` in mount sources expands to.
    public static func parse(
        _ text: String, file: String, projectDirectory: String, homeDirectory: String
    ) throws(ManifestError) -> Manifest {
        let reader = ManifestReader(text: text, file: file)
        let root: TOMLTable
        do {
            root = try TOML.parse(text)
        } catch {
            throw reader.error(.syntax(error.message), at: error.position, length: 1)
        }
        return try reader.manifest(from: root, projectDirectory: projectDirectory, homeDirectory: homeDirectory)
    }

    /// The name den gives a project whose manifest sets none: its directory's name, made valid.
    public static func defaultName(forDirectory directory: String) -> String {
        var name = String(Path.lastComponent(directory).lowercased().map { c -> Character in
            c.isASCII && (c.isLetter || c.isNumber || c == "." || c == "_" || c == "-") ? c : "-"
        })
        while let first = name.first, !(first.isLetter || first.isNumber) { name.removeFirst() }
        name = String(name.prefix(63))
        return name.isEmpty ? "env" : name
    }

    public static func isValidName(_ name: String) -> Bool {
        guard let first = name.utf8.first, name.utf8.count <= 63 else { return false }
        func isAlnum(_ c: UInt8) -> Bool {
            (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9"))
        }
        return isAlnum(first) && name.utf8.allSatisfy {
            isAlnum($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-")
        }
    }
}

/// The schema: the keys each table accepts, what type each wants and an example of the right
/// form (shown as the fix when the type is wrong).
private enum Schema {
    struct Key {
        var name: String
        var expected: String
        var example: String
        /// `mount.source`: the key as errors name it.
        var path: String

        init(name: String, table: String? = nil, expected: String, example: String) {
            self.name = name
            self.expected = expected
            self.example = example
            self.path = table.map { "\($0).\(name)" } ?? name
        }
    }

    static let topLevel: [Key] = [
        Key(name: "name", expected: "a string", example: #"name = "myapp""#),
        Key(name: "base", expected: "a string", example: #"base = "debian:bookworm""#),
        Key(name: "packages", expected: "an array of strings", example: #"packages = ["git"]"#),
        Key(name: "recommends", expected: "a boolean", example: "recommends = true"),
        Key(name: "shell", expected: "a string", example: #"shell = "/bin/bash""#),
        Key(name: "network", expected: "a string", example: #"network = "none""#),
        Key(name: "mirror", expected: "a string", example: #"mirror = "http://mirror.example.org/debian""#),
        Key(name: "keyring", expected: "a string", example: #"keyring = "keys/archive.gpg""#),
        Key(name: "vars", expected: "a table", example: "[vars]\n       EDITOR = \"vim\""),
        Key(name: "mount", expected: "an array of tables", example: "[[mount]]\n       source = \"~/data\""),
        Key(name: "limits", expected: "a table", example: "[limits]\n       memory = \"2G\""),
        Key(name: "ssh-agent", expected: "a boolean", example: "ssh-agent = false"),
        Key(name: "cache", expected: "a string", example: #"cache = "registry.example.org/team/envs""#),
    ]
    static let mount: [Key] = [
        Key(name: "source", table: "mount", expected: "a string", example: #"source = "~/data""#),
        Key(name: "target", table: "mount", expected: "a string", example: #"target = "/data""#),
        Key(name: "readonly", table: "mount", expected: "a boolean", example: "readonly = false"),
    ]
    static let limits: [Key] = [
        Key(name: "memory", table: "limits", expected: "a string or an integer", example: #"memory = "2G""#),
        Key(name: "cpus", table: "limits", expected: "a number", example: "cpus = 1.5"),
        Key(name: "pids", table: "limits", expected: "an integer", example: "pids = 512"),
    ]

    static let baseForms = #"base = "debian:bookworm", an image such as base = "node:22-bookworm", or base = "dir:/path/to/rootfs""#
}

/// Walks the parsed TOML and turns each problem into a positioned `ManifestError`.
private struct ManifestReader {
    let file: String
    let lines: [Substring]

    init(text: String, file: String) {
        self.file = file
        self.lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    }

    func manifest(from root: TOMLTable, projectDirectory: String, homeDirectory: String) throws(ManifestError) -> Manifest {
        try rejectUnknownKeys(in: root, schema: Schema.topLevel, tableName: nil)

        let name: String
        if let entry = root["name"] {
            name = try string(entry, key: Schema.topLevel[0])
            guard Manifest.isValidName(name) else {
                throw error(.invalidValue(key: "name", reason: "'\(name)' is not a valid env name"), at: entry.node.position,
                            hint: "use lowercase letters, digits, '.', '_' and '-', starting with a letter or digit (at most 63)")
            }
        } else {
            name = Manifest.defaultName(forDirectory: projectDirectory)
        }

        guard let baseEntry = root["base"] else {
            throw ManifestError(.missingKey("base"), file: file, hint: "add a base, e.g. \(Schema.baseForms)")
        }
        let baseText = try string(baseEntry, key: Schema.topLevel[1])
        let base: BaseReference
        do {
            base = try BaseReference(parsing: baseText)
        } catch {
            throw self.error(.invalidValue(key: "base", reason: error.description), at: baseEntry.node.position,
                             hint: "write \(Schema.baseForms)")
        }

        var packages: [PackageRequest] = []
        if let entry = root["packages"] {
            for node in try array(entry, key: Schema.topLevel[2]) {
                guard case .string(let text) = node.value else {
                    throw error(.wrongType(key: "packages", expected: "an array of strings", found: "an array containing \(article(node.value.typeName))"),
                                at: node.position, hint: "quote each package name, e.g. packages = [\"git\", \"make\"]")
                }
                packages.append(try packageRequest(text, at: node.position))
            }
        }

        let recommends = try root["recommends"].map { e throws(ManifestError) in try boolean(e, key: Schema.topLevel[3]) } ?? false

        var shell: String?
        if let entry = root["shell"] {
            let text = try string(entry, key: Schema.topLevel[4])
            guard !text.isEmpty, !text.contains(where: { $0 == " " || $0 == "\t" }) || text.hasPrefix("/") else {
                throw error(.invalidValue(key: "shell", reason: "'\(text)' is not a program path or name"), at: entry.node.position,
                            hint: "name one program, e.g. shell = \"/bin/zsh\"; put options in the shell's rc file")
            }
            shell = text
        }

        var network = NetworkMode.host
        if let entry = root["network"] {
            let text = try string(entry, key: Schema.topLevel[5])
            guard let mode = NetworkMode(rawValue: text) else {
                throw error(.invalidValue(key: "network", reason: "'\(text)' is not a network mode"), at: entry.node.position,
                            hint: "use network = \"host\" (the default) or network = \"none\"")
            }
            network = mode
        }

        var mirror: String?
        if let entry = root["mirror"] {
            let text = try string(entry, key: Schema.topLevel[6])
            let schemes = ["http://", "https://", "file:///"]
            guard let scheme = schemes.first(where: { text.hasPrefix($0) }), text.count > scheme.count,
                  !text.contains(where: { $0 == " " || $0 == "\t" })
            else {
                throw error(.invalidValue(key: "mirror", reason: "'\(text)' is not an http, https or file URL"), at: entry.node.position,
                            hint: "write the archive's root URL, e.g. \(Schema.topLevel[6].example)")
            }
            mirror = text
        }

        let keyring = try root["keyring"].map { e throws(ManifestError) in
            Path.resolve(try string(e, key: Schema.topLevel[7]), against: projectDirectory)
        }

        var variables: [EnvironmentVariable] = []
        if let entry = root["vars"] {
            for variable in try table(entry, key: Schema.topLevel[8]).entries {
                variables.append(try environmentVariable(variable))
            }
        }

        var mounts: [Mount] = []
        if let entry = root["mount"] {
            for node in try arrayOfTables(entry, key: Schema.topLevel[9]) {
                guard case .table(let table) = node.value else { continue }
                mounts.append(try mount(table, at: node.position, projectDirectory: projectDirectory, homeDirectory: homeDirectory))
            }
        }

        var limits = Limits()
        if let entry = root["limits"] {
            limits = try self.limits(try table(entry, key: Schema.topLevel[10]))
        }

        var manifest = Manifest(
            name: name, base: base, packages: packages, installsRecommends: recommends, shell: shell, network: network,
            mirror: mirror, keyring: keyring, variables: variables, mounts: mounts, limits: limits)
        if let entry = root["ssh-agent"] {
            manifest.forwardsSSHAgent = try boolean(entry, key: Schema.topLevel[11])
        }
        if let entry = root["cache"] {
            let text = try string(entry, key: Schema.topLevel[12])
            guard let reference = try? ImageReference(parsing: text), reference.isFullyQualified, reference.tag == nil,
                  reference.digest == nil
            else {
                throw error(.invalidValue(key: "cache", reason: "'\(text)' is not REGISTRY/REPOSITORY"), at: entry.node.position,
                            hint: "name a repository with its registry and no tag, e.g. \(Schema.topLevel[12].example)")
            }
            manifest.cache = reference
        }
        return manifest
    }

    // MARK: Tables

    private func packageRequest(_ text: String, at position: TOMLPosition) throws(ManifestError) -> PackageRequest {
        let parts = text.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        let name = String(parts[0])
        let version = parts.count == 2 ? String(parts[1]) : nil
        // Debian policy: lowercase letters, digits, '+', '-', '.'; at least two, starting alphanumeric.
        let isValidName = name.utf8.count >= 2 && name.utf8.allSatisfy { c in
            (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9"))
                || c == UInt8(ascii: "+") || c == UInt8(ascii: "-") || c == UInt8(ascii: ".")
        } && (name.first?.isLetter == true || name.first?.isNumber == true)
        guard isValidName else {
            throw error(.invalidValue(key: "packages", reason: "'\(text)' is not a Debian package name"), at: position,
                        hint: "package names use lowercase letters, digits, '+', '-' and '.'; pin a version as \"name=VERSION\"")
        }
        if let version {
            guard !version.isEmpty, version.first?.isNumber == true,
                  version.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || ".+-~:".contains($0)) })
            else {
                throw error(.invalidValue(key: "packages", reason: "'\(version)' is not a Debian version"), at: position,
                            hint: "write \"\(name)=VERSION\" with the exact version `apt-cache policy \(name)` shows, or drop the pin")
            }
        }
        return PackageRequest(name: name, version: version)
    }

    private func environmentVariable(_ entry: TOMLTable.Entry) throws(ManifestError) -> EnvironmentVariable {
        let name = entry.key
        let isValidName = !name.isEmpty && name.first?.isNumber == false
            && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
        guard isValidName else {
            throw error(.invalidValue(key: "vars", reason: "'\(name)' is not an environment variable name"), at: entry.keyPosition,
                        hint: "use letters, digits and '_', not starting with a digit")
        }
        guard name != "DEN_ENV" else {
            throw error(.invalidValue(key: "vars", reason: "'DEN_ENV' is set by den to the env's name"), at: entry.keyPosition,
                        hint: "choose another name")
        }
        let value: String
        switch entry.node.value {
        case .string(let text): value = text
        case .integer(let number): value = String(number)
        case .float(let number): value = String(number)
        case .boolean(let flag): value = flag ? "true" : "false"
        default:
            throw error(.wrongType(key: "vars.\(name)", expected: "a string, number or boolean", found: article(entry.node.value.typeName)),
                        at: entry.node.position, hint: "environment values are text, e.g. \(name) = \"value\"")
        }
        guard !value.contains("\0") else {
            throw error(.invalidValue(key: "vars.\(name)", reason: "the value contains a NUL character"), at: entry.node.position, hint: nil)
        }
        return EnvironmentVariable(name: name, value: value)
    }

    private func mount(
        _ table: TOMLTable, at position: TOMLPosition, projectDirectory: String, homeDirectory: String
    ) throws(ManifestError) -> Mount {
        try rejectUnknownKeys(in: table, schema: Schema.mount, tableName: "mount")
        guard let sourceEntry = table["source"] else {
            throw error(.missingKey("mount.source"), at: position, hint: "give each [[mount]] a host path: \(Schema.mount[0].example)")
        }
        let sourceText = try string(sourceEntry, key: Schema.mount[0])
        guard !sourceText.isEmpty else {
            throw error(.invalidValue(key: "mount.source", reason: "the path is empty"), at: sourceEntry.node.position, hint: Schema.mount[0].example)
        }
        let source: String
        if sourceText == "~" {
            source = Path.normalize(homeDirectory)
        } else if sourceText.hasPrefix("~/") {
            source = Path.resolve(String(sourceText.dropFirst(2)), against: homeDirectory)
        } else if sourceText.hasPrefix("~") {
            throw error(.invalidValue(key: "mount.source", reason: "'\(sourceText)': only your own home can be written as '~'"),
                        at: sourceEntry.node.position, hint: "write the absolute path")
        } else {
            source = Path.resolve(sourceText, against: projectDirectory)
        }

        var target = source
        if let targetEntry = table["target"] {
            let text = try string(targetEntry, key: Schema.mount[1])
            guard text.hasPrefix("/") else {
                throw error(.invalidValue(key: "mount.target", reason: "'\(text)' is not an absolute path"), at: targetEntry.node.position,
                            hint: "targets are paths inside the env, e.g. \(Schema.mount[1].example)")
            }
            guard !Path.components(text).contains("..") else {
                throw error(.invalidValue(key: "mount.target", reason: "'\(text)' contains '..'"), at: targetEntry.node.position,
                            hint: "write the target without '..'")
            }
            target = Path.normalize(text)
        }
        let reserved = ["/proc", "/dev", "/sys"]
        if target == "/" || reserved.contains(where: { Path.isWithin(target, $0) }) {
            let at = table["target"]?.node.position ?? sourceEntry.node.position
            throw error(.invalidValue(key: "mount.target", reason: "'\(target)' is reserved for the env's own system mounts"), at: at,
                        hint: "mount somewhere else, e.g. \(Schema.mount[1].example)")
        }
        let isReadOnly = try table["readonly"].map { e throws(ManifestError) in try boolean(e, key: Schema.mount[2]) } ?? true
        return Mount(source: source, target: target, isReadOnly: isReadOnly)
    }

    private func limits(_ table: TOMLTable) throws(ManifestError) -> Limits {
        try rejectUnknownKeys(in: table, schema: Schema.limits, tableName: "limits")
        var limits = Limits()
        if let entry = table["memory"] {
            let bytes: UInt64?
            switch entry.node.value {
            case .string(let text): bytes = ByteSize.parse(text)
            case .integer(let number): bytes = number >= 0 ? UInt64(number) : nil
            default: throw wrongType(entry, key: Schema.limits[0])
            }
            guard let bytes, bytes >= 1 << 20 else {
                throw error(.invalidValue(key: "limits.memory", reason: "\(describe(entry.node.value)) is not a memory size of at least 1M"),
                            at: entry.node.position, hint: "write a size with a unit, e.g. memory = \"512M\" or memory = \"2G\"")
            }
            limits.memoryBytes = bytes
        }
        if let entry = table["cpus"] {
            let cpus: Double
            switch entry.node.value {
            case .integer(let number): cpus = Double(number)
            case .float(let number): cpus = number
            default: throw wrongType(entry, key: Schema.limits[1])
            }
            guard cpus.isFinite, cpus > 0, cpus <= 4096 else {
                throw error(.invalidValue(key: "limits.cpus", reason: "\(describe(entry.node.value)) is not a positive number of CPUs"),
                            at: entry.node.position, hint: Schema.limits[1].example)
            }
            limits.cpus = cpus
        }
        if let entry = table["pids"] {
            guard case .integer(let number) = entry.node.value else {
                throw wrongType(entry, key: Schema.limits[2])
            }
            guard number >= 1, number <= Int64(Int32.max) else {
                throw error(.invalidValue(key: "limits.pids", reason: "\(number) is not a positive number of processes"),
                            at: entry.node.position, hint: Schema.limits[2].example)
            }
            limits.pids = Int(number)
        }
        return limits
    }

    // MARK: Typed access

    private func rejectUnknownKeys(in table: TOMLTable, schema: [Schema.Key], tableName: String?) throws(ManifestError) {
        let known = schema.map(\.name)
        for entry in table.entries where !known.contains(entry.key) {
            let suggestion = Suggestion.nearest(to: entry.key, among: known)
            let hint = suggestion.map { "did you mean '\($0)'?" }
                ?? "valid keys \(tableName.map { "in [\($0)] " } ?? "")are \(known.map { "'\($0)'" }.joined(separator: ", "))"
            throw error(.unknownKey(entry.key, table: tableName, suggestion: suggestion), at: entry.keyPosition, hint: hint)
        }
    }

    private func string(_ entry: TOMLTable.Entry, key: Schema.Key) throws(ManifestError) -> String {
        guard case .string(let text) = entry.node.value else { throw wrongType(entry, key: key) }
        return text
    }

    private func boolean(_ entry: TOMLTable.Entry, key: Schema.Key) throws(ManifestError) -> Bool {
        guard case .boolean(let flag) = entry.node.value else { throw wrongType(entry, key: key) }
        return flag
    }

    private func array(_ entry: TOMLTable.Entry, key: Schema.Key) throws(ManifestError) -> [TOMLNode] {
        guard case .array(let nodes) = entry.node.value else { throw wrongType(entry, key: key) }
        return nodes
    }

    private func table(_ entry: TOMLTable.Entry, key: Schema.Key) throws(ManifestError) -> TOMLTable {
        guard case .table(let table) = entry.node.value else { throw wrongType(entry, key: key) }
        return table
    }

    private func arrayOfTables(_ entry: TOMLTable.Entry, key: Schema.Key) throws(ManifestError) -> [TOMLNode] {
        let nodes = try array(entry, key: key)
        for node in nodes {
            guard case .table = node.value else {
                throw error(.wrongType(key: key.path, expected: key.expected, found: "an array containing \(article(node.value.typeName))"),
                            at: node.position, hint: "write each entry as a table:\n       \(key.example)")
            }
        }
        return nodes
    }

    private func wrongType(_ entry: TOMLTable.Entry, key: Schema.Key) -> ManifestError {
        let path = key.path
        var hint = "write it as \(key.expected), e.g. \(key.example)"
        if key.expected == "an array of strings", case .string(let text) = entry.node.value {
            hint = "write it as a list, e.g. \(path) = [\"\(text)\"]"
        } else if key.expected == "an array of strings" {
            hint = "write it as a list, e.g. \(key.example)"
        }
        return error(.wrongType(key: path, expected: key.expected, found: article(entry.node.value.typeName)),
                     at: entry.node.position, hint: hint)
    }

    // MARK: Positions

    func error(_ problem: ManifestError.Problem, at position: TOMLPosition, length: Int? = nil, hint: String? = nil) -> ManifestError {
        let lineIndex = position.line - 1
        var text = lines.indices.contains(lineIndex) ? String(lines[lineIndex]) : ""
        if text.hasSuffix("\r") { text.removeLast() }
        let span = length ?? Self.tokenLength(in: text, atColumn: position.column)
        return ManifestError(
            problem, file: file, location: SourceLocation(line: position.line, column: position.column, length: span, lineText: text),
            hint: hint)
    }

    /// The width of the token starting at `column` (1-based, in Unicode scalars), for the
    /// caret underline: a quoted string to its closing quote, a bracketed value to its closing
    /// bracket on the same line, anything else up to a separator.
    static func tokenLength(in line: String, atColumn column: Int) -> Int {
        let scalars = Array(line.unicodeScalars)
        let start = column - 1
        guard scalars.indices.contains(start) else { return 1 }
        let first = scalars[start]
        var end = start + 1
        switch first {
        case "\"", "'":
            while end < scalars.count {
                if scalars[end] == "\\", first == "\"" { end += 2; continue }
                if scalars[end] == first { end += 1; break }
                end += 1
            }
        case "[", "{":
            let close: Unicode.Scalar = first == "[" ? "]" : "}"
            var depth = 1
            var quote: Unicode.Scalar?
            while end < scalars.count, depth > 0 {
                let c = scalars[end]
                if let q = quote {
                    if c == "\\", q == "\"" { end += 1 } else if c == q { quote = nil }
                } else if c == "\"" || c == "'" {
                    quote = c
                } else if c == "#" {
                    break
                } else if c == first {
                    depth += 1
                } else if c == close {
                    depth -= 1
                }
                end += 1
            }
        default:
            let separators: Set<Unicode.Scalar> = [" ", "\t", "=", ",", "]", "}", "#", "."]
            while end < scalars.count, !separators.contains(scalars[end]) { end += 1 }
        }
        // Trailing spaces of an unterminated bracket run are not part of the token.
        while end > start + 1, end <= scalars.count, scalars[end - 1] == " " || scalars[end - 1] == "\t" { end -= 1 }
        return min(end, scalars.count) - start
    }

    private func describe(_ value: TOMLValue) -> String {
        switch value {
        case .string(let text): "'\(text)'"
        case .integer(let number): String(number)
        case .float(let number): String(number)
        default: value.typeName
        }
    }
}

/// "an integer", "a string": the article for a TOML type name in a sentence.
private func article(_ typeName: String) -> String {
    let first = typeName.first.map { "aeiou".contains($0) } ?? false
    return (first ? "an " : "a ") + typeName
}
