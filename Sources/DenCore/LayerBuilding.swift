import DenSandbox
#if canImport(Glibc)
import Glibc
#endif

/// What every kind of layer build shares: where layers and logs go, the ids the tree is
/// made with, and how a failed stage and a finished tree are reported.
public protocol LayerBuilding {
    var layers: LayerStore { get }
    var identity: SandboxSpec.Identity { get }
    var logDirectory: String { get }
}

extension LayerBuilding {
    /// The `TreeDigest` of a layer's tree, computed inside the user namespace (the tree has
    /// files only the env's ids may read). `scratch` is a directory for the result.
    public func treeDigest(of tree: String, scratch: String) throws -> String {
        let (outcome, output) = try InternalHelper.capture([InternalHelper.digestFlag, tree], identity: identity, scratch: scratch)
        let digest = output.split(separator: "\n").first.map(String.init) ?? ""
        guard outcome == .finished(.exited(0)), digest.count == 64 else {
            throw BuildError.digestFailed(tree: tree, reason: "\(outcome): \(output.trimmingSpaces())")
        }
        return digest
    }

    func stageFailure(_ stage: String, outcome: SandboxOutcome, logPath: String, name: String) -> BuildError {
        // A full disk may leave not even the log to say so (it is on the same disk).
        var space = statvfs()
        let directory = layers.directory
        if statvfs(directory, &space) == 0, UInt64(space.f_bavail) * UInt64(space.f_frsize) < 8 << 20 || space.f_favail == 0 {
            return .diskFull(stage: stage, directory: directory)
        }
        let text = (try? FileSystem.read(logPath)).map { String(decoding: $0.suffix(4096), as: UTF8.self) } ?? ""
        let tail = text.split(separator: "\n", omittingEmptySubsequences: true).suffix(8).joined(separator: "\n")
        let status = switch outcome {
        case .finished(.exited(let code)): "it exited with status \(code)"
        case .finished(.signalled(let signal)): "it was killed by signal \(signal)"
        case .commandFailed(let command, let errno): "'\(command)' could not run (errno \(errno))"
        }
        return .stageFailed(stage: stage, outcome: status, log: keepLog(logPath, name: name), tail: tail)
    }

    /// A failed build's log, kept where the user can read it after the staging tree is gone
    /// (the cache may be on another filesystem: then it is copied; on a full disk the copy may
    /// fail, so the error carries the log's last lines too).
    func keepLog(_ path: String, name: String) -> String {
        let kept = "\(logDirectory)/build-\(name)-\(time(nil)).log"
        try? Store.makeDirectory(logDirectory)
        if rename(path, kept) == 0 { return kept }
        guard let bytes = try? FileSystem.read(path), (try? FileSystem.writeAtomically(kept, contents: bytes)) != nil else {
            return path
        }
        return kept
    }

    /// The layer being built as an overlay over the layers below (an empty one for a base).
    func overlaySpec(staging: String, below: [String]) -> SandboxSpec.Overlay {
        for directory in ["\(staging)/tree", "\(staging)/work", "\(staging)/empty", "\(staging)/mnt"] {
            try? Store.makeDirectory(directory)
        }
        return SandboxSpec.Overlay(
            lowerDirectories: below.isEmpty ? ["\(staging)/empty"] : below, upperDirectory: "\(staging)/tree",
            workDirectory: "\(staging)/work", mountpoint: "\(staging)/mnt")
    }

    /// Runs a stage in the sandbox with its output in the staging directory's log, then
    /// removes overlayfs's work directory and the mount point: only `tree` is left to keep.
    func runStage(_ spec: SandboxSpec, staging: String, stage: String, name: String, log: Int32? = nil) throws {
        let logPath = "\(staging)/build.log"
        var fd = log ?? -1
        if fd < 0 {
            fd = open(logPath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw SystemError("create", path: logPath, errno: errno) }
        }
        defer { if log == nil { close(fd) } }
        let outcome = try Sandbox.run(spec, output: .file(fd))
        guard outcome == .finished(.exited(0)) else {
            throw stageFailure(stage, outcome: outcome, logPath: logPath, name: name)
        }
        for directory in ["\(staging)/work", "\(staging)/\(DebianBuild.databaseName)"] where FileSystem.exists(directory) {
            try Sandbox.removeTree(directory, identity: identity)
        }
        for directory in ["\(staging)/empty", "\(staging)/mnt"] { rmdir(directory) }
    }

    /// Recomputes the tree digest of each of the env's layers (top first) and compares it with
    /// the one recorded at build time: a layer changed on disk since, or built differently on
    /// another machine, shows here. Call from the main thread.
    public func verify(trees: [String]) throws -> [DebianBuild.LayerCheck] {
        try trees.map { tree in
            let directory = String(tree.dropLast("/tree".count))
            let digest = Path.lastComponent(directory)
            let metadata = layers.metadata(of: digest)
            let recorded: String? = if case .string(let value) = metadata?["tree"]?.node.value { String(value.dropFirst("sha256:".count)) } else { nil }
            let kind: String = if case .string(let value) = metadata?["kind"]?.node.value { value } else { "layer" }
            try Store.makeDirectory(logDirectory)
            return DebianBuild.LayerCheck(kind: kind, digest: digest, recorded: recorded, actual: try treeDigest(of: tree, scratch: logDirectory))
        }
    }

    /// The staging directory's `tree` (made) and its build log, open for writing.
    func openBuildLog(staging: String) throws -> (tree: String, logPath: String, descriptor: Int32) {
        let tree = "\(staging)/tree"
        try Store.makeDirectory(tree)
        let logPath = "\(staging)/build.log"
        let log = open(logPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard log >= 0 else { throw SystemError("create", path: logPath, errno: errno) }
        return (tree, logPath, log)
    }

    /// Applies image layers (digest and cached file, bottom first) into `staging/tree` with den's
    /// helper inside the user namespace (see `ImageLayerHelper`).
    func applyImageLayers(_ blobs: [(digest: String, path: String)], staging: String, stage: String, name: String) throws {
        let (tree, logPath, log) = try openBuildLog(staging: staging)
        defer { close(log) }
        let ownership = if case .subordinate = identity { "apply" } else { "ignore" }
        let outcome = try Sandbox.runHelper(
            [ImageLayerHelper.flag, tree, ownership] + blobs.map { "\($0.digest)=\($0.path)" },
            identity: identity, environment: DebianBuild.helperEnvironment, output: .file(log))
        guard outcome == .finished(.exited(0)) else {
            throw stageFailure(stage, outcome: outcome, logPath: logPath, name: name)
        }
    }
}
