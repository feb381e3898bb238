import DenTestSupport
import Foundation
import Testing

/// The two ways den maps ids: every test here runs in both.
enum IDMode: String, CaseIterable, CustomTestStringConvertible {
    case subordinate
    case single

    var testDescription: String { rawValue }

    /// The user for this mode, or nil when the suite cannot provide it (run as a normal user).
    func user() throws -> TestUser? {
        let user = self == .subordinate ? try TestUser.withRanges : try TestUser.withoutRanges
        return user.hasSubordinateRanges == (self == .subordinate) ? user : nil
    }
}

/// Enters busybox envs with the real den as an unprivileged user.
@Suite struct RuntimeTests {
    @Test(arguments: IDMode.allCases)
    func youAreYourselfInside(mode: IDMode) throws {
        guard let user = try mode.user() else { return }
        let project = try TestProject(user: user)
        let result = try project.run("echo $(id -u) $(id -g) $(id -un) $HOME $USER $DEN_ENV; grep \"^$(id -un):\" /etc/passwd")
        #expect(result.status == 0, "\(result)")
        let lines = result.standardOutput.split(separator: "\n")
        let name = URL(fileURLWithPath: project.path).lastPathComponent
        #expect(lines.first == "\(user.uid) \(user.gid) \(user.name) /home/\(user.name) \(user.name) \(name)")
        #expect(lines.dropFirst().first?.hasPrefix("\(user.name):x:\(user.uid):\(user.gid):") == true)
    }

    @Test(arguments: IDMode.allCases)
    func rootInsideWithFlag(mode: IDMode) throws {
        guard let user = try mode.user() else { return }
        let project = try TestProject(user: user)
        let result = try project.run("id -u; echo $HOME; touch /etc/made-by-root; ls -ln /etc/made-by-root", root: true)
        #expect(result.status == 0, "\(result)")
        let lines = result.standardOutput.split(separator: "\n")
        #expect(lines.first == "0")
        #expect(lines.dropFirst().first == "/root")
        #expect(lines.last?.contains(" 0 ") == true, "file made by root inside is not root's: \(result.standardOutput)")
    }

    @Test func subordinateModeMapsTheFullRange() throws {
        guard let user = try IDMode.subordinate.user() else { return }
        let project = try TestProject(user: user)
        let result = try project.run("cat /proc/self/uid_map")
        let rows = result.standardOutput.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        #expect(rows.contains(["\(user.uid)", "\(user.uid)", "1"]), "own uid not mapped to itself: \(result.standardOutput)")
        #expect(rows.map { Int($0[2]) ?? 0 }.reduce(0, +) == 65536)
    }

    @Test func singleModeMapsOneID() throws {
        guard let user = try IDMode.single.user() else { return }
        let project = try TestProject(user: user)
        let result = try project.run("cat /proc/self/uid_map")
        #expect(result.standardOutput.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
                == ["\(user.uid)", "\(user.uid)", "1\n"])
        // The fallback is announced once, when the env is made.
        #expect(result.standardError.contains("only your own id is mapped"))
        #expect(!(try project.run("true").standardError.contains("only your own id")))
    }

    @Test(arguments: IDMode.allCases)
    func pidNamespaceHidesTheHost(mode: IDMode) throws {
        guard let user = try mode.user() else { return }
        let project = try TestProject(user: user)
        let result = try project.run("cat /proc/1/comm; ls -d /proc/[0-9]* | wc -l; hostname")
        #expect(result.status == 0, "\(result)")
        let lines = result.standardOutput.split(separator: "\n").map(String.init)
        #expect(lines.first == "den-init")
        // den-init, sh, ls (and wc): nothing of the host's.
        #expect((Int(lines.dropFirst().first?.trimmingCharacters(in: .whitespaces) ?? "") ?? 99) <= 4)
        #expect(lines.last == URL(fileURLWithPath: project.path).lastPathComponent)
    }

    @Test(arguments: IDMode.allCases)
    func projectIsMountedLiveAtTheSamePath(mode: IDMode) throws {
        guard let user = try mode.user() else { return }
        let project = try TestProject(user: user)
        try FileManager.default.createDirectory(atPath: "\(project.path)/src/deep", withIntermediateDirectories: true)
        _ = try ProcessRunner.run("/bin/chown", ["-R", "\(user.uid):\(user.gid)", "\(project.path)/src"])
        let result = try project.den(["run", "--", "sh", "-c", "pwd; echo made > inside.txt"], subdirectory: "src/deep")
        #expect(result.status == 0, "\(result)")
        #expect(result.standardOutput == "\(project.path)/src/deep\n")
        let made = "\(project.path)/src/deep/inside.txt"
        #expect(try String(contentsOfFile: made, encoding: .utf8) == "made\n")
        let owner = try FileManager.default.attributesOfItem(atPath: made)[.ownerAccountID] as? NSNumber
        #expect(owner?.uint32Value == user.uid, "a file made inside must belong to the user on the host")
    }

    @Test func hostEditsShowInsideWithoutReentering() throws {
        guard let user = try IDMode.subordinate.user() ?? IDMode.single.user() else { return }
        let project = try TestProject(user: user)
        let line = user.commandLine(try DenBinary.path, ["run", "--", "sh", "-c",
            "i=0; while [ ! -f flag ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done; cat flag"])
        let process = Process()
        process.executableURL = URL(fileURLWithPath: line[0])
        process.arguments = Array(line.dropFirst())
        process.currentDirectoryURL = URL(fileURLWithPath: project.path)
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        Thread.sleep(forTimeInterval: 0.3)
        try "from the host\n".write(toFile: "\(project.path)/flag", atomically: true, encoding: .utf8)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self) == "from the host\n")
    }

    @Test(arguments: [("exit 0", 0), ("exit 42", 42), ("kill -INT $$", 130), ("kill -KILL $$", 137), ("kill -TERM $$", 143)])
    func exitStatusComesThrough(script: String, expected: Int32) throws {
        guard let user = try IDMode.subordinate.user() ?? IDMode.single.user() else { return }
        let project = try TestProject(user: user)
        let result = try project.run(script)
        #expect(result.status == expected, "\(result)")
        #expect(!result.wasSignalled)
    }

    @Test func missingCommandIs127WithAMessage() throws {
        guard let user = try IDMode.subordinate.user() ?? IDMode.single.user() else { return }
        let project = try TestProject(user: user)
        let result = try project.den(["run", "--", "no-such-program", "x"])
        #expect(result.status == 127)
        #expect(result.standardError.contains("command not found: 'no-such-program'"))
        let notExecutable = try project.run("printf 'x' > /tmp/f; chmod 644 /tmp/f; exec /tmp/f")
        #expect(notExecutable.status == 126)
    }

    @Test func standardInputPassesThrough() throws {
        guard let user = try IDMode.subordinate.user() ?? IDMode.single.user() else { return }
        let project = try TestProject(user: user)
        let result = try project.den(["run", "--", "cat"], input: "hi")
        #expect(result.status == 0)
        #expect(result.standardOutput == "hi")
    }

    @Test func environmentIsSetForTheInside() throws {
        guard let user = try IDMode.subordinate.user() ?? IDMode.single.user() else { return }
        let project = try TestProject(user: user, manifest: "[vars]\nGREETING = \"hello there\"\nPORT = 8080\nHOME = \"/custom\"\n")
        let result = try project.den(
            ["run", "--", "sh", "-c", "echo \"$GREETING|$PORT|$HOME|$TERM|$LC_TIME|$DEN_PROJECT|$SECRET\""],
            environment: ["TERM": "xterm-test", "LC_TIME": "C.UTF-8", "SECRET": "host-only"])
        #expect(result.standardOutput == "hello there|8080|/custom|xterm-test|C.UTF-8|\(project.path)|\n")
    }

    @Test func networkNoneHasOnlyLoopback() throws {
        guard let user = try IDMode.subordinate.user() ?? IDMode.single.user() else { return }
        let project = try TestProject(user: user, manifest: "network = \"none\"\n")
        let result = try project.run("tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '; ip link show lo")
        #expect(result.status == 0, "\(result)")
        let lines = result.standardOutput.split(separator: "\n")
        #expect(lines.first == "lo")
        #expect(lines.count >= 2 && lines[1].contains("UP"), "lo is not up: \(result.standardOutput)")
        #expect(!lines.contains { $0.hasPrefix("eth") || $0.hasPrefix("en") })
    }

    @Test(arguments: IDMode.allCases)
    func writesLandInTheEnvLayerAndPersist(mode: IDMode) throws {
        guard let user = try mode.user() else { return }
        let project = try TestProject(user: user)
        let before = try Data(contentsOf: URL(fileURLWithPath: "\(project.rootfs)/etc/os-release"))
        let first = try project.run("echo changed >> /etc/os-release; mkdir -p /usr/local/share/x; echo new > /usr/local/share/x/f", root: true)
        #expect(first.status == 0, "\(first)")
        let second = try project.run("tail -n 1 /etc/os-release; cat /usr/local/share/x/f")
        #expect(second.standardOutput == "changed\nnew\n")
        // The base layer is untouched.
        #expect(try Data(contentsOf: URL(fileURLWithPath: "\(project.rootfs)/etc/os-release")) == before)
        #expect(!FileManager.default.fileExists(atPath: "\(project.rootfs)/usr/local/share/x"))
    }

    @Test func extraMountsAreReadOnlyUnlessAsked() throws {
        guard let user = try IDMode.subordinate.user() ?? IDMode.single.user() else { return }
        let project = try TestProject(user: user)
        let shared = try user.makeTemporaryDirectory("shared")
        let scratch = try user.makeTemporaryDirectory("scratch")
        try project.writeManifest("""
            base = "dir:\(project.rootfs)"
            [[mount]]
            source = "\(shared)"
            target = "/data"
            [[mount]]
            source = "\(scratch)"
            readonly = false
            """)
        try "hello\n".write(toFile: "\(shared)/in", atomically: true, encoding: .utf8)
        // Host directories outside the project are grants: refused until trusted.
        let untrusted = try project.run("true")
        #expect(untrusted.status == 1 && untrusted.standardError.contains("den trust"), "\(untrusted)")
        #expect(try project.den(["trust"]).status == 0)
        let result = try project.run("cat /data/in; touch /data/x 2>/dev/null && echo wrote-ro; touch \(scratch)/made && echo wrote-rw")
        #expect(result.standardOutput == "hello\nwrote-rw\n", "\(result)")
        #expect(FileManager.default.fileExists(atPath: "\(scratch)/made"))
        #expect(!FileManager.default.fileExists(atPath: "\(shared)/x"))
    }

    @Test func sshAgentSocketIsBoundIn() throws {
        guard let user = try IDMode.subordinate.user() ?? IDMode.single.user() else { return }
        let project = try TestProject(user: user)
        let directory = try user.makeTemporaryDirectory("agent")
        // A socket file standing in for ssh-agent's (busybox has no unix-socket client).
        let agent = "\(directory)/agent.sock"
        let made = try user.run("/usr/bin/python3", ["-c", "import socket; socket.socket(socket.AF_UNIX).bind('\(agent)')"])
        #expect(made.status == 0, "\(made)")
        let script = ["run", "--", "sh", "-c", "echo [$SSH_AUTH_SOCK]; test -S /run/den/ssh-agent.sock && echo is-a-socket; true"]
        // The agent is a grant: without a terminal, an untrusted project fails closed and says why.
        let untrusted = try project.den(script, environment: ["SSH_AUTH_SOCK": agent])
        #expect(untrusted.status == 1, "\(untrusted)")
        #expect(untrusted.standardError.contains("SSH agent") && untrusted.standardError.contains("den trust"), "\(untrusted)")
        #expect(untrusted.standardOutput.isEmpty)
        // With no agent on the host there is nothing to grant.
        let without = try project.den(script)
        #expect(without.status == 0 && without.standardOutput == "[]\n", "\(without)")

        let trusted = try project.den(["trust"])
        #expect(trusted.status == 0 && trusted.standardOutput.contains("SSH agent"), "\(trusted)")
        let result = try project.den(script, environment: ["SSH_AUTH_SOCK": agent])
        #expect(result.standardOutput == "[/run/den/ssh-agent.sock]\nis-a-socket\n", "\(result)")

        // A manifest that turns the agent off needs no trust and gets no agent.
        try project.writeManifest("base = \"dir:\(project.rootfs)\"\nssh-agent = false\n")
        #expect(try project.den(["trust", "--revoke"]).status == 0)
        let off = try project.den(script, environment: ["SSH_AUTH_SOCK": agent])
        #expect(off.status == 0 && off.standardOutput == "[]\n", "\(off)")
    }

    @Test func trustCoversTheGrantsItShowedAndAsksAgainForNewOnes() throws {
        guard let user = try IDMode.subordinate.user() ?? IDMode.single.user() else { return }
        let project = try TestProject(user: user)
        let first = try user.makeTemporaryDirectory("grant-a")
        let second = try user.makeTemporaryDirectory("grant-b")
        try write("a\n", to: "\(first)/f", as: user)
        let base = "base = \"dir:\(project.rootfs)\"\nssh-agent = false\n"
        try project.writeManifest(base + "[[mount]]\nsource = \"\(first)\"\ntarget = \"/a\"\n")
        let show = try project.den(["trust", "--show"])
        #expect(show.status == 1 && show.standardOutput.contains("mount \(first) at /a (read-only)  (not trusted)"), "\(show)")
        #expect(try project.den(["trust"]).status == 0)
        #expect(try project.den(["trust", "--show"]).status == 0)
        #expect(try project.run("cat /a/f").standardOutput == "a\n")

        // Packages, vars and other in-env settings change without a question.
        try project.writeManifest(base + "[vars]\nX = \"1\"\n[[mount]]\nsource = \"\(first)\"\ntarget = \"/a\"\n")
        #expect(try project.run("echo $X; cat /a/f").standardOutput == "1\na\n")
        // A new grant (or a mount made writable) asks again, and nothing runs meanwhile.
        try project.writeManifest(base + "[[mount]]\nsource = \"\(first)\"\ntarget = \"/a\"\nreadonly = false\n"
            + "[[mount]]\nsource = \"\(second)\"\ntarget = \"/b\"\n")
        let asked = try project.run("touch /a/made")
        #expect(asked.status == 1 && asked.standardError.contains("mount \(second) at /b"), "\(asked)")
        #expect(asked.standardError.contains("mount \(first) at /a (read-write)"), "\(asked)")
        #expect(!FileManager.default.fileExists(atPath: "\(first)/made"))

        // Inside the project, or a symlink that stays inside it, is no grant; one leading out is.
        try FileManager.default.createDirectory(atPath: "\(project.path)/data", withIntermediateDirectories: false)
        try user.chown("\(project.path)/data")
        let link = try user.run("/bin/ln", ["-s", first, "\(project.path)/out"])
        #expect(link.status == 0)
        try project.writeManifest(base + "[[mount]]\nsource = \"data\"\ntarget = \"/data\"\n")
        #expect(try project.run("true").status == 0)
        try project.writeManifest(base + "[[mount]]\nsource = \"out\"\ntarget = \"/out\"\n")
        let escaped = try project.run("true")
        #expect(escaped.status == 1 && escaped.standardError.contains("not trusted"), "\(escaped)")
    }

    @Test func symlinksInTheRootfsCannotRedirectMountsToTheHost() throws {
        guard let user = try IDMode.subordinate.user() ?? IDMode.single.user() else { return }
        let project = try TestProject(user: user, manifest: "[[mount]]\nsource = \"data\"\ntarget = \"/srv/link/inner\"\n")
        // A host directory the user can write to: a mount resolved on the host would land here.
        let bait = try user.makeTemporaryDirectory("bait")
        try FileManager.default.createDirectory(atPath: "\(project.path)/data", withIntermediateDirectories: false)
        try user.chown("\(project.path)/data")
        try FileManager.default.createSymbolicLink(atPath: "\(project.rootfs)/etc/resolv.conf", withDestinationPath: "\(bait)/resolv.conf")
        try FileManager.default.createDirectory(atPath: "\(project.rootfs)/srv", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: "\(project.rootfs)/srv/link", withDestinationPath: bait)
        let result = try project.run("cat /etc/resolv.conf | head -1; ls -d /srv/link/inner")
        #expect(result.status == 0, "\(result)")
        // Both targets were made inside the env, under its own root.
        #expect(try FileManager.default.contentsOfDirectory(atPath: bait).isEmpty, "den wrote into the host through a symlink")
        let hostResolv = (try? String(contentsOfFile: "/etc/resolv.conf", encoding: .utf8))?.split(separator: "\n").first.map(String.init) ?? ""
        #expect(result.standardOutput.split(separator: "\n").first.map(String.init) == hostResolv)
    }

    /// The env's init is root's to inspect inside (its /proc entries serve later joins), so
    /// it may hold no host directory: /proc/1/fd/N/.. would lead root inside to the user's
    /// files (runc's "leaky vessels" escape).
    @Test(arguments: IDMode.allCases)
    func rootInsideCannotReachTheHostThroughTheInit(mode: IDMode) throws {
        guard let user = try mode.user() else { return }
        let project = try TestProject(user: user)
        let token = "secret-\(UUID().uuidString)"
        let secret = "\(user.home)/\(token)"
        try token.write(toFile: secret, atomically: false, encoding: .utf8)
        try user.chown(secret)
        defer { try? FileManager.default.removeItem(atPath: secret) }
        let script = """
            for f in /proc/1/fd/*; do
              [ -d "$f" ] && echo "dir $(readlink "$f")"
              up=""
              for depth in 1 2 3 4 5 6 7; do up="$up/.."; cat "$f$up/\(token)" 2>/dev/null; done
            done
            true
            """
        let result = try project.run(script, root: true)
        #expect(result.status == 0, "\(result)")
        #expect(!result.standardOutput.contains(token), "root inside read a host file: \(result.standardOutput)")
        // The only directory the init holds is the env's own root. (In single-id mode root
        // inside is the user in a nested namespace, who may not look at the init at all.)
        let held = result.standardOutput.split(separator: "\n").filter { $0.hasPrefix("dir ") }
        #expect(held.allSatisfy { $0 == "dir /" }, "\(result.standardOutput)")
        if mode == .subordinate { #expect(held == ["dir /"], "\(result.standardOutput)") }
    }

    /// Each mount of the env's overlay gets a fresh work directory; the previous one is
    /// deleted while the command runs, so nothing piles up in the env's store directory, not
    /// even what a killed den left half-deleted.
    @Test(arguments: IDMode.allCases)
    func enteringLeavesNoStaleWorkDirectory(mode: IDMode) throws {
        guard let user = try mode.user() else { return }
        let project = try TestProject(user: user)
        #expect(try project.run("true").status == 0)
        struct Listing: Decodable {
            struct Env: Decodable { var id: String; var project: String }
            var envs: [Env]
        }
        let listed = try project.den(["ls", "--json"])
        let listing = try JSONDecoder().decode(Listing.self, from: Data(listed.standardOutput.utf8))
        let id = try #require(listing.envs.first { $0.project == project.path }?.id)
        let work = "\(user.home)/.local/share/den/envs/\(id)/work"
        // What a den killed between setting the old one aside and deleting it leaves.
        let leftover = try user.run("/bin/sh", ["-c", "mkdir -p '\(work)/old/work' && echo x > '\(work)/old/work/file'"])
        #expect(leftover.status == 0, "\(leftover)")
        for _ in 0..<2 {
            let result = try project.run("echo x > /tmp/f; sleep 0.3")
            #expect(result.status == 0, "\(result)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: work) == ["work"])
    }

    @Test func killingDenLeavesNoProcess() throws {
        guard let user = try IDMode.subordinate.user() ?? IDMode.single.user() else { return }
        let project = try TestProject(user: user)
        let marker = "den-marker-\(UUID().uuidString.prefix(8))"
        let line = user.commandLine(try DenBinary.path, ["run", "--", "sh", "-c", "sleep 300; echo \(marker)"])
        let process = Process()
        process.executableURL = URL(fileURLWithPath: line[0])
        process.arguments = Array(line.dropFirst())
        process.currentDirectoryURL = URL(fileURLWithPath: project.path)
        try process.run()
        // Wait for the command itself: den's own command line (and its sandbox processes',
        // forked from it) holds the marker too, and reads empty while den is being exec'd.
        func commandRuns() -> Bool {
            processes(containing: marker).contains { pid in
                FileManager.default.contents(atPath: "/proc/\(pid)/cmdline").map { $0.starts(with: Array("sh\0-c\0".utf8)) } ?? false
            }
        }
        let deadline = Date().addingTimeInterval(10)
        while !commandRuns(), Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        #expect(commandRuns(), "the command never started")
        // Kill den itself (setpriv exec'd env, which exec'd den: same pid).
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        let gone = Date().addingTimeInterval(5)
        while !processes(containing: marker).isEmpty, Date() < gone { Thread.sleep(forTimeInterval: 0.05) }
        #expect(processes(containing: marker).isEmpty, "processes outlived den: \(processes(containing: marker))")
        let mounts = try String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)
        #expect(!mounts.contains("/.local/share/den/envs/"), "an env mount is visible on the host")
    }

    @Test func aDenThatFailsBeforeEnteringLeavesNoProcess() throws {
        guard let user = try IDMode.subordinate.user() ?? IDMode.single.user() else { return }
        let project = try TestProject(user: user)
        let marker = "den-marker-\(UUID().uuidString.prefix(8))"
        // A manifest error stops den after it forked its sandbox child (at its start).
        try project.writeManifest("base = 42\n")
        let result = try project.run("echo \(marker)")
        #expect(result.status == 1 && result.standardError.contains("den.toml"), "\(result)")
        let gone = Date().addingTimeInterval(5)
        while !processes(containing: marker).isEmpty, Date() < gone { Thread.sleep(forTimeInterval: 0.05) }
        #expect(processes(containing: marker).isEmpty, "den's sandbox child outlived it")
    }

    @Test func interactiveShellHasJobControl() throws {
        guard let user = try IDMode.subordinate.user() ?? IDMode.single.user() else { return }
        let project = try TestProject(user: user)
        let script = "\(project.directory)/drive.py"
        try Self.ptyDriver.write(toFile: script, atomically: true, encoding: .utf8)
        let result = try user.run("/usr/bin/python3", [script, try DenBinary.path, "shell"], environment: ["TERM": "xterm"],
                                  directory: project.path, timeout: .seconds(60))
        #expect(result.status == 0, "\(result)")
        let output = result.standardOutput
        #expect(output.contains("(den:project)"), "no env name in the prompt: \(output)")
        // The shell has a terminal of its own, sized like the outer one and following it.
        #expect(output.contains("tty=/dev/pts/"), "\(output)")
        #expect(output.contains("size=40 100"), "\(output)")
        #expect(output.contains("resized=50 120"), "\(output)")
        // Ctrl-C stopped the sleep (status 130) and the shell lived on.
        #expect(output.contains("alive 130"), "\(output)")
        #expect(output.contains("Stopped"), "Ctrl-Z did not stop the job: \(output)")
        #expect(output.contains("den exit 7"), "\(output)")
    }

    @Test func onATerminalDenAsksBeforeUsingAGrant() throws {
        guard let user = try IDMode.subordinate.user() ?? IDMode.single.user() else { return }
        let project = try TestProject(user: user)
        let shared = try user.makeTemporaryDirectory("asked")
        try write("shared\n", to: "\(shared)/f", as: user)
        try project.writeManifest("base = \"dir:\(project.rootfs)\"\nssh-agent = false\n[[mount]]\nsource = \"\(shared)\"\ntarget = \"/s\"\n")
        let script = "\(project.directory)/answer.py"
        try Self.promptDriver.write(toFile: script, atomically: true, encoding: .utf8)
        func answer(_ reply: String) throws -> String {
            let result = try user.run("/usr/bin/python3", [script, reply, try DenBinary.path, "run", "--", "cat", "/s/f"],
                                      directory: project.path, timeout: .seconds(60))
            return result.standardOutput
        }
        let declined = try answer("n")
        #expect(declined.contains("mount \(shared) at /s (read-only)") && declined.contains("[y/N]"), "\(declined)")
        #expect(!declined.contains("shared\r\n") && declined.contains("exit 1"), "\(declined)")
        let accepted = try answer("y")
        #expect(accepted.contains("shared\r\n") && accepted.contains("exit 0"), "\(accepted)")
        // Recorded: the next run asks nothing.
        #expect(try project.run("cat /s/f").standardOutput == "shared\n")
    }

    /// Runs a command on a pseudo-terminal, answers its first question with argv[1], prints
    /// everything it wrote and its exit status.
    static let promptDriver = #"""
        import os, pty, select, signal, sys, time
        signal.alarm(30)
        pid, fd = pty.fork()
        if pid == 0:
            os.execv(sys.argv[2], sys.argv[2:])
        log, answered = b"", False
        while True:
            ready, _, _ = select.select([fd], [], [], 0.1)
            if ready:
                try:
                    chunk = os.read(fd, 4096)
                except OSError:
                    break
                if not chunk:
                    break
                log += chunk
            if not answered and b"[y/N]" in log:
                os.write(fd, sys.argv[1].encode() + b"\n")
                answered = True
        _, status = os.waitpid(pid, 0)
        print(log.decode(errors="replace"))
        print("exit", os.waitstatus_to_exitcode(status))
        """#

    /// Drives `den shell` through a pseudo-terminal like a person would.
    static let ptyDriver = #"""
        import fcntl, os, pty, select, signal, struct, sys, termios, time
        signal.alarm(30)
        pid, fd = pty.fork()
        if pid == 0:
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 100, 0, 0))
            os.execv(sys.argv[1], sys.argv[1:])
        def read(seconds):
            out, end = b"", time.time() + seconds
            while time.time() < end:
                ready, _, _ = select.select([fd], [], [], 0.05)
                if ready:
                    try:
                        out += os.read(fd, 4096)
                    except OSError:
                        break
            return out.decode(errors="replace")
        def wait_for(text, seconds=10):
            out, end = "", time.time() + seconds
            while text not in out and time.time() < end:
                out += read(0.1)
            return out
        log = wait_for("(den:")
        def run(command):
            # Type a command line and wait for the next prompt.
            global log
            prompts = log.count("(den:")
            os.write(fd, command)
            end = time.time() + 10
            while log.count("(den:") == prompts and time.time() < end:
                log += read(0.05)
        run(b"echo tty=$(tty) size=$(stty size)\n")
        # The kernel tells den (the terminal's foreground process) with SIGWINCH.
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 120, 0, 0)); time.sleep(0.3)
        run(b"echo resized=$(stty size)\n")
        os.write(fd, b"sleep 30\n"); time.sleep(0.5)
        os.write(fd, b"\x03"); log += read(0.3)
        run(b"echo alive $?\n")
        os.write(fd, b"sleep 20\n"); time.sleep(0.5)
        os.write(fd, b"\x1a"); log += wait_for("Stopped")
        run(b"kill %1; fg\n")
        os.write(fd, b"exit 7\n"); log += read(0.5)
        _, status = os.waitpid(pid, 0)
        print(log)
        print("den exit", os.waitstatus_to_exitcode(status))
        """#
}

/// Pids of processes whose command line contains `text`.
func processes(containing text: String) -> [Int32] {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return entries.compactMap { entry in
        guard let pid = Int32(entry), pid != getpid(),
              let data = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline"),
              String(decoding: data, as: UTF8.self).contains(text)
        else { return nil }
        return pid
    }
}
