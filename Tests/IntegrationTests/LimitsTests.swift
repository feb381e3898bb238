import DenTestSupport
import Foundation
import Testing

/// A cgroup v2 subtree handed to the test user the way systemd's user@.service delegation
/// does it (the directory and its cgroup.procs, cgroup.subtree_control and cgroup.threads
/// belong to the user), with a `session` group den is started in. Only the v2 hierarchy is
/// touched: on a hybrid machine the v1 hierarchies are the machine's.
final class DelegatedCgroup {
    static var unifiedMount: String? {
        // coreutils' stat names the filesystem type (Glibc's module has no statfs).
        ["/sys/fs/cgroup", "/sys/fs/cgroup/unified"].first { path in
            (try? ProcessRunner.run("/usr/bin/stat", ["-f", "-c", "%T", path]))?.standardOutput == "cgroup2fs\n"
        }
    }

    /// Why a delegated subtree cannot be made here, nil when it can.
    static var unavailableReason: String? {
        guard getuid() == 0 else { return "giving a cgroup to the test user needs root" }
        guard unifiedMount != nil else { return "this machine has no cgroup v2 hierarchy" }
        return nil
    }

    /// The controllers the v2 hierarchy offers (none of memory, pids, cpu on a hybrid machine).
    static var controllers: [String] {
        guard let mount = unifiedMount, let text = try? String(contentsOfFile: "\(mount)/cgroup.controllers", encoding: .utf8) else { return [] }
        return text.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init)
    }

    let directory: String
    let user: TestUser

    init(for user: TestUser, controllers: [String] = []) throws {
        guard let mount = Self.unifiedMount else { throw TestFailure("no cgroup v2 hierarchy") }
        self.user = user
        directory = "\(mount)/den-test-\(user.uid)-\(UUID().uuidString.prefix(8))"
        if !controllers.isEmpty {
            try (controllers.map { "+\($0)" }.joined(separator: " ")).write(
                toFile: "\(mount)/cgroup.subtree_control", atomically: false, encoding: .utf8)
        }
        for group in [directory, "\(directory)/session"] {
            guard mkdir(group, 0o755) == 0 else { throw TestFailure("mkdir \(group): \(String(cString: strerror(errno)))") }
            for name in ["", "/cgroup.procs", "/cgroup.subtree_control", "/cgroup.threads"] {
                try user.chown(group + name)
            }
        }
    }

    /// `den ARGUMENTS` as the user, started inside the delegated subtree.
    func den(_ arguments: [String], in directory: String, environment: [String: String] = [:]) throws -> ProcessResult {
        let line = user.commandLine(try DenBinary.path, arguments, environment: environment)
        return try ProcessRunner.run("/bin/sh", ["-c", "echo $$ > \"$0\" && exec \"$@\"", "\(self.directory)/session/cgroup.procs"] + line,
                                     environment: [:], directory: directory)
    }

    /// The groups below the subtree (paths relative to it), deepest first.
    func groups() -> [String] {
        let all = (FileManager.default.enumerator(atPath: directory)?.compactMap { $0 as? String } ?? [])
            .filter { FileManager.default.fileExists(atPath: "\(directory)/\($0)/cgroup.procs") }
        return all.sorted { $0.count > $1.count }
    }

    deinit {
        for group in groups() { rmdir("\(directory)/\(group)") }
        rmdir(directory)
    }
}

@Suite struct LimitsTests {
    @Test func limitsThatCannotBeAppliedStopTheEnvLoudly() throws {
        let user = try TestUser.withRanges
        let project = try TestProject(user: user, manifest: "[limits]\nmemory = \"64M\"\npids = 100\n")
        let refused = try project.den(["run", "--", "touch", "\(project.path)/ran"])
        #expect(refused.status == 1, "\(refused)")
        #expect(refused.standardError.contains("cannot apply den.toml's [limits]") && refused.standardError.contains("--no-limits"),
                "\(refused)")
        #expect(!FileManager.default.fileExists(atPath: "\(project.path)/ran"), "the command ran without its limits")

        let unlimited = try project.den(["run", "--no-limits", "--", "touch", "\(project.path)/ran"])
        #expect(unlimited.status == 0, "\(unlimited)")
        #expect(unlimited.standardError.contains("[limits] are not applied (--no-limits)"), "\(unlimited)")
        #expect(FileManager.default.fileExists(atPath: "\(project.path)/ran"))
    }

    @Test(.enabled(if: DelegatedCgroup.unavailableReason == nil, "\(DelegatedCgroup.unavailableReason ?? "")"))
    func envsArePlacedInTheirOwnGroupOfTheDelegatedSubtree() throws {
        let user = try TestUser.withRanges
        let project = try TestProject(user: user)
        let cgroup = try DelegatedCgroup(for: user)
        let mount = try #require(DelegatedCgroup.unifiedMount)
        let result = try cgroup.den(["run", "--", "cat", "/proc/self/cgroup"], in: project.path)
        #expect(result.status == 0, "\(result)")
        let line = try #require(result.standardOutput.split(separator: "\n").first { $0.hasPrefix("0::") }, "\(result)")
        let relative = String(cgroup.directory.dropFirst(mount.count))
        #expect(line.hasPrefix("0::\(relative)/den/project-"), "\(result)")
        // The env's group goes with the env; den's parent group stays for the next one.
        #expect(Set(cgroup.groups()) == ["session", "den"], "\(cgroup.groups())")

        // Limits need controllers the subtree may not have: den names the missing ones.
        try project.writeManifest("base = \"dir:\(project.rootfs)\"\n[limits]\nmemory = \"64M\"\n")
        let limited = try cgroup.den(["run", "--", "cat", "/sys/fs/cgroup/memory.max"], in: project.path)
        if DelegatedCgroup.controllers.contains("memory") {
            #expect(limited.status == 0, "\(limited)")
        } else {
            #expect(limited.status == 1, "\(limited)")
            #expect(limited.standardError.contains("'memory' is not available in '\(cgroup.directory)'"), "\(limited)")
        }
    }

    static let limitsReason: String? = DelegatedCgroup.unavailableReason
        ?? (["memory", "pids"].allSatisfy(DelegatedCgroup.controllers.contains) ? nil
            : "the cgroup v2 hierarchy here offers no memory and pids controllers (has: \(DelegatedCgroup.controllers.joined(separator: ", "))); a hybrid machine keeps them in v1")

    @Test(.enabled(if: limitsReason == nil, "\(limitsReason ?? "")"))
    func memoryAndPidsLimitsHold() throws {
        let user = try TestUser.withRanges
        let project = try TestProject(user: user)
        let cgroup = try DelegatedCgroup(for: user, controllers: ["memory", "pids"])
        try project.writeManifest("base = \"dir:\(project.rootfs)\"\n[limits]\nmemory = \"64M\"\npids = 20\n")
        // `tail` keeps its whole input when it has no newline: 256M of zeros do not fit.
        let hog = try cgroup.den(["run", "--", "sh", "-c", "head -c 268435456 /dev/zero | tail -c 1 >/dev/null"], in: project.path)
        #expect(hog.status != 0, "\(hog)")
        #expect(hog.standardError.contains("out of memory (limit 64M)"), "\(hog)")
        // A fork bomb stops at the limit instead of taking the machine.
        // The count is a glob, a builtin: at the limit, nothing more can be forked.
        let bomb = try cgroup.den(["run", "--", "sh", "-c", "for i in $(seq 60); do sleep 5 & done 2>/dev/null; set -- /proc/[0-9]*; echo $#"],
                                  in: project.path)
        let processes = Int(bomb.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(processes.map { $0 <= 20 } == true, "\(bomb)")
    }
}
