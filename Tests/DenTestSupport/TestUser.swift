import Foundation

/// An unprivileged account the integration tests run `den` as. Rootless is the product: a
/// test that passes only as root proves nothing, and CI runs as root, so the suite makes
/// its own users once per machine.
///
/// - `withRanges` has 65536 subordinate uids and gids (newuidmap/newgidmap mode).
/// - `withoutRanges` has none (den's single-id fallback).
///
/// When the suite itself runs as an ordinary user it cannot create accounts; both then
/// name the current user, and tests that need a specific mode say so and skip.
public struct TestUser: Sendable {
    public var name: String
    public var uid: UInt32
    public var gid: UInt32
    public var home: String
    public var hasSubordinateRanges: Bool
    /// False when this is the account running the tests (not root), not one made for them.
    public var isDedicated: Bool

    public static var withRanges: TestUser {
        get throws { try TestUsers.shared.withRanges.get() }
    }

    public static var withoutRanges: TestUser {
        get throws { try TestUsers.shared.withoutRanges.get() }
    }

    /// A fresh directory owned by this user, inside a world-traversable scratch area.
    public func makeTemporaryDirectory(_ label: String = "t") throws -> String {
        let base = try TestUsers.scratchRoot()
        let path = "\(base)/\(label)-\(UUID().uuidString.prefix(8).lowercased())"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        try chown(path)
        return path
    }

    public func chown(_ path: String) throws {
        guard getuid() == 0 else { return }
        guard Foundation.chown(path, uid, gid) == 0 else {
            throw TestFailure("chown \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// The command line that runs `executable` as this user with `environment` (see `run`).
    public func commandLine(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) -> [String] {
        var env = [
            "HOME": home, "USER": name, "LOGNAME": name, "LANG": "C.UTF-8",
            "PATH": "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin",
        ]
        env.merge(environment) { $1 }
        let envArguments = env.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        let direct = ["/usr/bin/env", "-i"] + envArguments + [executable] + arguments
        guard getuid() == 0 else { return direct }
        return ["/usr/bin/setpriv", "--reuid=\(uid)", "--regid=\(gid)", "--clear-groups", "--"] + direct
    }

    /// Runs `executable` as this user with a clean environment: HOME, USER, PATH, LANG and
    /// `environment` on top. Root drops to the user with setpriv (util-linux), which also
    /// clears supplementary groups so nothing of root's leaks in.
    public func run(
        _ executable: String, _ arguments: [String], environment: [String: String] = [:],
        directory: String? = nil, input: String? = nil, timeout: Duration = .seconds(120)
    ) throws -> ProcessResult {
        let line = commandLine(executable, arguments, environment: environment)
        return try ProcessRunner.run(line[0], Array(line.dropFirst()), environment: [:], directory: directory,
                                     input: input, timeout: timeout)
    }
}

/// Creates the accounts at most once per process, and reuses them across runs: useradd
/// is slow and a second run on the same machine finds them in place.
final class TestUsers: Sendable {
    static let shared = TestUsers()

    let withRanges: Result<TestUser, TestFailure>
    let withoutRanges: Result<TestUser, TestFailure>

    private init() {
        if getuid() == 0 {
            withRanges = Result { try TestUsers.ensure(name: "den-test", ranges: true) }.mapError { TestFailure("\($0)") }
            withoutRanges = Result { try TestUsers.ensure(name: "den-test-flat", ranges: false) }.mapError { TestFailure("\($0)") }
        } else {
            let current = Result { try TestUsers.current() }.mapError { TestFailure("\($0)") }
            withRanges = current
            withoutRanges = current
        }
    }

    static func current() throws -> TestUser {
        guard let entry = getpwuid(getuid()) else { throw TestFailure("no passwd entry for uid \(getuid())") }
        let name = String(cString: entry.pointee.pw_name)
        let ranges = (try? String(contentsOfFile: "/etc/subuid", encoding: .utf8))?
            .split(separator: "\n").contains { $0.hasPrefix("\(name):") || $0.hasPrefix("\(getuid()):") } ?? false
        return TestUser(name: name, uid: getuid(), gid: getgid(), home: String(cString: entry.pointee.pw_dir),
                        hasSubordinateRanges: ranges, isDedicated: false)
    }

    static func ensure(name: String, ranges: Bool) throws -> TestUser {
        let lock = try FileLock(path: "/tmp/den-test-users.lock")
        defer { lock.release() }
        if getpwnam(name) == nil {
            let result = try ProcessRunner.run("/usr/sbin/useradd", ["--create-home", "--shell", "/bin/sh", "--user-group", name])
            guard result.status == 0 else { throw TestFailure("useradd \(name) failed: \(result)") }
        }
        guard let entry = getpwnam(name) else { throw TestFailure("user \(name) missing after useradd") }
        let uid = entry.pointee.pw_uid, gid = entry.pointee.pw_gid
        // useradd may allocate ranges on its own (SUB_UID_COUNT in login.defs): make the files
        // say exactly what this account is for.
        for file in ["/etc/subuid", "/etc/subgid"] {
            try setRange(in: file, user: name, range: ranges ? "\(name):\(rangeStart(for: uid)):65536" : nil)
        }
        return TestUser(name: name, uid: uid, gid: gid, home: String(cString: entry.pointee.pw_dir),
                        hasSubordinateRanges: ranges, isDedicated: true)
    }

    /// A range per test account that stays clear of the ones useradd hands out from 100000.
    private static func rangeStart(for uid: UInt32) -> UInt32 {
        500_000_000 + (uid % 1000) * 65536
    }

    private static func setRange(in file: String, user: String, range: String?) throws {
        let text = (try? String(contentsOfFile: file, encoding: .utf8)) ?? ""
        var lines = text.split(separator: "\n").map(String.init).filter { !$0.hasPrefix("\(user):") }
        if let range { lines.append(range) }
        let updated = lines.map { $0 + "\n" }.joined()
        if updated != text { try updated.write(toFile: file, atomically: true, encoding: .utf8) }
    }

    static func scratchRoot() throws -> String {
        let path = ProcessInfo.processInfo.environment["DEN_TEST_SCRATCH"] ?? "/tmp/den-tests"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        // Every test user must be able to reach its own directories inside.
        chmod(path, 0o1777)
        return path
    }
}

/// An advisory lock on a file, so concurrent test processes create accounts one at a time.
struct FileLock {
    let fd: Int32

    init(path: String) throws {
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw TestFailure("open \(path): \(String(cString: strerror(errno)))") }
        guard flock(fd, LOCK_EX) == 0 else { throw TestFailure("flock \(path): \(String(cString: strerror(errno)))") }
    }

    func release() {
        flock(fd, LOCK_UN)
        close(fd)
    }
}
