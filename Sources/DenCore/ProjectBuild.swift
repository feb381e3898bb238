import DenFetch
import DenOCI
import DenSandbox
import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// What `den shell`, `den run`, `den build` and `den update` do before anything runs in the
/// env: lock when den.lock is missing or stale, fetch and build the layers that are missing,
/// and record which layers the env stands on. The caller shows the events.
public struct ProjectBuild: Sendable {
    public var project: Project
    public var manifest: Manifest
    public var user: HostUser
    public var hostEnvironment: [String: String]
    public var store: Store
    public var idMapping: IDMapping

    public init(
        project: Project, manifest: Manifest, user: HostUser, hostEnvironment: [String: String], idMapping: IDMapping? = nil
    ) {
        self.project = project
        self.manifest = manifest
        self.user = user
        self.hostEnvironment = hostEnvironment
        store = Store.standard(for: user, environment: hostEnvironment)
        self.idMapping = idMapping ?? IDMapping.detect(for: user)
    }

    public enum LockReason: Sendable, Equatable {
        case missing, stale, update
    }

    /// What happens, in order, for the caller to show.
    public enum Event: Sendable {
        case locking(LockReason)
        case reading(base: String, mirror: ArchiveMirror)
        /// Resolving an image's tag (or digest) in its registry.
        case resolving(image: String)
        /// The image's apt resolving den.toml's packages (after `apt-get update`).
        case resolvingPackages(count: Int)
        /// The env of den.lock is being pulled from den.toml's cache instead of built.
        case pulling(cache: String)
        case locked(Lockfile, previous: Lockfile?, path: String)
        /// `files` downloads (or checks in the cache), of `noun` ("packages", "blobs").
        case fetching(files: Int, noun: String)
        case fetchProgress(DownloadProgress)
        case fetched
        case building(DebianBuild.Step)
        /// Something the user should know that did not stop the work.
        case notice(String)
    }

    public var lockPath: String { "\(project.directory)/\(Lockfile.fileName)" }

    /// The project's env, its layers built first (see `buildLayers`). Holds the store lock
    /// shared until the env has recorded the layers it uses, so `den gc` cannot take them away
    /// in between. Runs sandboxes: call from the main thread.
    public func prepareEnvironment(
        forceLock: Bool, isExplicit: Bool = false, events: @escaping @Sendable (Event) -> Void
    ) throws -> Environment {
        let lock = try store.lock(shared: true)
        defer { lock.release() }
        return try Environment.prepare(
            project: project, manifest: manifest, store: store, user: user, idMapping: idMapping,
            builtLayers: try buildLayers(forceLock: forceLock, isExplicit: isExplicit, events: events))
    }

    /// The env's built layers, top first: locks when den.lock is missing or stale (or always
    /// with `forceLock`), then fetches and builds what is missing. Empty for a `dir:` base.
    /// `isExplicit` (`den build`, `den update`) also retries the optional apt layer.
    public func buildLayers(forceLock: Bool, isExplicit: Bool = false, events: @escaping @Sendable (Event) -> Void) throws -> [String] {
        if case .directory = manifest.base { return [] }
        let lock = try currentLock(forceLock: forceLock, events: events)
        if lock.image != nil { return try buildImageLayers(lock, events: events) }
        let build = DebianBuild(lock: lock, store: store, user: user, idMapping: idMapping)
        let mirror = try MirrorSelection.resolve(manifestMirror: manifest.mirror, environment: hostEnvironment)
        let hasApt = build.aptDigest(mirror: mirror.url).map(build.layers.contains) ?? true
        if build.isBuilt, hasApt || !isExplicit { return build.trees(mirror: mirror.url) }
        if !build.isBuilt, let imported = build.layers.alias(for: build.aliasKeys) { return [build.layers.tree(of: imported)] }
        if !build.isBuilt, let pulled = pullFromCache(lock, events: events) { return pulled }

        let needed = build.neededPackages
        if !needed.isEmpty {
            let cache = build.cache
            events(.fetching(files: needed.count, noun: "packages"))
            try withFetcher { fetcher in
                try await cache.fetch(needed, mirror: mirror.url, fetcher: fetcher) { events(.fetchProgress($0)) }
            }
            events(.fetched)
        }
        try build.assemble { events(.building($0)) }
        if !hasApt { makeAptLayer(build, lock: lock, mirror: mirror.url, events: events) }
        return build.trees(mirror: mirror.url)
    }

    /// apt's sources and the locked snapshot's lists, from the cache or the mirror. Optional:
    /// without them the env works and `apt-get update` fetches lists inside.
    private func makeAptLayer(_ build: DebianBuild, lock: Lockfile, mirror: String, events: (Event) -> Void) {
        guard let snapshot = lock.archive else { return }
        let archive = DebianArchive(mirror: mirror, keyring: manifest.keyring, architecture: lock.architecture,
                                    cacheDirectory: "\(store.cacheDirectory)/indexes")
        var lists = archive.cachedLists(inReleaseSHA256: snapshot.inReleaseSHA256)
        if lists == nil {
            let fetched = try? blocking {
                let fetcher = Fetcher(configuration: FetchConfiguration())
                let index = try? await archive.index(suite: snapshot.codename, fetcher: fetcher)
                await fetcher.shutdown()
                return index.map { ($0.inReleaseSHA256, $0.lists) }
            }
            if let (sha, fetchedLists) = fetched ?? nil, sha == snapshot.inReleaseSHA256 { lists = fetchedLists }
        }
        guard let lists else {
            events(.notice("the archive no longer serves the snapshot in den.lock: run `apt-get update` as root in the env before installing packages there, or `den update`"))
            return
        }
        do {
            try build.makeAptLayer(mirror: mirror, lists: lists, signedBy: manifest.keyring == nil ? DebianArchive.defaultKeyring : nil)
        } catch {
            events(.notice("could not give the env apt's package lists (\(error)); run `apt-get update` as root in the env"))
        }
    }

    /// den.lock as it is when it is current; otherwise resolved again and written, with events
    /// saying why and what changed.
    func currentLock(forceLock: Bool, events: @escaping @Sendable (Event) -> Void) throws -> Lockfile {
        let existing = try readLock()
        let hash = manifest.lockHash(architecture: lockArchitecture)
        // A lock of another kind of base (the manifest switched from debian: to an image) is stale too.
        if let existing, !forceLock, existing.manifestHash == hash, (existing.image != nil) == manifest.base.isImage {
            return existing
        }
        events(.locking(existing == nil ? .missing : forceLock ? .update : .stale))
        let lock = try resolveLock(events: events)
        try FileSystem.writeAtomically(lockPath, contents: Array(lock.rendered().utf8))
        events(.locked(lock, previous: existing, path: lockPath))
        return lock
    }

    /// The architecture a lock is made for: Debian's name for this machine, which is the
    /// image platform's architecture too for the common ones (amd64, arm64).
    var lockArchitecture: String {
        if manifest.base.isImage { return Platform.host.architecture }
        return DebianArchive.hostArchitecture
    }

    /// An image base's layer: the locked blobs fetched (or checked in the cache) and applied.
    private func buildImageLayers(_ lock: Lockfile, events: @escaping @Sendable (Event) -> Void) throws -> [String] {
        guard let build = ImageBuild(lock: lock, store: store, user: user, idMapping: idMapping) else { return [] }
        if build.isBuilt { return build.trees }
        if let imported = build.layers.alias(for: build.aliasKeys) { return [build.layers.tree(of: imported)] }
        if let pulled = pullFromCache(lock, events: events) { return pulled }
        try buildImage(build, events: events)
        if let packagesDigest = build.packagesDigest, !build.layers.contains(packagesDigest) {
            let cache = PackageCache(store: store)
            let packages = build.packages
            events(.fetching(files: packages.count, noun: "packages"))
            try withFetcher { fetcher in
                try await cache.fetch(packages, mirror: "", fetcher: fetcher) { events(.fetchProgress($0)) }
            }
            events(.fetched)
            try build.assemblePackages(cache: cache) { events(.building($0)) }
        }
        return build.trees
    }

    /// The image's own layer: its blobs fetched (or checked in the cache) and applied.
    private func buildImage(_ build: ImageBuild, events: @escaping @Sendable (Event) -> Void) throws {
        guard !build.layers.contains(build.digest) else { return }
        events(.fetching(files: 1 + build.pin.layers.count, noun: "blobs"))
        let source = imageSource(pinned: build.pin.reference)
        try withFetcher { fetcher in
            try await build.fetch(from: try source(fetcher)) { events(.fetchProgress($0)) }
        }
        events(.fetched)
        try build.assemble { events(.building($0)) }
    }

    /// Where a build of the locked image gets its blobs: the registry of the pinned reference,
    /// or den.toml's local source (relative to the project).
    func imageSource(pinned reference: String) -> @Sendable (Fetcher) throws -> any ImageBlobSource {
        switch manifest.base {
        case .ociLayout(let path, _):
            let layout = ImageLayout(directory: Path.resolve(path, against: project.directory))
            return { _ in layout }
        case .dockerArchive(let path):
            let archive = DockerArchive(file: Path.resolve(path, against: project.directory))
            return { _ in archive }
        default:
            let client = registryClient()
            let settings = RegistrySettings.load(environment: hostEnvironment, home: user.homeDirectory)
            return { fetcher in
                let parsed = settings.endpoint(for: try ImageReference(parsing: reference))
                guard let registry = parsed.registry else { throw ImageError.noRegistry(reference: reference) }
                return RegistryRepository(client: try client(fetcher), registry: registry, repository: parsed.repository)
            }
        }
    }

    /// The image den.toml names, resolved to this machine's manifest, and how the lock records it.
    func resolveImage(events: (Event) -> Void) throws -> (image: ResolvedImage, reference: String) {
        let platform = Platform.host
        switch manifest.base {
        case .ociLayout(let path, let tag):
            events(.resolving(image: manifest.base.description))
            let layout = ImageLayout(directory: Path.resolve(path, against: project.directory))
            return (try layout.resolve(tag: tag, platform: platform), manifest.base.description)
        case .dockerArchive(let path):
            events(.resolving(image: manifest.base.description))
            let archive = DockerArchive(file: Path.resolve(path, against: project.directory))
            return (try archive.resolve(platform: platform).image, manifest.base.description)
        case .image(let reference):
            let settings = RegistrySettings.load(environment: hostEnvironment, home: user.homeDirectory)
            var qualified = try settings.qualify(reference)
            if qualified.tag == nil, qualified.digest == nil { qualified.tag = "latest" }
            events(.resolving(image: qualified.description))
            let client = registryClient()
            let wanted = qualified
            let endpoint = settings.endpoint(for: wanted)
            var image = try withFetcher { fetcher in try await client(fetcher).resolve(endpoint, platform: platform) }
            image.reference = wanted.description
            return (image, qualified.description)
        case .debian, .directory:
            throw EnvironmentError.baseNotSupported(manifest.base)
        }
    }

    /// The registry settings and credentials of this user, for a client on a given fetcher.
    func registryClient() -> @Sendable (Fetcher) throws -> RegistryClient {
        let settings = RegistrySettings.load(environment: hostEnvironment, home: user.homeDirectory)
        let files = RegistryCredentials.files(environment: hostEnvironment, home: user.homeDirectory)
        return { fetcher in
            let credentials = try RegistryCredentials.load(files: files) { path in
                FileSystem.isRegularFile(path) ? try? FileSystem.read(path) : nil
            }
            return RegistryClient(fetcher: fetcher, credentials: credentials, plainHTTP: settings.insecure)
        }
    }

    public func readLock() throws -> Lockfile? {
        guard FileSystem.exists(lockPath), let text = try FileSystem.readText(lockPath) else { return nil }
        return try Lockfile.parse(text, file: lockPath)
    }

    /// Resolves the manifest against the archive or the registry (network), without writing
    /// den.lock. Empty for a `dir:` base (nothing to pin).
    public func resolveLock(events: @escaping @Sendable (Event) -> Void) throws -> Lockfile {
        switch manifest.base {
        case .directory:
            throw EnvironmentError.baseNotSupported(manifest.base)
        case .image, .ociLayout, .dockerArchive:
            let (image, reference) = try resolveImage(events: events)
            var lock = try ImageLocking.lock(manifest, image: image, reference: reference)
            guard !manifest.packages.isEmpty, let build = ImageBuild(lock: lock, store: store, user: user, idMapping: idMapping) else {
                return lock
            }
            // The image's apt resolves them: its layer is needed now rather than at build time.
            try buildImage(build, events: events)
            events(.resolvingPackages(count: manifest.packages.count))
            lock.packages = try build.resolvePackages(manifest, scratch: "\(store.cacheDirectory)/tmp")
                .sorted { ($0.name, $0.architecture) < ($1.name, $1.architecture) }
            return lock
        case .debian(let suite):
            return try resolveDebianLock(suite: suite, events: events)
        }
    }

    private func resolveDebianLock(suite: String, events: (Event) -> Void) throws -> Lockfile {
        let mirror = try MirrorSelection.resolve(manifestMirror: manifest.mirror, environment: hostEnvironment)
        let archive = DebianArchive(mirror: mirror.url, keyring: manifest.keyring, architecture: DebianArchive.hostArchitecture,
                                    cacheDirectory: "\(store.cacheDirectory)/indexes")
        events(.reading(base: manifest.base.description, mirror: mirror))
        let manifest = manifest
        return try withFetcher { fetcher in
            try await Locking.lock(manifest, suite: suite, archive: archive, fetcher: fetcher)
        }
    }
}

/// Runs `body` with a fetcher (see `blocking`) that is shut down however it ends.
func withFetcher<T: Sendable>(_ body: @escaping @Sendable (Fetcher) async throws -> T) throws -> T {
    try blocking {
        let fetcher = Fetcher(configuration: FetchConfiguration())
        do {
            let result = try await body(fetcher)
            await fetcher.shutdown()
            return result
        } catch {
            await fetcher.shutdown()
            throw error
        }
    }
}

/// Runs async work (downloads) from synchronous code and waits for it: the sandbox that
/// follows must be started from the main thread, which therefore stays where it is.
public func blocking<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
    let box = ResultBox<T>()
    let done = DispatchSemaphore(value: 0)
    Task.detached {
        do {
            box.result = .success(try await body())
        } catch {
            box.result = .failure(error)
        }
        done.signal()
    }
    done.wait()
    guard let result = box.result else { throw SystemError("wait for a download", errno: EINTR) }
    return try result.get()
}

private final class ResultBox<T: Sendable>: @unchecked Sendable {
    var result: Result<T, Error>?
}
