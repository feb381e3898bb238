import CDenShim
import DenFetch
import DenSandbox
import DenTOML
#if canImport(Glibc)
import Glibc
#endif

/// Immutable layers, shared by every env that uses them: `<data>/layers/<digest>/tree` is the
/// layer's tree (a whole root for a base, what it adds for a layer above), `layer.toml` says
/// what went into it. A layer is built under `.staging-<digest>-<pid>` and renamed into place
/// in one step, so a layer directory that exists is complete; a killed build leaves only a
/// staging directory, which the next build of that layer removes.
public struct LayerStore: Sendable {
    public var directory: String

    public init(store: Store) {
        directory = "\(store.dataDirectory)/layers"
    }

    public func path(of digest: String) -> String { "\(directory)/\(digest)" }
    public func tree(of digest: String) -> String { "\(directory)/\(digest)/tree" }
    public func contains(_ digest: String) -> Bool { FileSystem.isDirectory(tree(of: digest)) }

    /// The digest of a layer's tree path in this store, nil for a path elsewhere (a `dir:` base).
    public func digest(ofTree path: String) -> String? {
        guard path.hasPrefix("\(directory)/"), path.hasSuffix("/tree") else { return nil }
        let digest = String(path.dropFirst(directory.count + 1).dropLast("/tree".count))
        return Self.isDigest(digest) ? digest : nil
    }

    /// Where the build locks are: one a layer, held while a den builds it.
    var lockDirectory: String { "\(directory)/.locks" }

    func lockPath(of digest: String) -> String { "\(lockDirectory)/\(digest).lock" }

    /// 64 lowercase hex digits: what may name a layer directory (and be removed as one).
    public static func isDigest(_ text: String) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }

    /// Builds the layer `digest` unless it exists: `build` fills the staging directory it is
    /// given (its `tree` subdirectory becomes the layer) and returns the metadata to record.
    /// Holds a lock on the digest meanwhile, so two dens that need the same layer build it once:
    /// the second waits and finds it done. Returns false when the layer was already there.
    @discardableResult
    public func make(
        _ digest: String, identity: SandboxSpec.Identity, build: (_ staging: String) throws -> TOMLTable
    ) throws -> Bool {
        if contains(digest) { return false }
        try Store.makeDirectory(lockDirectory)
        let lock = try FileLock(path: lockPath(of: digest))
        defer { lock.release() }
        if contains(digest) { return false }
        // Whatever a killed build of this layer left (we hold its lock: no build is running).
        for name in try FileSystem.directoryEntries(directory) where name.hasPrefix(".staging-\(digest)-") {
            try Sandbox.removeTree("\(directory)/\(name)", identity: identity)
        }
        let staging = "\(directory)/.staging-\(digest)-\(getpid())"
        try Store.makeDirectory(staging)
        do {
            var metadata = try build(staging)
            metadata.set("digest", .string(digest))
            metadata.set("created", .integer(Int64(time(nil))))
            try FileSystem.writeAtomically("\(staging)/layer.toml", contents: Array(TOML.render(metadata).utf8), mode: 0o644)
            // The build skipped per-file fsyncs (dpkg --force-unsafe-io): one syncfs makes the
            // whole tree durable before the rename makes it a layer, so a crash cannot leave
            // a layer with empty files.
            let synced = den_sync_filesystem(staging)
            guard synced == 0 else { throw SystemError("sync", path: staging, errno: -synced) }
            guard rename(staging, path(of: digest)) == 0 else {
                throw SystemError("rename", path: staging, errno: errno)
            }
        } catch {
            // The build's own error matters more than a failure to clean up after it.
            try? Sandbox.removeTree(staging, identity: identity)
            throw error
        }
        return true
    }

    /// The recorded metadata of a layer, or nil when it is missing or unreadable.
    public func metadata(of digest: String) -> TOMLTable? {
        guard let text = (try? FileSystem.readText("\(path(of: digest))/layer.toml")) ?? nil else { return nil }
        return try? TOML.parse(text)
    }

    /// Where imported layers are recorded as standing in for the layers a lock would build.
    var aliasDirectory: String { "\(directory)/.aliases" }

    static func aliasName(for keys: [String]) -> String {
        var hasher = SHA256()
        hasher.update(Array(keys.joined(separator: "\n").utf8))
        return hasher.finalize()
    }

    /// Records that layer `digest` (an imported env) stands in for the stack `keys`, top first.
    public func recordAlias(for keys: [String], layer digest: String) throws {
        try Store.makeDirectory(aliasDirectory)
        try FileSystem.writeAtomically("\(aliasDirectory)/\(Self.aliasName(for: keys))", contents: Array((digest + "\n").utf8), mode: 0o644)
    }

    /// The layer that stands in for `keys`, when one was imported and is still there.
    public func alias(for keys: [String]) -> String? {
        guard let text = (try? FileSystem.readText("\(aliasDirectory)/\(Self.aliasName(for: keys))")) ?? nil else { return nil }
        let digest = text.trimmingSpaces().split(separator: "\n").first.map(String.init) ?? ""
        return Self.isDigest(digest) && contains(digest) ? digest : nil
    }
}
