import DenDebian
import DenOCI
import DenSandbox
import DenTOML
#if canImport(Glibc)
import Glibc
#endif

/// What `den gc` removes: envs whose project directory is gone, layers no env stands on,
/// downloads no remaining lock needs, leftovers of killed builds and old build logs. Every
/// removal is of a directory den made inside the store, from inside the user namespace, never
/// following a symlink or crossing a mount point (`Sandbox.removeTree`), so nothing outside
/// the store (a project, a bind-mounted directory) can be reached.
public struct GarbageCollection: Sendable {
    public struct Removal: Sendable, Equatable {
        public enum Kind: Sendable, Equatable {
            case environment(name: String, project: String)
            case layer(kind: String)
            case staging
            case download
            case log
            /// A trust record of a project that is gone, or an import alias of a layer that is.
            case record
            /// The start lock and last session socket of an env removed before den removed
            /// those too; the path is the env's directory, which is gone.
            case runtime
            /// The build lock of a layer that is gone or goes now.
            case buildLock
        }

        public var kind: Kind
        public var path: String
        /// Filled in by `measure`.
        public var bytes: Int64 = 0
    }

    public var removals: [Removal]

    /// Decides what to remove; removes nothing. Running envs and what they use are kept.
    public static func plan(store: Store) -> GarbageCollection {
        let inventory = StoreInventory.read(store: store)
        var removals: [Removal] = []
        var kept: [EnvironmentRecord] = []
        for environment in inventory.environments {
            let gone = !environment.project.hasPrefix("/") || !FileSystem.isDirectory(environment.project)
            if gone, !inventory.running.contains(environment.id) {
                removals.append(Removal(kind: .environment(name: environment.name, project: environment.project),
                                        path: environment.directory))
            } else {
                kept.append(environment)
            }
        }
        let usedLayers = Set(kept.flatMap(\.layers))
        for layer in inventory.layers where !usedLayers.contains(layer.digest) {
            removals.append(Removal(kind: .layer(kind: layer.kind), path: layer.directory))
        }
        let layers = LayerStore(store: store)
        for name in (try? FileSystem.directoryEntries(layers.directory)) ?? [] where name.hasPrefix(".staging-") {
            let digest = String(name.dropFirst(".staging-".count).prefix(64))
            // A staging directory whose build still runs holds that layer's lock.
            if LayerStore.isDigest(digest), !layers.isBuilding(digest) {
                removals.append(Removal(kind: .staging, path: "\(layers.directory)/\(name)"))
            }
        }
        // Downloads: the .debs the kept envs' locks name, and their archive indexes, stay.
        var neededFiles: Set<String> = []
        for environment in kept {
            let lockPath = "\(environment.project)/\(Lockfile.fileName)"
            guard let text = (try? FileSystem.readText(lockPath)) ?? nil, let lock = try? Lockfile.parse(text, file: lockPath) else {
                continue
            }
            neededFiles.formUnion(lock.packages.map { "\($0.sha256).deb" })
            if let image = lock.image {
                // Blobs are named by their digest's hex, the manifest among them.
                neededFiles.formUnion(([image.digest, image.config.digest] + image.layers.map(\.digest)).map(ImageDigest.hex))
            }
            if let snapshot = lock.archive {
                neededFiles.insert("\(snapshot.inReleaseSHA256).InRelease")
            }
        }
        let indexes = "\(store.cacheDirectory)/indexes"
        for name in neededFiles where name.hasSuffix(".InRelease") {
            // The Packages indexes a kept InRelease names (whatever their compression).
            guard let bytes = try? FileSystem.read("\(indexes)/\(name)"), let signed = try? ClearSigned(bytes).signedText,
                  let release = try? ReleaseFile(signed) else { continue }
            neededFiles.formUnion(release.sha256.map(\.sha256))
        }
        for directory in [PackageCache(store: store).directory, indexes, "\(store.cacheDirectory)/blobs"] {
            for name in ((try? FileSystem.directoryEntries(directory)) ?? []).sorted() where !neededFiles.contains(name) {
                removals.append(Removal(kind: .download, path: "\(directory)/\(name)"))
            }
        }
        // Records that name what no longer exists: trust for a deleted project (a new project
        // at the same path must ask again), aliases of removed imported layers.
        let trust = "\(store.dataDirectory)/trust"
        for name in ((try? FileSystem.directoryEntries(trust)) ?? []).sorted() where name.hasSuffix(".toml") {
            let text = (try? FileSystem.readText("\(trust)/\(name)")) ?? nil
            let project: String? = if case .string(let path)? = text.flatMap({ try? TOML.parse($0) })?["project"]?.node.value { path } else { nil }
            if project.map({ !FileSystem.isDirectory($0) }) ?? true {
                removals.append(Removal(kind: .record, path: "\(trust)/\(name)"))
            }
        }
        let removedLayers = Set(removals.compactMap { if case .layer = $0.kind { Path.lastComponent($0.path) } else { nil } })
        for name in ((try? FileSystem.directoryEntries(layers.aliasDirectory)) ?? []).sorted() {
            let digest = ((try? FileSystem.readText("\(layers.aliasDirectory)/\(name)")) ?? nil)?.trimmingSpaces()
                .split(separator: "\n").first.map(String.init) ?? ""
            if !layers.contains(digest) || removedLayers.contains(digest) {
                removals.append(Removal(kind: .record, path: "\(layers.aliasDirectory)/\(name)"))
            }
        }
        for name in ((try? FileSystem.directoryEntries(layers.lockDirectory)) ?? []).sorted() where name.hasSuffix(".lock") {
            let digest = String(name.dropLast(".lock".count))
            if LayerStore.isDigest(digest), !layers.contains(digest) || removedLayers.contains(digest) {
                removals.append(Removal(kind: .buildLock, path: "\(layers.lockDirectory)/\(name)"))
            }
        }
        // What removed envs left in the runtime directory (an env id is its name, a dash and
        // 8 hex digits; nothing else there is den's to remove).
        var leftovers: Set<String> = []
        for name in (try? FileSystem.directoryEntries(store.runtimeDirectory)) ?? [] {
            guard let dot = name.lastIndex(of: "."), [".lock", ".sock"].contains(name[dot...]) else { continue }
            let id = String(name[..<dot])
            guard Environment.isID(id), !FileSystem.exists(store.environmentDirectory(id: id)) else { continue }
            leftovers.insert(id)
        }
        for id in leftovers.sorted() {
            removals.append(Removal(kind: .runtime, path: store.environmentDirectory(id: id)))
        }
        let logs = "\(store.cacheDirectory)/logs"
        for name in ((try? FileSystem.directoryEntries(logs)) ?? []).sorted() where name.hasSuffix(".log") {
            removals.append(Removal(kind: .log, path: "\(logs)/\(name)"))
        }
        return GarbageCollection(removals: removals)
    }

    public var totalBytes: Int64 { removals.reduce(0) { $0 + $1.bytes } }

    /// Fills in each removal's size (from inside the user namespace).
    public mutating func measure(identity: SandboxSpec.Identity, scratch: String) throws {
        let sizes = try DiskUsage.measure(removals.map(\.path), identity: identity, scratch: scratch)
        for index in removals.indices { removals[index].bytes = sizes[removals[index].path] ?? 0 }
    }

    /// Removes everything planned. A running env is checked again just before its removal.
    public func run(store: Store, identity: SandboxSpec.Identity) throws {
        for removal in removals {
            switch removal.kind {
            case .environment:
                // Kept when it started meanwhile.
                _ = try store.whileStopped(environmentID: Path.lastComponent(removal.path), removingRuntimeFiles: true) {
                    try store.remove(removal.path, identity: identity)
                }
            case .runtime:
                _ = try store.whileStopped(environmentID: Path.lastComponent(removal.path), removingRuntimeFiles: true) {}
            case .buildLock:
                LayerStore(store: store).removeLock(Path.lastComponent(removal.path))
            default:
                try store.remove(removal.path, identity: identity)
            }
        }
    }
}

extension Store {
    /// Removes a file or tree of den's own below the data or cache directory; refuses any
    /// other path. Trees go from inside the user namespace (files of the env's ids).
    public func remove(_ path: String, identity: SandboxSpec.Identity) throws {
        let normalized = Path.normalize(path)
        guard normalized == path, [dataDirectory, cacheDirectory].contains(where: { path.hasPrefix("\($0)/") }) else {
            throw SystemError("remove (outside den's store)", path: path, errno: EPERM)
        }
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            try Sandbox.removeTree(path, identity: identity)
        } else if unlink(path) != 0, errno != ENOENT {
            throw SystemError("remove", path: path, errno: errno)
        }
    }
}

extension Store {
    /// The files an env's runs leave in the runtime directory: the session socket of its last
    /// run and its start lock.
    func runtimeFiles(of id: String) -> (socket: String, lock: String) {
        ("\(runtimeDirectory)/\(RuntimeSession.socketName(environmentID: id))", Environment.startLock(in: runtimeDirectory, id: id))
    }

    /// Runs `body` with the env kept stopped: holds its start lock, which a den starting the
    /// env holds until the env runs, and checks that nobody answers on its socket. With
    /// `removingRuntimeFiles`, the env's files in the runtime directory go afterwards, the lock
    /// last (see `FileLock.removeFile`). Returns false, running nothing, when the env is running.
    public func whileStopped(environmentID id: String, removingRuntimeFiles: Bool, _ body: () throws -> Void) throws -> Bool {
        let files = runtimeFiles(of: id)
        try Store.makeDirectory(runtimeDirectory)
        let lock = try FileLock(path: files.lock)
        defer { lock.release() }
        do {
            if try RuntimeSession(directory: runtimeDirectory, environmentID: id, request: .probe) != nil { return false }
        } catch {
            throw SystemError("connect", path: error.path, errno: error.errno)
        }
        try body()
        if removingRuntimeFiles {
            if unlink(files.socket) != 0, errno != ENOENT { throw SystemError("remove", path: files.socket, errno: errno) }
            lock.removeFile()
        }
        return true
    }
}

extension LayerStore {
    /// True while a den builds the layer (it holds the layer's lock).
    func isBuilding(_ digest: String) -> Bool {
        let fd = open(lockPath(of: digest), O_RDWR | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else { return true }
        flock(fd, LOCK_UN)
        return false
    }

    /// Removes the lock file `name` of a layer that is gone, unless a den holds it. Held while
    /// it goes: a den that opens it meanwhile locks a new file once it holds this one (see
    /// `FileLock`).
    func removeLock(_ name: String) {
        let path = "\(lockDirectory)/\(name)"
        let fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else { return }
        defer { close(fd) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0, !contains(String(name.dropLast(".lock".count))) else { return }
        unlink(path)
    }
}
