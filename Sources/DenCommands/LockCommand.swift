import ArgumentParser
import DenCore

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
        let context = try ProjectContext.load()
        guard case .debian(let suite) = context.manifest.base else {
            if case .directory = context.manifest.base {
                StandardError.write("nothing to lock: a dir: base is used as it is")
                return
            }
            throw UserError("this den cannot lock image bases yet", fix: "use a debian: or dir: base for now")
        }
        let old = (try? context.readLock()) ?? nil
        let lock = try context.resolveLock(suite: suite, events: BuildReporter().callAsFunction)
        try FileSystem.writeAtomically(context.lockPath, contents: Array(lock.rendered().utf8))
        for line in changeLines(from: old, to: lock) { StandardError.write(line) }
        let snapshot = lock.archive.map { " from \($0.codename)\($0.version.map { " \($0)" } ?? ""), \($0.date)" } ?? ""
        print("locked \(lock.packages.count) packages\(snapshot) in \(context.lockPath)")
    }
}

/// What a new lock changed, a line a package. A first lock lists what den.toml added and
/// counts the base set instead of listing a hundred lines of it.
func changeLines(from old: Lockfile?, to lock: Lockfile) -> [String] {
    guard old == nil else { return lock.changes(from: old) }
    let base = lock.packages(in: .base).count
    return lock.packages(in: .packages).map { "+ \($0.name) \($0.version)" } + ["+ \(base) packages of the \(lock.base) base"]
}
