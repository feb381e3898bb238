import ArgumentParser
import DenCore
import Dispatch

struct LockCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lock",
        abstract: "Resolve den.toml against the archive and pin the result in den.lock.",
        discussion: """
            Reads the Debian archive (InRelease verified with gpgv), resolves the base set and the \
            manifest's packages as apt would, and writes every package's version, pool path, size and \
            SHA-256. The same archive state gives the same bytes. The mirror comes from DEN_MIRROR, \
            den.toml's `mirror`, or the host's apt sources.
            """
    )

    func run() throws {
        let project = try locateProject(nil)
        let user = HostUser.current()
        let manifest = try project.loadManifest(homeDirectory: user.homeDirectory)
        let environment = ProcessEnvironment.current()
        guard case .debian(let suite) = manifest.base else {
            if case .directory = manifest.base {
                StandardError.write("nothing to lock: a dir: base is used as it is")
                return
            }
            throw UserError("this den cannot lock image bases yet", fix: "use a debian: or dir: base for now")
        }
        let mirror = try MirrorSelection.resolve(manifestMirror: manifest.mirror, environment: environment)
        let store = Store.standard(for: user, environment: environment)
        let archive = DebianArchive(mirror: mirror.url, keyring: manifest.keyring, architecture: DebianArchive.hostArchitecture,
                                    cacheDirectory: "\(store.cacheDirectory)/indexes")
        let lockPath = "\(project.directory)/\(Lockfile.fileName)"
        let old = (try? FileSystem.readText(lockPath)).flatMap { $0 }.flatMap { try? Lockfile.parse($0, file: lockPath) }

        StandardError.write("reading \(manifest.base) from \(mirror.url) (\(mirror.origin))")
        let lock = try blocking {
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
        try FileSystem.writeAtomically(lockPath, contents: Array(lock.rendered().utf8))
        for line in lock.changes(from: old) { StandardError.write(line) }
        let snapshot = lock.archive.map { " from \($0.codename)\($0.version.map { " \($0)" } ?? ""), \($0.date)" } ?? ""
        print("locked \(lock.packages.count) packages\(snapshot) in \(lockPath)")
    }
}

/// Runs async work from a synchronous command and waits for it.
func blocking<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
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
    guard let result = box.result else { throw UserError("internal error: the task ended without a result") }
    return try result.get()
}

private final class ResultBox<T: Sendable>: @unchecked Sendable {
    var result: Result<T, Error>?
}
