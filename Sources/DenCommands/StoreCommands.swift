import ArgumentParser
import DenCore
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif

struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ls",
        abstract: "List the envs and layers in your store, with their sizes.",
        discussion: "Sizes are disk blocks in use; a layer shared by several envs is counted once, in the layer table."
    )

    @Flag(help: "Print JSON for scripts.")
    var json = false

    struct Listing: Codable {
        struct Env: Codable {
            var name: String
            var id: String
            var project: String
            var base: String
            var running: Bool
            var projectExists: Bool
            /// The env's own changes (its writable layer).
            var changesBytes: Int64
            var lastUsed: Int64
        }

        struct Layer: Codable {
            var digest: String
            var kind: String
            var bytes: Int64
            var envs: [String]
        }

        var envs: [Env]
        var layers: [Layer]
    }

    func run() throws {
        let user = HostUser.current()
        let store = Store.standard(for: user, environment: ProcessEnvironment.current())
        let inventory = StoreInventory.read(store: store)
        let identity = IDMapping.detect(for: user).identity(for: user)
        let paths = inventory.environments.map { "\($0.directory)/upper" } + inventory.layers.map(\.directory)
        let sizes = try DiskUsage.measure(paths, identity: identity, scratch: "\(store.cacheDirectory)/logs")
        let listing = Listing(
            envs: inventory.environments.map {
                Listing.Env(name: $0.name, id: $0.id, project: $0.project, base: $0.base, running: inventory.running.contains($0.id),
                            projectExists: FileSystem.isDirectory($0.project), changesBytes: sizes["\($0.directory)/upper"] ?? 0,
                            lastUsed: $0.lastUsed)
            },
            layers: inventory.layers.map {
                Listing.Layer(digest: $0.digest, kind: $0.kind, bytes: sizes[$0.directory] ?? 0, envs: $0.usedBy)
            })
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(listing), as: UTF8.self))
            return
        }
        let now = Int64(time(nil))
        var envRows = [["NAME", "PROJECT", "BASE", "CHANGES", "LAST USED"]]
        for env in listing.envs {
            let state = env.running ? "running" : Self.ago(now - env.lastUsed)
            envRows.append([env.name, env.project + (env.projectExists ? "" : " (gone)"), env.base,
                            ByteSize.format(UInt64(max(env.changesBytes, 0))), state])
        }
        var layerRows = [["LAYER", "KIND", "SIZE", "ENVS"]]
        let names = Dictionary(listing.envs.map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })
        for layer in listing.layers {
            layerRows.append([String(layer.digest.prefix(12)), layer.kind, ByteSize.format(UInt64(max(layer.bytes, 0))),
                              layer.envs.isEmpty ? "-" : layer.envs.map { names[$0] ?? $0 }.joined(separator: ", ")])
        }
        print(listing.envs.isEmpty ? "no envs" : Self.table(envRows))
        print("")
        print(listing.layers.isEmpty ? "no layers" : Self.table(layerRows))
    }

    static func table(_ rows: [[String]]) -> String {
        let widths = (0..<rows[0].count).map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { $0.offset == row.count - 1 ? $0.element : $0.element.padding(to: widths[$0.offset]) }
                .joined(separator: "  ")
        }.joined(separator: "\n")
    }

    static func ago(_ seconds: Int64) -> String {
        switch seconds {
        case ..<60: "just now"
        case ..<3600: "\(seconds / 60) min ago"
        case ..<86400: "\(seconds / 3600) h ago"
        default: "\(seconds / 86400) days ago"
        }
    }
}

struct GCCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gc",
        abstract: "Free disk space: envs whose project is gone, unused layers, downloads and build logs.",
        discussion: """
            Keeps every env whose project directory exists (and any running env), the layers they stand \
            on, and the downloads their den.lock names. Removal stays inside den's store: it never \
            follows a symlink or crosses a mount point.
            """
    )

    @Flag(name: .customLong("dry-run"), help: "Print what would be removed, remove nothing.")
    var dryRun = false

    func run() throws {
        let user = HostUser.current()
        let store = Store.standard(for: user, environment: ProcessEnvironment.current())
        let identity = IDMapping.detect(for: user).identity(for: user)
        // No build may commit a layer and no env record it while gc decides.
        let lock = try store.lock(shared: false)
        defer { lock.release() }
        var collection = GarbageCollection.plan(store: store)
        try collection.measure(identity: identity, scratch: "\(store.cacheDirectory)/logs")
        var downloads: (count: Int, bytes: Int64) = (0, 0)
        var logs = 0
        var records = 0
        var leftovers = 0
        var buildLocks = 0
        for removal in collection.removals {
            let size = ByteSize.format(UInt64(max(removal.bytes, 0)))
            switch removal.kind {
            case .environment(let name, let project):
                print("\(dryRun ? "would remove" : "removed") env \(name) (project \(project) is gone): \(size)")
            case .layer(let kind):
                print("\(dryRun ? "would remove" : "removed") \(kind) layer \(Path.lastComponent(removal.path).prefix(12)): \(size)")
            case .staging:
                print("\(dryRun ? "would remove" : "removed") an unfinished build: \(size)")
            case .download:
                downloads = (downloads.count + 1, downloads.bytes + removal.bytes)
            case .log:
                logs += 1
            case .record:
                records += 1
            case .runtime:
                leftovers += 1
            case .buildLock:
                buildLocks += 1
            }
        }
        if downloads.count > 0 {
            print("\(dryRun ? "would remove" : "removed") \(downloads.count) cached downloads: \(ByteSize.format(UInt64(max(downloads.bytes, 0))))")
        }
        if logs > 0 { print("\(dryRun ? "would remove" : "removed") \(logs) build logs") }
        if records > 0 { print("\(dryRun ? "would remove" : "removed") \(records) trust and import records of what is gone") }
        if buildLocks > 0 { print("\(dryRun ? "would remove" : "removed") the build locks of \(buildLocks) removed layer\(buildLocks == 1 ? "" : "s")") }
        if leftovers > 0 { print("\(dryRun ? "would remove" : "removed") the lock and socket files of \(leftovers) removed env\(leftovers == 1 ? "" : "s")") }
        if !dryRun { try collection.run(store: store, identity: identity) }
        let total = ByteSize.format(UInt64(max(collection.totalBytes, 0)))
        print(collection.removals.isEmpty ? "nothing to remove" : dryRun ? "would free \(total)" : "freed \(total)")
    }
}

struct RemoveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rm",
        abstract: "Remove an env: its changes, your home inside it, its record. The project is not touched.",
        discussion: "Without NAME, the env of the project in this directory. Layers stay until `den gc`."
    )

    @Argument(help: "The env's name (or id, as `den ls --json` prints it).")
    var name: String?

    @Flag(help: "Stop the env first if it is running.")
    var force = false

    func run() throws {
        let (environment, store, user) = try stoppedEnvironment(named: name, force: force, command: "rm")
        let identity = IDMapping.detect(for: user).identity(for: user)
        try keepingStopped(environment, store: store, command: "rm", removingRuntimeFiles: true) {
            try store.remove(environment.directory, identity: identity)
        }
        print("removed env \(environment.name) (\(environment.project)); `den gc` frees the layers no env uses")
    }
}

extension String {
    func padding(to width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}

extension StoreInventory.LookupError: UserErrorConvertible {
    var userError: UserError {
        switch self {
        case .none(let name):
            UserError("no env named '\(name)'", fix: "`den ls` lists your envs")
        case .ambiguous(let name, let matches):
            UserError("\(matches.count) envs are named '\(name)'", why: matches.map { "\($0.id) for \($0.project)" }.joined(separator: "; "),
                      fix: "name one by its id (`den ls --json` prints them)")
        }
    }
}

/// The env a command names (or this project's), stopped first when it runs and `force` is
/// given, refused when it runs otherwise: what `den rm` and `den reset` share.
func stoppedEnvironment(named name: String?, force: Bool, command: String) throws -> (EnvironmentRecord, Store, HostUser) {
    let user = HostUser.current()
    let store = Store.standard(for: user, environment: ProcessEnvironment.current())
    let inventory = StoreInventory.read(store: store)
    let environment: EnvironmentRecord
    if let name {
        environment = try inventory.environment(named: name)
    } else {
        let project = try locateProject(nil)
        let manifest = try project.loadManifest(homeDirectory: user.homeDirectory)
        let id = Environment.id(name: manifest.name, projectDirectory: project.directory)
        guard let record = inventory.environments.first(where: { $0.id == id }) else {
            throw UserError("this project has no env yet", fix: "nothing to \(command == "rm" ? "remove" : "reset")")
        }
        environment = record
    }
    if inventory.running.contains(environment.id) {
        guard force else {
            throw UserError("env '\(environment.name)' is running", fix: "leave its sessions or run `den \(command) --force` to stop it first")
        }
        _ = try RunningEnvironment.stop(id: environment.id, store: store, grace: 10)
    }
    return (environment, store, user)
}

/// Runs `body` while no den can start the env (see `Store.whileStopped`).
func keepingStopped(
    _ environment: EnvironmentRecord, store: Store, command: String, removingRuntimeFiles: Bool = false, _ body: () throws -> Void
) throws {
    guard try store.whileStopped(environmentID: environment.id, removingRuntimeFiles: removingRuntimeFiles, body) else {
        throw UserError("env '\(environment.name)' started again before `den \(command)` could begin",
                        fix: "leave its sessions or run `den \(command) --force` to stop it first")
    }
}
