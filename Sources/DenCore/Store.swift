#if canImport(Glibc)
import Glibc
#endif

/// Where den keeps its state, following the XDG base directories:
/// - data (`$XDG_DATA_HOME/den`, default `~/.local/share/den`): envs and layers;
/// - cache (`$XDG_CACHE_HOME/den`, default `~/.cache/den`): downloads that can be fetched again;
/// - runtime (`$XDG_RUNTIME_DIR/den`, else `<data>/run`): state of running envs.
public struct Store: Sendable, Equatable {
    public var dataDirectory: String
    public var cacheDirectory: String
    public var runtimeDirectory: String

    public init(dataDirectory: String, cacheDirectory: String, runtimeDirectory: String) {
        self.dataDirectory = dataDirectory
        self.cacheDirectory = cacheDirectory
        self.runtimeDirectory = runtimeDirectory
    }

    /// The store for `user` under the XDG variables of `environment` (relative values are
    /// ignored, as the specification requires).
    public static func standard(for user: HostUser, environment: [String: String]) -> Store {
        func absolute(_ key: String) -> String? {
            environment[key].flatMap { $0.hasPrefix("/") ? Path.normalize($0) : nil }
        }
        let data = (absolute("XDG_DATA_HOME") ?? "\(user.homeDirectory)/.local/share") + "/den"
        let cache = (absolute("XDG_CACHE_HOME") ?? "\(user.homeDirectory)/.cache") + "/den"
        let runtime = absolute("XDG_RUNTIME_DIR").map { "\($0)/den" } ?? "\(data)/run"
        return Store(dataDirectory: Path.normalize(data), cacheDirectory: Path.normalize(cache), runtimeDirectory: Path.normalize(runtime))
    }

    public var environmentsDirectory: String { "\(dataDirectory)/envs" }

    /// The store-wide lock: building layers and recording which env uses them hold it shared,
    /// `den gc` exclusively, so gc never removes a layer between its build and its first use.
    public func lock(shared: Bool) throws(SystemError) -> FileLock {
        try Store.makeDirectory(dataDirectory)
        return try FileLock(path: "\(dataDirectory)/store.lock", shared: shared)
    }

    public func environmentDirectory(id: String) -> String { "\(environmentsDirectory)/\(id)" }

    /// Creates `path` and its missing parents, private to the user (0700): the store holds
    /// the user's envs and nobody else's business.
    public static func makeDirectory(_ path: String) throws(SystemError) {
        // Every entry passes here: one stat when the directory is already there.
        if FileSystem.isDirectory(path) { return }
        var current = ""
        for component in Path.components(path) {
            current += "/\(component)"
            if mkdir(current, 0o700) != 0, errno != EEXIST {
                throw SystemError("create directory", path: current, errno: errno)
            }
        }
        guard FileSystem.isDirectory(path) else { throw SystemError("create directory", path: path, errno: ENOTDIR) }
    }
}
