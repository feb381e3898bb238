import DenTestSupport
import Foundation
import Testing

/// Several `den` commands on one env: joining, listing, stopping, and the env ending with
/// its last session.
@Suite struct SessionTests {
    @Test(arguments: IDMode.allCases)
    func secondSessionJoinsTheRunningEnv(mode: IDMode) throws {
        guard let user = try mode.user() else { return }
        let project = try TestProject(user: user)
        let marker = "first-\(UUID().uuidString.prefix(8))"
        let first = try BackgroundProcess(
            den: ["run", "--", "sh", "-c", "echo \(marker) > /tmp/shared; sleep 3; echo done-first"], as: user, in: project.path)
        #expect(eventually { sessions(of: project) == 1 }, "the env never started")

        // Same /tmp, same processes, same hostname; the join sees the first session's sleep.
        let second = try project.run("cat /tmp/shared; ps -o comm | grep -c '^sleep$'; cat /proc/1/comm")
        #expect(second.status == 0, "\(second)")
        #expect(second.standardOutput == "\(marker)\n1\nden-init\n")

        // The second session has ended: one remains.
        #expect(sessions(of: project) == 1)

        let result = first.finish()
        #expect(result.status == 0)
        #expect(result.output.contains("done-first"))
        // The last session is gone: so are the env's init and its socket.
        #expect(eventually { sessions(of: project) == nil }, "the env outlived its last session")
        #expect(eventually { processes(containing: marker).isEmpty })
    }

    @Test func rootSessionJoinsAUserSession() throws {
        guard let user = try IDMode.single.user() ?? IDMode.subordinate.user() else { return }
        let project = try TestProject(user: user)
        let first = try BackgroundProcess(den: ["run", "--", "sleep", "2"], as: user, in: project.path)
        #expect(eventually { sessions(of: project) == 1 })
        let root = try project.run("id -u; ps -o comm | grep -c '^sleep$'", root: true)
        #expect(root.standardOutput == "0\n1\n", "\(root)")
        _ = first.finish()
    }

    @Test func stopEndsEverySession() throws {
        guard let user = try IDMode.subordinate.user() ?? IDMode.single.user() else { return }
        let project = try TestProject(user: user)
        let marker = "stop-\(UUID().uuidString.prefix(8))"
        let first = try BackgroundProcess(
            den: ["run", "--", "sh", "-c", "trap 'echo got-term; exit 7' TERM; sleep 60 & wait; : \(marker)"], as: user, in: project.path)
        #expect(eventually { sessions(of: project) == 1 })
        let second = try BackgroundProcess(den: ["run", "--", "sh", "-c", "sleep 60; : \(marker)"], as: user, in: project.path)
        #expect(eventually { sessions(of: project) == 2 }, "the second session did not join")

        let stopped = try project.den(["stop", "--timeout", "5"])
        #expect(stopped.status == 0, "\(stopped)")
        #expect(stopped.standardOutput == "stopped project\n")
        let firstResult = first.finish(timeout: 10)
        #expect(firstResult.status == 7, "the first session's trap did not run: \(firstResult)")
        #expect(firstResult.output.contains("got-term"))
        #expect(second.finish(timeout: 10).status == 143)
        #expect(eventually { processes(containing: marker).isEmpty }, "processes survived den stop")
        #expect(sessions(of: project) == nil)

        let again = try project.den(["stop"])
        #expect(again.status == 1)
        #expect(again.standardError.contains("is not running"))
        #expect(sessions(of: project) == nil)
    }

    @Test func stopKillsWhatIgnoresSIGTERM() throws {
        guard let user = try IDMode.subordinate.user() ?? IDMode.single.user() else { return }
        let project = try TestProject(user: user)
        let marker = "stubborn-\(UUID().uuidString.prefix(8))"
        let first = try BackgroundProcess(
            den: ["run", "--", "sh", "-c", "trap '' TERM; sleep 60; : \(marker)"], as: user, in: project.path)
        #expect(eventually { sessions(of: project) == 1 })
        let started = Date()
        #expect(try project.den(["stop", "--timeout", "1"]).status == 0)
        #expect(Date().timeIntervalSince(started) < 5)
        _ = first.finish(timeout: 10)
        #expect(eventually { processes(containing: marker).isEmpty }, "SIGKILL after the grace period did not come")
    }

    @Test func killingTheFirstDenKeepsTheOtherSession() throws {
        guard let user = try IDMode.subordinate.user() ?? IDMode.single.user() else { return }
        let project = try TestProject(user: user)
        let marker = "killed-\(UUID().uuidString.prefix(8))"
        let first = try BackgroundProcess(den: ["run", "--", "sh", "-c", "sleep 60; : \(marker)"], as: user, in: project.path)
        #expect(eventually { sessions(of: project) == 1 })
        let second = try BackgroundProcess(den: ["run", "--", "sh", "-c", "sleep 2; echo second-done"], as: user, in: project.path)
        #expect(eventually { sessions(of: project) == 2 })
        kill(first.pid, SIGKILL)
        _ = first.finish()
        // The killed den's command goes with it; the other session carries on.
        #expect(eventually { processes(containing: marker).isEmpty }, "the killed session's command survived")
        let result = second.finish()
        #expect(result.status == 0)
        #expect(result.output.contains("second-done"))
        #expect(eventually { sessions(of: project) == nil })
    }
}

/// The project's env's session count as `den ps` shows it, or nil when it is not running.
func sessions(of project: TestProject) -> Int? {
    guard let listed = try? project.den(["ps"]) else { return nil }
    for line in listed.standardOutput.split(separator: "\n") {
        let columns = line.split(separator: " ", omittingEmptySubsequences: true)
        if columns.count >= 5, columns[1] == Substring(project.path) { return Int(columns[3]) }
    }
    return nil
}

/// `den doctor` and `den reset`.
@Suite struct MaintenanceTests {
    @Test(arguments: IDMode.allCases)
    func doctorEntersAProbeEnvAndCleansUp(mode: IDMode) throws {
        guard let user = try mode.user() else { return }
        let home = try user.makeTemporaryDirectory("doctor-home")
        let result = try user.run(try DenBinary.path, ["doctor"], environment: ["HOME": home])
        #expect(result.status == 0, "\(result)")
        #expect(result.standardOutput.contains("ok    entering an env (single id)"), "\(result.standardOutput)")
        if mode == .subordinate {
            #expect(result.standardOutput.contains("entering an env (full id map)  works"))
        } else {
            #expect(result.standardOutput.contains("warn  subordinate ids"))
            #expect(result.standardOutput.contains("usermod --add-subuids"))
        }
        // What the Debian builder needs: a mirror from the host's apt sources, gpgv, the keyring.
        #expect(result.standardOutput.contains("ok    Debian mirror"), "\(result.standardOutput)")
        #expect(result.standardOutput.contains("ok    gpgv"))
        let noMirror = try user.run(try DenBinary.path, ["doctor"], environment: ["HOME": home, "DEN_MIRROR": "not a url"])
        #expect(noMirror.standardOutput.contains("warn  Debian mirror"), "\(noMirror.standardOutput)")
        // The probes' files, including those owned by the env's root, are gone.
        let data = "\(home)/.local/share/den"
        let leftovers = (try? FileManager.default.contentsOfDirectory(atPath: data))?.filter { $0.hasPrefix("doctor-") } ?? []
        #expect(leftovers.isEmpty, "doctor left \(leftovers)")
    }

    @Test func doctorFailsLoudlyWhenTheStoreIsUnusable() throws {
        guard let user = try IDMode.subordinate.user() ?? IDMode.single.user() else { return }
        let result = try user.run(try DenBinary.path, ["doctor"], environment: ["XDG_DATA_HOME": "/proc/den-cannot-write-here"])
        #expect(result.status == 1, "\(result)")
        #expect(result.standardOutput.contains("FAIL  entering an env"))
    }

    @Test(arguments: IDMode.allCases)
    func resetThrowsTheChangesAway(mode: IDMode) throws {
        guard let user = try mode.user() else { return }
        let project = try TestProject(user: user)
        let baseBefore = try Data(contentsOf: URL(fileURLWithPath: "\(project.rootfs)/etc/os-release"))
        #expect(try project.run("echo changed >> /etc/os-release; mkdir -p /opt/x/y; touch /opt/x/y/z; chmod 555 /opt/x", root: true).status == 0)
        #expect(try project.run("touch ~/in-home; echo project > \(project.path)/kept").status == 0)

        let running = try BackgroundProcess(den: ["run", "--", "sleep", "5"], as: user, in: project.path)
        #expect(eventually { sessions(of: project) == 1 })
        let refused = try project.den(["reset"])
        #expect(refused.status == 1)
        #expect(refused.standardError.contains("--force"))
        #expect(try project.den(["reset", "--force"]).status == 0)
        _ = running.finish()

        let after = try project.run("tail -n 1 /etc/os-release; ls /opt; ls ~; cat \(project.path)/kept")
        #expect(after.standardOutput == "ID=busybox\nproject\n", "\(after)")
        // The base and the project are untouched.
        #expect(try Data(contentsOf: URL(fileURLWithPath: "\(project.rootfs)/etc/os-release")) == baseBefore)
        #expect(FileManager.default.fileExists(atPath: "\(project.path)/kept"))
    }
}
