import ArgumentParser
import DenCore
import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

struct BuildCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build",
        abstract: "Build the project's env from den.lock (locking first when it is missing or stale).",
        discussion: """
            With an up-to-date lock nothing is resolved: exactly the locked files are fetched (each checked \
            against its SHA-256) into the shared cache, and the layers the env lacks are built. Layers that \
            exist are reused, by this project and every other one with the same base or packages.
            """
    )

    func run() throws {
        let context = try ProjectContext.load()
        _ = try context.prepareEnvironment(forceLock: false, isExplicit: true)
        if case .directory = context.manifest.base {
            print("nothing to build: a dir: base is used as it is")
        } else {
            print("\(context.manifest.name) is built")
        }
    }
}

struct UpdateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "update",
        abstract: "Resolve den.toml against the archive again, rewrite den.lock and build.",
        discussion: "Prints every package that changed: `+ added`, `- removed`, `~ name old -> new`."
    )

    func run() throws {
        let context = try ProjectContext.load()
        _ = try context.prepareEnvironment(forceLock: true, isExplicit: true)
        print("\(context.manifest.name) is up to date")
    }
}

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check the env's layers against the tree digests recorded when they were built.",
        discussion: """
            Each layer's digest covers every path, type, mode, owner and file content (not timestamps). \
            Two machines that built the same den.lock print the same digests; a layer changed on disk \
            since its build fails the check (exit status 1).
            """
    )

    func run() throws {
        let context = try ProjectContext.load()
        guard case .debian = context.manifest.base, let lock = try context.readLock() else {
            throw UserError("nothing to verify: the env has no layers built by den", fix: "run `den build` first (for a debian: base)")
        }
        let build = DebianBuild(lock: lock, store: context.store, user: context.user, idMapping: context.idMapping)
        guard build.isBuilt else { throw UserError("the env is not built", fix: "run `den build`") }
        let mirror = try MirrorSelection.resolve(manifestMirror: context.manifest.mirror, environment: context.hostEnvironment)
        let checks = try build.verify(mirror: mirror.url)
        for check in checks {
            let state = check.recorded == nil ? "no digest recorded" : check.isIntact ? "ok" : "CHANGED (built as sha256:\(check.recorded ?? ""))"
            print("\(check.kind) \(check.digest.prefix(12))  tree sha256:\(check.actual)  \(state)")
        }
        if let bad = checks.first(where: { !$0.isIntact }) {
            throw UserError("the \(bad.kind) layer \(bad.digest.prefix(12)) is not the tree that was built",
                            why: "its files changed on disk after the build", fix: "remove the layer directory and run `den build` again")
        }
    }
}

/// What the commands that need the project's env share: the project, its manifest, the user
/// and their store.
struct ProjectContext {
    var project: Project
    var manifest: Manifest
    var user: HostUser
    var hostEnvironment: [String: String]
    var store: Store
    var idMapping: IDMapping

    static func load() throws -> ProjectContext {
        let project = try locateProject(nil)
        let user = HostUser.current()
        let manifest = try project.loadManifest(homeDirectory: user.homeDirectory)
        let hostEnvironment = ProcessEnvironment.current()
        return ProjectContext(
            project: project, manifest: manifest, user: user, hostEnvironment: hostEnvironment,
            store: Store.standard(for: user, environment: hostEnvironment), idMapping: IDMapping.detect(for: user))
    }

    var lockPath: String { "\(project.directory)/\(Lockfile.fileName)" }

    /// The project's env, its layers built first (see `buildLayers`). Holds the store lock
    /// shared until the env has recorded the layers it uses, so `den gc` cannot take them away
    /// in between.
    func prepareEnvironment(forceLock: Bool, isExplicit: Bool = false) throws -> Environment {
        let lock = try store.lock(shared: true)
        defer { lock.release() }
        return try Environment.prepare(
            project: project, manifest: manifest, store: store, user: user, idMapping: idMapping,
            builtLayers: try buildLayers(forceLock: forceLock, isExplicit: isExplicit))
    }

    /// The env's built layers, top first: locks when den.lock is missing or stale (or always
    /// with `forceLock`), then fetches and builds what is missing. Empty for a `dir:` base.
    /// `isExplicit` (`den build`, `den update`) also retries the optional apt layer.
    func buildLayers(forceLock: Bool, isExplicit: Bool = false) throws -> [String] {
        guard case .debian(let suite) = manifest.base else {
            if case .image = manifest.base {
                throw UserError("this den cannot build image bases yet", fix: "use a debian: or dir: base for now")
            }
            return []
        }
        let architecture = DebianArchive.hostArchitecture
        let existing = try readLock()
        var lock: Lockfile
        if let existing, !forceLock, existing.manifestHash == manifest.lockHash(architecture: architecture) {
            lock = existing
        } else {
            StandardError.write(existing == nil ? "den.lock is missing: locking" : forceLock ? "updating den.lock"
                                : "den.toml changed since den.lock was written: locking again")
            lock = try resolveLock(suite: suite)
            try FileSystem.writeAtomically(lockPath, contents: Array(lock.rendered().utf8))
            for line in changeLines(from: existing, to: lock) { StandardError.write(line) }
            StandardError.write("locked \(lock.packages.count) packages in \(lockPath)")
        }
        let build = DebianBuild(lock: lock, store: store, user: user, idMapping: idMapping)
        let mirror = try MirrorSelection.resolve(manifestMirror: manifest.mirror, environment: hostEnvironment)
        let hasApt = build.aptDigest(mirror: mirror.url).map(build.layers.contains) ?? true
        if build.isBuilt, hasApt || !isExplicit { return build.trees(mirror: mirror.url) }

        let needed = build.neededPackages
        if !needed.isEmpty {
            let cache = build.cache
            let display = FetchDisplay(total: needed.count)
            try blocking {
                let fetcher = Fetcher(configuration: FetchConfiguration())
                do {
                    try await cache.fetch(needed, mirror: mirror.url, fetcher: fetcher) { display.show($0) }
                    await fetcher.shutdown()
                } catch {
                    await fetcher.shutdown()
                    throw error
                }
            }
            display.finish()
        }
        var started = monotonicSeconds()
        try build.assemble { step in
            switch step {
            case .unpacking(let layer, let count): StandardError.write("unpacking \(count) packages (\(layer) layer)")
            case .installing(let layer, let count): StandardError.write("configuring \(count) packages with dpkg (\(layer) layer)")
            case .built(let layer, let digest):
                let tenths = Int(((monotonicSeconds() - started) * 10).rounded())
                StandardError.write("built the \(layer) layer \(digest.prefix(12)) in \(tenths / 10).\(tenths % 10) s")
                started = monotonicSeconds()
            }
        }
        if !hasApt { makeAptLayer(build, lock: lock, mirror: mirror.url) }
        return build.trees(mirror: mirror.url)
    }

    /// apt's sources and the locked snapshot's lists, from the cache or the mirror. Optional:
    /// without them the env works and `apt-get update` fetches lists inside.
    private func makeAptLayer(_ build: DebianBuild, lock: Lockfile, mirror: String) {
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
            StandardError.write("note: the archive no longer serves the snapshot in den.lock: run `apt-get update` as root in the env before installing packages there, or `den update`")
            return
        }
        do {
            try build.makeAptLayer(mirror: mirror, lists: lists, signedBy: manifest.keyring == nil ? DebianArchive.defaultKeyring : nil)
        } catch {
            StandardError.write("note: could not give the env apt's package lists (\(error)); run `apt-get update` as root in the env")
        }
    }

    func readLock() throws -> Lockfile? {
        guard FileSystem.exists(lockPath), let text = try FileSystem.readText(lockPath) else { return nil }
        return try Lockfile.parse(text, file: lockPath)
    }

    func resolveLock(suite: String) throws -> Lockfile {
        let mirror = try MirrorSelection.resolve(manifestMirror: manifest.mirror, environment: hostEnvironment)
        let archive = DebianArchive(mirror: mirror.url, keyring: manifest.keyring, architecture: DebianArchive.hostArchitecture,
                                    cacheDirectory: "\(store.cacheDirectory)/indexes")
        StandardError.write("reading \(manifest.base) from \(mirror.url) (\(mirror.origin))")
        let manifest = manifest
        return try blocking {
            let fetcher = Fetcher(configuration: FetchConfiguration())
            do {
                let lock = try await Locking.lock(manifest, suite: suite, archive: archive, fetcher: fetcher)
                await fetcher.shutdown()
                return lock
            } catch {
                await fetcher.shutdown()
                throw error
            }
        }
    }
}

func monotonicSeconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
}

/// Download progress on standard error: one line rewritten in place on a terminal (files,
/// bytes, rate, time left), a line at the start and one at the end otherwise.
final class FetchDisplay: Sendable {
    private struct State {
        var last: DownloadProgress?
        var lastDrawn = 0.0
    }

    private let isTerminal = isatty(STDERR_FILENO) == 1
    private let started = monotonicSeconds()
    private let state = Mutex(State())

    init(total: Int) {
        if !isTerminal { StandardError.write("fetching \(total) packages") }
    }

    func show(_ progress: DownloadProgress) {
        state.withLock { state in
            state.last = progress
            let now = monotonicSeconds()
            guard isTerminal, now - state.lastDrawn >= 0.1 || progress.completedFiles == progress.totalFiles else { return }
            state.lastDrawn = now
            writeRaw("\r\u{1B}[K" + line(progress, now: now))
        }
    }

    func finish() {
        state.withLock { state in
            guard let last = state.last else { return }
            if isTerminal { writeRaw("\r\u{1B}[K") }
            StandardError.write(line(last, now: monotonicSeconds()))
        }
    }

    private func line(_ progress: DownloadProgress, now: Double) -> String {
        let elapsed = max(now - started, 0.001)
        let received = max(progress.receivedBytes, 0)
        let rate = Double(received) / elapsed
        var text = "fetched \(progress.completedFiles)/\(progress.totalFiles) packages"
        if progress.reusedFiles > 0 { text += " (\(progress.reusedFiles) cached)" }
        if let total = progress.totalBytes {
            text += ", \(ByteSize.format(UInt64(received))) of \(ByteSize.format(UInt64(max(total, 0)))), \(ByteSize.format(UInt64(rate)))/s"
            if rate > 0, received < total {
                text += ", \(Int((Double(total - received) / rate).rounded(.up))) s left"
            }
        }
        return text
    }

    private func writeRaw(_ text: String) {
        _ = text.withCString { Glibc.write(STDERR_FILENO, $0, strlen($0)) }
    }
}
