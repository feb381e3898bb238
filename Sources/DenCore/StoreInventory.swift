import DenSandbox
import DenTOML
#if canImport(Glibc)
import Glibc
#endif

/// An env as its env.toml describes it.
public struct EnvironmentRecord: Sendable, Equatable {
    public var id: String
    public var name: String
    public var project: String
    public var base: String
    public var idMapping: String
    /// Digests of the store layers it stands on, top first.
    public var layers: [String]
    /// When it was last entered (env.toml's modification time), seconds since 1970.
    public var lastUsed: Int64
    public var directory: String

    /// Reads `<directory>/env.toml`; nil when it is missing or unreadable.
    public static func read(directory: String) -> EnvironmentRecord? {
        let path = "\(directory)/env.toml"
        var info = stat()
        guard stat(path, &info) == 0, let text = (try? FileSystem.readText(path)) ?? nil,
              let table = try? TOML.parse(text) else { return nil }
        func string(_ key: String) -> String {
            if case .string(let value) = table[key]?.node.value { value } else { "" }
        }
        return EnvironmentRecord(
            id: Path.lastComponent(directory), name: string("name"), project: string("project"), base: string("base"),
            idMapping: string("id-mapping"), layers: strings(table["layers"]), lastUsed: Int64(info.st_mtim.tv_sec),
            directory: directory)
    }

    static func strings(_ entry: TOMLTable.Entry?) -> [String] {
        guard case .array(let nodes) = entry?.node.value else { return [] }
        return nodes.compactMap { if case .string(let value) = $0.value { value } else { nil } }
    }
}

/// What a store holds: its envs and its layers, and which env uses which layer.
public struct StoreInventory: Sendable {
    public struct Layer: Sendable, Equatable {
        public var digest: String
        public var kind: String
        public var directory: String
        /// Ids of the envs that stand on it.
        public var usedBy: [String]
    }

    public var environments: [EnvironmentRecord]
    public var layers: [Layer]
    /// Ids of the envs running now.
    public var running: Set<String>

    public enum LookupError: Error, Sendable, Equatable {
        case none(String)
        case ambiguous(String, [EnvironmentRecord])
    }

    /// The env named `name` (its manifest's name, or its id when several share a name).
    public func environment(named name: String) throws(LookupError) -> EnvironmentRecord {
        let matches = environments.filter { $0.name == name || $0.id == name }
        guard let first = matches.first else { throw .none(name) }
        guard matches.count == 1 else { throw .ambiguous(name, matches) }
        return first
    }

    public static func read(store: Store) -> StoreInventory {
        let environmentNames = ((try? FileSystem.directoryEntries(store.environmentsDirectory)) ?? []).sorted()
        let environments = environmentNames.compactMap { EnvironmentRecord.read(directory: store.environmentDirectory(id: $0)) }
        let layerStore = LayerStore(store: store)
        let digests = ((try? FileSystem.directoryEntries(layerStore.directory)) ?? []).filter(LayerStore.isDigest).sorted()
        let layers = digests.map { digest -> Layer in
            let kind: String = if case .string(let value) = layerStore.metadata(of: digest)?["kind"]?.node.value { value } else { "layer" }
            return Layer(digest: digest, kind: kind, directory: layerStore.path(of: digest),
                         usedBy: environments.filter { $0.layers.contains(digest) }.map(\.id))
        }
        return StoreInventory(environments: environments, layers: layers,
                              running: Set(RunningEnvironment.list(store: store).map(\.id)))
    }
}

/// Disk space of trees, counted from inside the user namespace (the env's root makes
/// directories the user cannot read from outside): allocated blocks, each inode once, without
/// following symlinks or crossing into another filesystem.
public enum DiskUsage {
    /// `den --internal-usage PATH…` prints one `BYTES PATH` line a path (see `InternalHelper`).
    static let helperFlag = "--internal-usage"

    public static func measure(_ paths: [String], identity: SandboxSpec.Identity, scratch: String) throws -> [String: Int64] {
        guard !paths.isEmpty else { return [:] }
        let output = try InternalHelper.capture([helperFlag] + paths, identity: identity, scratch: scratch).output
        var result: [String: Int64] = [:]
        for line in output.split(separator: "\n") {
            guard let space = line.firstIndex(of: " "), let bytes = Int64(line[..<space]) else { continue }
            result[String(line[line.index(after: space)...])] = bytes
        }
        return result
    }

    /// The walk itself (inside the helper).
    static func bytes(of path: String) -> Int64 {
        var info = stat()
        guard lstat(path, &info) == 0 else { return 0 }
        var seen = Set<UInt64>()
        return walk(path, info, device: info.st_dev, seen: &seen)
    }

    private static func walk(_ path: String, _ info: stat, device: dev_t, seen: inout Set<UInt64>) -> Int64 {
        if info.st_nlink > 1, (info.st_mode & S_IFMT) != S_IFDIR, !seen.insert(UInt64(info.st_ino)).inserted { return 0 }
        var total = Int64(info.st_blocks) * 512
        guard (info.st_mode & S_IFMT) == S_IFDIR, info.st_dev == device,
              let names = try? FileSystem.directoryEntries(path) else { return total }
        for name in names {
            var child = stat()
            let childPath = "\(path)/\(name)"
            guard lstat(childPath, &child) == 0 else { continue }
            total += walk(childPath, child, device: device, seen: &seen)
        }
        return total
    }
}
