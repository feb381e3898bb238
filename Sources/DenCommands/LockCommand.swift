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
        if case .directory = context.manifest.base {
            StandardError.write("nothing to lock: a dir: base is used as it is")
            return
        }
        let old = (try? context.readLock()) ?? nil
        let lock = try context.resolveLock(events: BuildReporter().callAsFunction)
        try FileSystem.writeAtomically(context.lockPath, contents: Array(lock.rendered().utf8))
        for line in changeLines(from: old, to: lock) { StandardError.write(line) }
        if let image = lock.image {
            let packages = lock.packages.isEmpty ? "" : " and \(lock.packages.count) packages of its apt"
            print("locked \(image.reference) as \(image.digest) (\(image.platform), \(image.layers.count) layers)\(packages) in \(context.lockPath)")
            return
        }
        let snapshot = lock.archive.map { " from \($0.codename)\($0.version.map { " \($0)" } ?? ""), \($0.date)" } ?? ""
        print("locked \(lock.packages.count) packages\(snapshot) in \(context.lockPath)")
    }
}

/// What a new lock changed, a line a package. A first lock lists what den.toml added and
/// counts the base set instead of listing a hundred lines of it.
func changeLines(from old: Lockfile?, to lock: Lockfile) -> [String] {
    if let image = lock.image {
        // An image is pinned as a whole: its digest is what changes; then the packages its apt adds.
        let packages = lock.changes(from: old?.image == nil ? nil : old)
        guard let previous = old?.image else { return ["+ \(image.reference) \(image.digest)"] + packages }
        if previous.digest == image.digest { return packages }
        return ["~ \(image.reference) \(previous.digest) -> \(image.digest)"] + packages
    }
    guard old == nil else { return lock.changes(from: old) }
    let base = lock.packages(in: .base).count
    return lock.packages(in: .packages).map { "+ \($0.name) \($0.version)" } + ["+ \(base) packages of the \(lock.base) base"]
}
