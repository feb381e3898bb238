import DenTOML
#if canImport(Glibc)
import Glibc
#endif

/// An env whose init is serving its session socket: what `den ps` lists and `den stop` ends.
public struct RunningEnvironment: Sendable, Equatable {
    public var id: String
    public var name: String
    public var project: String
    /// The init's pid on the host.
    public var pid: Int32
    public var sessions: Int
    public var uptimeSeconds: Int

    /// The envs running for the store's user, by name. A socket nobody answers is what an
    /// ended env leaves (its next start replaces it): skipped, not removed, since a den
    /// starting that env may be about to replace it.
    public static func list(store: Store) -> [RunningEnvironment] {
        let directory = store.runtimeDirectory
        guard let entries = try? FileSystem.directoryEntries(directory) else { return [] }
        var result: [RunningEnvironment] = []
        for entry in entries where entry.hasSuffix(".sock") {
            let id = String(entry.dropLast(".sock".count))
            guard let session = try? RuntimeSession(directory: directory, environmentID: id, request: .query) else { continue }
            guard let answer = session.readToEnd(timeoutMilliseconds: 2000),
                  let sessions = Int(answer.split(separator: "\n").first ?? "")
            else { continue }
            let metadata = (try? FileSystem.readText("\(store.environmentDirectory(id: id))/env.toml")).flatMap { $0 }
            let table = metadata.flatMap { try? TOML.parse($0) }
            func field(_ key: String) -> String? {
                if case .string(let value) = table?[key]?.node.value { return value }
                return nil
            }
            result.append(RunningEnvironment(
                id: id, name: field("name") ?? id, project: field("project") ?? "?", pid: session.initPID,
                sessions: sessions, uptimeSeconds: uptime(of: session.initPID)))
        }
        return result.sorted { ($0.name, $0.id) < ($1.name, $1.id) }
    }

    /// Ends the env: SIGTERM to its processes, SIGKILL after `grace` seconds; returns false
    /// when it was not running. Waits until it has ended.
    public static func stop(id: String, store: Store, grace: UInt8) throws(SystemError) -> Bool {
        let session: RuntimeSession?
        do {
            session = try RuntimeSession(directory: store.runtimeDirectory, environmentID: id, request: .stop(grace: grace))
        } catch {
            throw SystemError("connect", path: error.path, errno: error.errno)
        }
        guard let session else { return false }
        // The init closes the connection as it leaves; if it does not (stuck), kill it, which
        // takes every process of the env with it.
        if session.readToEnd(timeoutMilliseconds: (Int32(grace) + 5) * 1000) == nil {
            kill(session.initPID, SIGKILL)
        }
        return true
    }

    /// Seconds since the process started, from /proc (start time in clock ticks after boot).
    static func uptime(of pid: Int32) -> Int {
        guard let stat = (try? FileSystem.readText("/proc/\(pid)/stat")).flatMap({ $0 }),
              let uptimeText = (try? FileSystem.readText("/proc/uptime")).flatMap({ $0 }),
              let close = stat.lastIndex(of: ")")
        else { return 0 }
        // Fields after the command name (which may contain spaces); starttime is field 22.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 19, let start = Double(fields[19]),
              let now = Double(uptimeText.split(separator: " ").first ?? "")
        else { return 0 }
        return max(0, Int(now - start / Double(sysconf(Int32(_SC_CLK_TCK)))))
    }
}
