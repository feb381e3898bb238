import CDenShim
#if canImport(Glibc)
import Glibc
#endif

/// An env's own cgroup (v2), inside the subtree the user was delegated: every process of the
/// env is placed there, and den.toml's `[limits]` are written to it. Only the cgroup v2
/// hierarchy is touched; on a hybrid system the v1 hierarchies belong to the machine.
public struct CgroupPlacement: Sendable, Equatable {
    /// `<delegated>/den/<env id>`.
    public var directory: String
    public var limits: Limits

    /// How many times the kernel's OOM killer struck in the env so far.
    public func oomKills() -> Int {
        guard let text = (try? FileSystem.readText("\(directory)/memory.events")) ?? nil else { return 0 }
        for line in text.split(separator: "\n") where line.hasPrefix("oom_kill ") {
            return Int(line.dropFirst("oom_kill ".count)) ?? 0
        }
        return 0
    }

    /// Removes the cgroup once the env has no process left. A session that leaves the env to
    /// others (`hasOtherSessions`) leaves it at once; the last one out waits a little for the
    /// env's processes to be gone. A group left behind is removed when the next env is prepared.
    public func removeWhenEmpty(hasOtherSessions: () -> Bool) {
        if rmdir(directory) == 0 || errno != EBUSY || hasOtherSessions() { return }
        for _ in 0..<20 {
            usleep(10_000)
            if rmdir(directory) == 0 || errno != EBUSY { return }
        }
    }
}

public enum Cgroups {
    /// Where the cgroup v2 hierarchy is mounted: `/sys/fs/cgroup` on a unified system,
    /// `/sys/fs/cgroup/unified` on a hybrid one.
    static func unifiedMount() -> String? {
        for path in ["/sys/fs/cgroup", "/sys/fs/cgroup/unified"] where den_filesystem_type(path) == 0x6367_7270 {
            return path
        }
        return nil
    }

    /// The top of the cgroup subtree delegated to `user` that holds den's own process: walking
    /// up from den's cgroup, the highest directory whose `cgroup.procs` the user owns (what
    /// systemd's `user@UID.service` is). nil and why when there is none.
    public static func delegatedRoot(user: HostUser) -> (root: String?, reason: String) {
        guard let mount = unifiedMount() else { return (nil, "this machine has no cgroup v2 hierarchy") }
        guard let text = (try? FileSystem.readText("/proc/self/cgroup")) ?? nil,
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("0::") })
        else { return (nil, "den's process is in no cgroup v2 group") }
        let own = String(line.dropFirst(3))
        var path = own
        var delegated: String?
        while true {
            let directory = path == "/" ? mount : mount + path
            var info = stat()
            guard stat("\(directory)/cgroup.procs", &info) == 0, info.st_uid == user.uid else { break }
            delegated = directory
            guard path != "/", let slash = path.lastIndex(of: "/") else { break }
            path = slash == path.startIndex ? "/" : String(path[..<slash])
        }
        if let delegated { return (delegated, "") }
        return (nil, "den's cgroup '\(own)' in \(mount) is not delegated to \(user.name) (its cgroup.procs belongs to someone else)")
    }

    /// The controllers `limits` need.
    static func controllers(for limits: Limits) -> [String] {
        (limits.memoryBytes == nil ? [] : ["memory"]) + (limits.cpus == nil ? [] : ["cpu"]) + (limits.pids == nil ? [] : ["pids"])
    }

    /// The env's cgroup with `limits` written, or nil when there is no delegated subtree and
    /// no limits are asked for (an env needs no cgroup of its own then). With limits that
    /// cannot be applied, this throws: den never ignores them silently.
    public static func prepare(environmentID: String, limits: Limits, user: HostUser) throws(CgroupError) -> CgroupPlacement? {
        let (found, reason) = delegatedRoot(user: user)
        guard let root = found else {
            if limits.isEmpty { return nil }
            throw .notDelegated(reason: reason)
        }
        let needed = controllers(for: limits)
        let available = ((try? FileSystem.readText("\(root)/cgroup.controllers")) ?? nil)?
            .split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init) ?? []
        let missing = needed.filter { !available.contains($0) }
        guard missing.isEmpty else { throw .controllersMissing(missing, directory: root, available: available) }

        let parent = "\(root)/den"
        let directory = "\(parent)/\(environmentID)"
        let enable = needed.map { "+\($0)" }.joined(separator: " ")
        if !enable.isEmpty { try write(enable, to: "\(root)/cgroup.subtree_control") }
        try makeDirectory(parent)
        if !enable.isEmpty { try write(enable, to: "\(parent)/cgroup.subtree_control") }
        // Groups of envs that ended while den could not remove them (it was killed).
        for name in (try? FileSystem.directoryEntries(parent)) ?? [] where name != environmentID {
            var info = stat()
            if lstat("\(parent)/\(name)", &info) == 0, info.st_mode & S_IFMT == S_IFDIR { rmdir("\(parent)/\(name)") }
        }
        try makeDirectory(directory)
        if let bytes = limits.memoryBytes {
            try write("\(bytes)", to: "\(directory)/memory.max")
            // Without swap the limit is the limit: the OOM killer acts instead of the disk thrashing.
            if FileSystem.exists("\(directory)/memory.swap.max") { try write("0", to: "\(directory)/memory.swap.max") }
        }
        if let cpus = limits.cpus { try write("\(max(1000, Int(cpus * 100_000))) 100000", to: "\(directory)/cpu.max") }
        if let pids = limits.pids { try write("\(pids)", to: "\(directory)/pids.max") }
        return CgroupPlacement(directory: directory, limits: limits)
    }

    static func makeDirectory(_ path: String) throws(CgroupError) {
        guard mkdir(path, 0o755) == 0 || errno == EEXIST else { throw .system(path: path, errno: errno) }
    }

    static func write(_ text: String, to path: String) throws(CgroupError) {
        let fd = open(path, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .system(path: path, errno: errno) }
        defer { close(fd) }
        let written = text.withCString { Glibc.write(fd, $0, strlen($0)) }
        guard written >= 0 else { throw .system(path: path, errno: errno) }
    }
}

public enum CgroupError: Error, Sendable, Equatable {
    /// No cgroup v2 subtree is delegated to the user.
    case notDelegated(reason: String)
    /// The delegated subtree lacks controllers the limits need.
    case controllersMissing([String], directory: String, available: [String])
    case system(path: String, errno: Int32)
}
