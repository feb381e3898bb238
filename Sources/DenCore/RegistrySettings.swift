import DenOCI
import DenTOML
#if canImport(Glibc)
import Glibc
#endif

/// Which registry an image reference means and how den talks to it. As with the Debian
/// mirror, no registry is named in den's code: a short name (`node:22`) is resolved by the
/// host's containers configuration, which podman and skopeo share (containers-registries.conf(5)):
/// its `[aliases]` first, then its first `unqualified-search-registries` entry, or `DEN_REGISTRY`.
public struct RegistrySettings: Sendable, Equatable {
    public static let registryVariable = "DEN_REGISTRY"
    public static let insecureVariable = "DEN_INSECURE_REGISTRIES"

    /// Where short names go when no alias names them.
    public var defaultRegistry: String?
    /// Short name (`node`) to full reference without tag (`REGISTRY/library/node`).
    public var aliases: [String: String]
    /// Registries spoken to over plain http (loopback ones always are).
    public var insecure: Set<String>
    /// `[[registry]] prefix = P, location = L`: a reference under P is fetched from L instead
    /// (a mirror, or the host a registry's API really answers at). Longest prefix first.
    public var locations: [Location] = []

    public struct Location: Sendable, Equatable {
        public var prefix: String
        public var location: String
    }
    /// The files the settings came from, for messages.
    public var files: [String]

    public init(defaultRegistry: String? = nil, aliases: [String: String] = [:], insecure: Set<String> = [], files: [String] = []) {
        self.defaultRegistry = defaultRegistry
        self.aliases = aliases
        self.insecure = insecure
        self.files = files
    }

    /// The user's `registries.conf` replaces the system one, as in podman; the `.conf` files of
    /// the matching `registries.conf.d` are read after it, in name order, later ones winning.
    public static func load(environment: [String: String], home: String, systemDirectory: String = "/etc/containers") -> RegistrySettings {
        let userDirectory = "\(environment["XDG_CONFIG_HOME"] ?? "\(home)/.config")/containers"
        let main = FileSystem.isRegularFile("\(userDirectory)/registries.conf")
            ? "\(userDirectory)/registries.conf" : "\(systemDirectory)/registries.conf"
        var files = [main].filter(FileSystem.isRegularFile)
        for directory in ["\(systemDirectory)/registries.conf.d", "\(userDirectory)/registries.conf.d"] {
            let names = ((try? FileSystem.directoryEntries(directory)) ?? []).filter { $0.hasSuffix(".conf") }.sorted()
            files += names.map { "\(directory)/\($0)" }.filter(FileSystem.isRegularFile)
        }
        var settings = RegistrySettings(files: files)
        for file in files {
            guard let text = (try? FileSystem.readText(file)) ?? nil, let table = try? TOML.parse(text) else { continue }
            settings.merge(table)
        }
        if let value = environment[registryVariable]?.trimmingSpaces(), !value.isEmpty {
            settings.defaultRegistry = value
        }
        for name in (environment[insecureVariable] ?? "").split(separator: ",") {
            let trimmed = name.trimmingSpaces()
            if !trimmed.isEmpty { settings.insecure.insert(trimmed) }
        }
        return settings
    }

    /// One registries.conf, version 2 (`unqualified-search-registries`, `[[registry]]`,
    /// `[aliases]`) or version 1 (`[registries.search]`, `[registries.insecure]`).
    mutating func merge(_ table: TOMLTable) {
        func strings(_ node: TOMLNode?) -> [String] {
            guard case .array(let items)? = node?.value else { return [] }
            return items.compactMap { if case .string(let text) = $0.value { text } else { nil } }
        }
        if let search = strings(table["unqualified-search-registries"]?.node).first {
            defaultRegistry = search
        }
        if case .table(let aliasTable)? = table["aliases"]?.node.value {
            for key in aliasTable.keys {
                if case .string(let target)? = aliasTable[key]?.node.value { aliases[key] = target }
            }
        }
        if case .array(let registries)? = table["registry"]?.node.value {
            for node in registries {
                guard case .table(let registry) = node.value else { continue }
                let location: String? = if case .string(let text)? = registry["location"]?.node.value, !text.isEmpty { text } else { nil }
                let prefix: String? = if case .string(let text)? = registry["prefix"]?.node.value, !text.isEmpty { text } else { nil }
                if case .boolean(true)? = registry["insecure"]?.node.value {
                    for name in [location, prefix].compactMap({ $0 }) { insecure.insert(name) }
                }
                if let prefix, let location, prefix != location {
                    locations.removeAll { $0.prefix == prefix }
                    locations.append(Location(prefix: prefix, location: location))
                }
            }
            locations.sort { $0.prefix.count > $1.prefix.count }
        }
        if case .table(let version1)? = table["registries"]?.node.value {
            if case .table(let search)? = version1["search"]?.node.value, let first = strings(search["registries"]?.node).first {
                defaultRegistry = first
            }
            if case .table(let list)? = version1["insecure"]?.node.value {
                insecure.formUnion(strings(list["registries"]?.node))
            }
        }
    }

    /// Where `reference` (fully qualified) is fetched from: its own registry, or the location
    /// a `[[registry]]` entry gives its prefix. What the lock records stays `reference`.
    public func endpoint(for reference: ImageReference) -> ImageReference {
        guard let registry = reference.registry else { return reference }
        let name = "\(registry)/\(reference.repository)"
        for entry in locations where name == entry.prefix || name.hasPrefix(entry.prefix.hasSuffix("/") ? entry.prefix : "\(entry.prefix)/") {
            let remapped = entry.location + name.dropFirst(entry.prefix.count)
            guard let parsed = try? ImageReference(parsing: remapped), parsed.isFullyQualified else { continue }
            return ImageReference(registry: parsed.registry, repository: parsed.repository, tag: reference.tag, digest: reference.digest)
        }
        return reference
    }

    /// `reference` with its registry: as written, through an alias, or on the default registry.
    /// A one-component name on the default registry gets `library/`, Docker's rule for its
    /// official images (`node` is `library/node`).
    public func qualify(_ reference: ImageReference) throws(ImageError) -> ImageReference {
        if reference.isFullyQualified { return reference }
        if let alias = aliases[reference.repository], let target = try? ImageReference(parsing: alias), target.isFullyQualified {
            return ImageReference(registry: target.registry, repository: target.repository,
                                  tag: reference.tag ?? (reference.digest == nil ? target.tag : nil), digest: reference.digest ?? target.digest)
        }
        guard let registry = defaultRegistry else { throw .noRegistry(reference: reference.description) }
        let repository = reference.repository.contains("/") ? reference.repository : "library/\(reference.repository)"
        return ImageReference(registry: registry, repository: repository, tag: reference.tag, digest: reference.digest)
    }
}
