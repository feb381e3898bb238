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
        _ = try context.prepareEnvironment(forceLock: false, isExplicit: true, events: BuildReporter().callAsFunction)
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
        _ = try context.prepareEnvironment(forceLock: true, isExplicit: true, events: BuildReporter().callAsFunction)
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
        let nothing = UserError("nothing to verify: the env has no layers built by den", fix: "run `den build` first (for a debian: or image base)")
        if case .directory = context.manifest.base { throw nothing }
        guard let lock = try context.readLock() else { throw nothing }
        let checks: [DebianBuild.LayerCheck]
        if let build = ImageBuild(lock: lock, store: context.store, user: context.user, idMapping: context.idMapping) {
            guard build.isBuilt else { throw UserError("the env is not built", fix: "run `den build`") }
            checks = try build.verify(trees: build.trees)
        } else {
            let build = DebianBuild(lock: lock, store: context.store, user: context.user, idMapping: context.idMapping)
            guard build.isBuilt else { throw UserError("the env is not built", fix: "run `den build`") }
            let mirror = try MirrorSelection.resolve(manifestMirror: context.manifest.mirror, environment: context.hostEnvironment)
            checks = try build.verify(mirror: mirror.url)
        }
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

/// The CLI's side of a `ProjectBuild`: finding the project, and showing its events on
/// standard error.
enum ProjectContext {
    /// `entering`: the env is about to be entered, and its user namespace can be started
    /// before the manifest is read.
    static func load(entering: Bool = false) throws -> ProjectBuild {
        let project = try locateProject(nil)
        let user = HostUser.current()
        let hostEnvironment = ProcessEnvironment.current()
        let idMapping = IDMapping.detect(for: user)
        if entering {
            Environment.prepareUserNamespace(project: project, user: user, idMapping: idMapping, hostEnvironment: hostEnvironment)
        }
        let manifest = try project.loadManifest(homeDirectory: user.homeDirectory)
        return ProjectBuild(project: project, manifest: manifest, user: user, hostEnvironment: hostEnvironment, idMapping: idMapping)
    }
}

/// Shows a build's events: what it locks and why, download progress, each layer built.
final class BuildReporter: Sendable {
    private let display = Mutex<FetchDisplay?>(nil)
    private let started = Mutex(monotonicSeconds())

    func callAsFunction(_ event: ProjectBuild.Event) {
        switch event {
        case .locking(.missing): StandardError.write("den.lock is missing: locking")
        case .locking(.stale): StandardError.write("den.toml changed since den.lock was written: locking again")
        case .locking(.update): StandardError.write("updating den.lock")
        case .reading(let base, let mirror): StandardError.write("reading \(base) from \(mirror.url) (\(mirror.origin))")
        case .resolving(let image): StandardError.write("resolving \(image)")
        case .pulling(let cache): StandardError.write("pulling the env of den.lock from the cache: \(cache)")
        case .resolvingPackages(let count):
            StandardError.write("resolving \(count) package\(count == 1 ? "" : "s") with the image's apt (apt-get update)")
        case .locked(let lock, let previous, let path):
            for line in changeLines(from: previous, to: lock) { StandardError.write(line) }
            if let image = lock.image {
                StandardError.write("locked \(image.reference) as \(image.digest) in \(path)")
            } else {
                StandardError.write("locked \(lock.packages.count) packages in \(path)")
            }
        case .fetching(let count, let noun): display.withLock { $0 = FetchDisplay(total: count, noun: noun) }
        case .fetchProgress(let progress): display.withLock { $0?.show(progress) }
        case .fetched:
            display.withLock { $0?.finish() }
            started.withLock { $0 = monotonicSeconds() }
        case .building(.unpacking("image", let count)): StandardError.write("applying \(count) image layers")
        case .building(.unpacking(let layer, let count)): StandardError.write("unpacking \(count) packages (\(layer) layer)")
        case .building(.installing("image-packages", let count)):
            StandardError.write("installing \(count) packages with the image's apt")
        case .building(.installing(let layer, let count)):
            StandardError.write("configuring \(count) packages with dpkg (\(layer) layer)")
        case .building(.built(let layer, let digest)):
            let tenths = started.withLock { start in
                defer { start = monotonicSeconds() }
                return Int(((monotonicSeconds() - start) * 10).rounded())
            }
            StandardError.write("built the \(layer) layer \(digest.prefix(12)) in \(tenths / 10).\(tenths % 10) s")
        case .notice(let text): StandardError.write("note: \(text)")
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
    private let noun: String

    init(total: Int, noun: String) {
        self.noun = noun
        if !isTerminal { StandardError.write("fetching \(total) \(noun)") }
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
        var text = "fetched \(progress.completedFiles)/\(progress.totalFiles) \(noun)"
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
