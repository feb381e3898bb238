import CDenShim
#if canImport(Glibc)
import Glibc
#endif

/// The setuid shadow-utils helpers that write a multi-id map for an unprivileged user,
/// after checking it against /etc/subuid and /etc/subgid.
public struct IDMapHelpers: Sendable {
    public var newuidmap: String
    public var newgidmap: String

    public init(newuidmap: String, newgidmap: String) {
        self.newuidmap = newuidmap
        self.newgidmap = newgidmap
    }

    /// The helpers where Debian's uidmap package (and every other distribution) puts them.
    public static let standard = IDMapHelpers(newuidmap: locate("newuidmap") ?? "/usr/bin/newuidmap",
                                              newgidmap: locate("newgidmap") ?? "/usr/bin/newgidmap")

    /// True when both exist and are setuid (or carry file capabilities, which a stat cannot see:
    /// a non-setuid helper is reported as unusable and `den doctor` explains).
    public var areInstalled: Bool {
        access(newuidmap, X_OK) == 0 && access(newgidmap, X_OK) == 0
    }

    static func locate(_ name: String) -> String? {
        ["/usr/bin", "/bin", "/usr/sbin", "/sbin", "/usr/local/bin"].map { "\($0)/\(name)" }.first { access($0, X_OK) == 0 }
    }

    /// Writes both maps of `pid`; the two helpers run at once (each costs ~1.5 ms of exec).
    func write(_ identity: SandboxSpec.Identity, pid: Int32) throws(SandboxError) {
        try start(identity, pid: pid)?.finish()
    }

    /// Starts both helpers on `pid` and returns without waiting for them; nil for a single map.
    func start(_ identity: SandboxSpec.Identity, pid: Int32) throws(SandboxError) -> PendingMaps? {
        guard case .subordinate(let uids, let gids) = identity else { return nil }
        func arguments(_ tool: String, _ entries: [IDMapEntry]) -> [String] {
            [tool, String(pid)] + entries.flatMap { ["\($0.inside)", "\($0.outside)", "\($0.count)"] }
        }
        let uid = try Helper.start(arguments(newuidmap, uids))
        do {
            let gid = try Helper.start(arguments(newgidmap, gids))
            return PendingMaps(helpers: [(newuidmap, uid), (newgidmap, gid)])
        } catch {
            _ = uid.finish()
            throw error
        }
    }
}

/// newuidmap and newgidmap at work on one process.
struct PendingMaps: Sendable {
    fileprivate var helpers: [(tool: String, helper: Helper)]

    /// Waits for both; throws when either refused.
    func finish() throws(SandboxError) {
        let results = helpers.map { ($0.tool, $0.helper.finish()) }
        for (tool, result) in results where result.status != 0 {
            let name = tool.split(separator: "/").last.map(String.init) ?? tool
            throw SandboxError(stage: .idMaps, errno: EPERM, detail: "\(name): \(result.output)")
        }
    }
}

/// A short-lived helper process whose standard error is captured.
private struct Helper: Sendable {
    var pid: pid_t
    var errorPipe: Int32

    static func start(_ arguments: [String]) throws(SandboxError) -> Helper {
        var pipeFDs: [Int32] = [-1, -1]
        let rc = den_pipe(&pipeFDs)
        guard rc == 0 else { throw SandboxError(stage: .idMaps, errno: -rc, detail: "pipe") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, pipeFDs[1], 1)
        posix_spawn_file_actions_adddup2(&actions, pipeFDs[1], 2)
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, arguments[0], &actions, nil, &argv, environ)
        close(pipeFDs[1])
        guard spawned == 0 else {
            close(pipeFDs[0])
            throw SandboxError(stage: .idMaps, errno: spawned, detail: arguments[0])
        }
        return Helper(pid: pid, errorPipe: pipeFDs[0])
    }

    func finish() -> (status: Int32, output: String) {
        var output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(errorPipe, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            if count <= 0 { break }
            output += buffer[0..<count]
        }
        close(errorPipe)
        let status = Sandbox.wait(for: pid).exitCode
        // Only a failure is shown (and only then is the text worth its cost, see SandboxPlan.join).
        guard status != 0 else { return (status, "") }
        return (status, String(decoding: output, as: UTF8.self).split(separator: "\n").joined(separator: "; "))
    }
}
