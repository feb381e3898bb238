import ArgumentParser
import DenCore
#if canImport(Glibc)
import Glibc
#endif

extension EnvironmentExport.Format: ExpressibleByArgument {}

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write the project's built env as an image archive or a root filesystem.",
        discussion: """
            The env's layers are merged into one image layer, as the env sees them. oci-archive and \
            docker-archive load with `podman load -i FILE` or `docker load -i FILE` (image \
            localhost/den/NAME:latest) and carry den.lock, so `den import FILE` gives another store this \
            env without network. rootfs is a .tar.zst of the tree. Your changes inside the env (its \
            writable layer) are left out unless --include-changes.
            """
    )

    @Option(help: "oci-archive, docker-archive or rootfs.")
    var format: EnvironmentExport.Format = .ociArchive

    @Option(name: .shortAndLong, help: "The file to write.")
    var output: String

    @Flag(help: "Also export the env's own changes (its writable layer).")
    var includeChanges = false

    @Flag(help: "Replace the output file when it exists.")
    var force = false

    func run() throws {
        let context = try ProjectContext.load()
        let environment = try context.prepareEnvironment(forceLock: false, events: BuildReporter().callAsFunction)
        let path = Path.resolve(output, against: try FileSystem.currentDirectory())
        let export = EnvironmentExport(environment: environment, lock: try context.readLock(), store: context.store,
                                       identity: context.idMapping.identity(for: context.user), includesChanges: includeChanges)
        do {
            try export.write(to: path, format: format, replacing: force)
        } catch let error as SystemError where error.errno == EEXIST && error.path == path {
            throw UserError("'\(path)' already exists", fix: "choose another file, or pass --force to replace it")
        }
        print("exported \(context.manifest.name) (\(format.rawValue)) to \(path)")
    }
}

struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Put an env written by `den export` into your store.",
        discussion: """
            The archive's env stands in for the layers of the den.lock it was built from: a project with \
            that lock enters it with no download and no build, also offline.
            """
    )

    @Argument(help: "An oci-archive or docker-archive written by `den export`.")
    var file: String

    func run() throws {
        let user = HostUser.current()
        let environment = ProcessEnvironment.current()
        let store = Store.standard(for: user, environment: environment)
        let path = Path.resolve(file, against: try FileSystem.currentDirectory())
        let lock = try store.lock(shared: true)
        defer { lock.release() }
        let imported = try EnvironmentImport(store: store, user: user, idMapping: IDMapping.detect(for: user)).importArchive(path)
        let what = imported.lock.image.map { $0.reference } ?? imported.lock.base
        print("\(imported.wasPresent ? "already imported" : "imported") \(imported.name.isEmpty ? "an env" : imported.name) (\(what)) as layer \(imported.digest.prefix(12)); projects with its den.lock use it")
    }
}

struct PushCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "push",
        abstract: "Upload the project's built env to den.toml's `cache` for teammates.",
        discussion: """
            The env is pushed as `den export` makes it, tagged with its den.lock's digest: a teammate's \
            build of the same den.lock pulls it instead of building (once they trusted the cache with \
            `den trust`). Credentials come from the same files as for pulling (`podman login`).
            """
    )

    func run() throws {
        let context = try ProjectContext.load()
        let reference = try context.pushToCache(events: BuildReporter().callAsFunction)
        print("pushed \(context.manifest.name) to \(reference)")
    }
}

extension CacheError: UserErrorConvertible {
    var userError: UserError {
        switch self {
        case .noCache:
            return UserError("den.toml names no cache to push to", fix: "add cache = \"REGISTRY/REPOSITORY\" to den.toml")
        }
    }
}

extension ImportError: UserErrorConvertible {
    var userError: UserError {
        switch self {
        case .notAnExport(let file):
            return UserError("'\(file)' was not written by `den export`", why: "its image carries no den.lock",
                             fix: "use it as a base instead: base = \"docker-archive:\(file)\" (or oci-layout: for an unpacked layout)")
        }
    }
}

extension ExportError: UserErrorConvertible {
    var userError: UserError {
        switch self {
        case .treeFailed(let outcome, let detail):
            return UserError("cannot export the env's files", why: "\(outcome)\(detail.isEmpty ? "" : ": \(detail)")",
                             fix: "check the free space of the output and cache directories; if there is enough, run `den verify`")
        }
    }
}
