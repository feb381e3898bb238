import DenSandbox
import DenTOML
#if canImport(Glibc)
import Glibc
#endif

/// A project's env: its place in the store (writable layer, metadata) and how to enter it.
public struct Environment: Sendable {
    public var id: String
    public var project: Project
    public var manifest: Manifest
    public var directory: String
    /// Where the running env's session socket and lock live (`Store.runtimeDirectory`).
    public var runtimeDirectory: String
    public var idMapping: IDMapping
    /// Read-only layers, top first.
    public var layers: [String]
    /// One-line notes for the user (e.g. the single-id fallback); the core never prints.
    public var notices: [String]
    /// An image base's `Env` (PATH, LANG, the versions it installed), in order: below den.toml's
    /// `[vars]`, above den's defaults.
    public var imageVariables: [(name: String, value: String)] = []
    /// The env's cgroup (see `Cgroups.prepare`), when it has one.
    public var cgroup: String?

    public var upperDirectory: String { "\(directory)/upper" }
    public var workDirectory: String { "\(directory)/work" }
    public var mountpoint: String { "\(directory)/root" }
    public var metadataPath: String { "\(directory)/env.toml" }

    /// `name-XXXXXXXX`: the manifest's name plus a hash of the project's path, so two
    /// projects that are both called "app" get two envs.
    public static func id(name: String, projectDirectory: String) -> String {
        "\(name)-\(StableHash.hex(projectDirectory))"
    }

    /// The lock a den holds while it starts the env, until the env runs; `den rm`, `den reset`
    /// and `den gc` hold it too (`Store.whileStopped`).
    static func startLock(in runtimeDirectory: String, id: String) -> String {
        "\(runtimeDirectory)/\(id).lock"
    }

    /// Whether `text` has the shape of an id: a name, a dash and 8 hex digits.
    static func isID(_ text: String) -> Bool {
        let utf8 = Array(text.utf8)
        guard utf8.count > 9, utf8[utf8.count - 9] == UInt8(ascii: "-") else { return false }
        return utf8.suffix(8).allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains($0) }
    }

    /// Finds or creates the env of `project` in `store`. `builtLayers` are the read-only
    /// layers den built for the base (top first; see `DebianBuild`); a `dir:` base needs none.
    public static func prepare(
        project: Project, manifest: Manifest, store: Store, user: HostUser, idMapping: IDMapping, builtLayers: [String] = []
    ) throws(EnvironmentError) -> Environment {
        let layers: [String]
        switch manifest.base {
        case .directory(let path):
            guard FileSystem.isDirectory(path) else { throw .baseDirectoryMissing(path) }
            layers = [path]
        case .debian, .image, .ociLayout, .dockerArchive:
            // Empty for commands that do not enter (reset): entering builds first.
            layers = builtLayers
        }
        let id = id(name: manifest.name, projectDirectory: project.directory)
        var environment = Environment(
            id: id, project: project, manifest: manifest, directory: store.environmentDirectory(id: id),
            runtimeDirectory: store.runtimeDirectory, idMapping: idMapping, layers: layers, notices: [])
        if manifest.base.isImage, let bottom = layers.last.flatMap(LayerStore(store: store).digest(ofTree:)) {
            environment.imageVariables = ImageBuild.variables(of: bottom, in: LayerStore(store: store))
        }
        do {
            for path in [environment.upperDirectory, environment.workDirectory, environment.mountpoint] {
                try Store.makeDirectory(path)
            }
        } catch {
            throw .store(error)
        }
        // The fallback is worth one line when the env is made, not on every entry.
        let layerStore = LayerStore(store: store)
        let digests = layers.compactMap(layerStore.digest(ofTree:))
        if try environment.recordMetadata(layerDigests: digests), case .single = idMapping {
            environment.notices.append(
                "note: no subordinate ids for '\(user.name)' in /etc/subuid and /etc/subgid: only your own id is mapped (see `den doctor`)")
        }
        return environment
    }

    /// Empties the writable layer (removed from inside the user namespace: much of it belongs
    /// to the env's ids) and starts it afresh. The env must not be running.
    public func reset(user: HostUser) throws {
        try Self.reset(directory: directory, identity: idMapping.identity(for: user))
    }

    /// Empties the writable layer of the env in `directory` (see `reset(user:)`).
    public static func reset(directory: String, identity: SandboxSpec.Identity) throws {
        for path in ["\(directory)/upper", "\(directory)/work"] {
            if FileSystem.exists(path) { try Sandbox.removeTree(path, identity: identity) }
            do {
                try Store.makeDirectory(path)
            } catch {
                throw EnvironmentError.store(error)
            }
        }
    }

    /// Writes env.toml on first use (and returns true); later, refuses an id mapping other
    /// than the recorded one, and records the layers the env now stands on (what `den gc`
    /// keeps). Its modification time is when the env was last used.
    private func recordMetadata(layerDigests: [String]) throws(EnvironmentError) -> Bool {
        var table = TOMLTable()
        let isNew = !FileSystem.exists(metadataPath)
        if !isNew {
            let text: String
            do {
                text = try FileSystem.readText(metadataPath) ?? ""
            } catch {
                throw .store(error)
            }
            do {
                table = try TOML.parse(text)
            } catch {
                throw .metadata(path: metadataPath, reason: error.description)
            }
            if case .string(let recorded) = table["id-mapping"]?.node.value, recorded != idMapping.kind {
                throw .idMappingChanged(recorded: recorded, current: idMapping.kind, environmentDirectory: directory)
            }
            if EnvironmentRecord.strings(table["layers"]) == layerDigests {
                // To the minute: a write on every entry would leave the filesystem something
                // to commit each time the env's overlay is unmounted (which syncs it).
                var info = stat()
                if stat(metadataPath, &info) != 0 || Int64(time(nil)) - Int64(info.st_mtim.tv_sec) >= 60 {
                    utimensat(AT_FDCWD, metadataPath, nil, 0)
                }
                return false
            }
        } else {
            table.set("name", .string(manifest.name))
            table.set("project", .string(project.directory))
            table.set("base", .string(manifest.base.description))
            table.set("id-mapping", .string(idMapping.kind))
            table.set("created", .integer(Int64(time(nil))))
        }
        table.set("layers", .array(layerDigests.map { TOMLNode(.string($0)) }))
        do {
            try FileSystem.writeAtomically(metadataPath, contents: Array(TOML.render(table).utf8), mode: 0o600)
        } catch {
            throw .store(error)
        }
        return isNew
    }
}

/// How host ids become env ids (see `IDMap`).
public enum IDMapping: Sendable, Equatable {
    case subordinate(uids: [IDMapEntry], gids: [IDMapEntry])
    case single

    /// The mapping this user can have: the full one when /etc/subuid and /etc/subgid grant
    /// enough ids and newuidmap/newgidmap are installed, else a single id.
    public static func detect(for user: HostUser, helpers: IDMapHelpers = .standard) -> IDMapping {
        func ranges(_ file: String, id: UInt32) -> [SubordinateIDRange] {
            let text = (try? FileSystem.readText(file)) ?? nil
            return text.map { SubordinateIDs.ranges(in: $0, userName: user.name, id: id) } ?? []
        }
        guard helpers.areInstalled,
              let uids = IDMap.subordinate(id: user.uid, ranges: ranges("/etc/subuid", id: user.uid)),
              let gids = IDMap.subordinate(id: user.gid, ranges: ranges("/etc/subgid", id: user.uid))
        else { return .single }
        return .subordinate(uids: uids.entries, gids: gids.entries)
    }

    /// The sandbox identity for `user` under this mapping.
    public func identity(for user: HostUser) -> SandboxSpec.Identity {
        switch self {
        case .subordinate(let uids, let gids): .subordinate(uids: uids, gids: gids)
        case .single: .single(uid: user.uid, gid: user.gid)
        }
    }

    var kind: String {
        switch self {
        case .subordinate: "subordinate"
        case .single: "single"
        }
    }
}
