import DenTestSupport
import Foundation
import Testing

/// `den ls`, `den gc`, `den rm` and `den reset` on a store with layers built from the local
/// archive: what is listed, what is freed, and that the project's files never change.
@Suite struct StoreTests {
    let archive = LocalArchiveTests()

    /// SHA-256 of every file under `directory` with its path, mode and link target: the
    /// project's state, byte for byte.
    func snapshot(_ directory: String) throws -> [String: String] {
        let result = try ProcessRunner.run("/bin/sh", ["-c",
            "cd \"$1\" && find . -xdev \\( -type f -exec sha256sum {} + \\) -o \\( -type l -printf 'link %p %l\\n' \\) -o \\( -printf 'entry %p %m\\n' \\) | sort",
            "sh", directory])
        guard result.status == 0 else { throw TestFailure("snapshot failed: \(result)") }
        var lines: [String: String] = [:]
        for line in result.standardOutput.split(separator: "\n") { lines[String(line)] = "" }
        return lines
    }

    /// A project with files of every kind, including a symlink that points out of it.
    func populate(_ setup: LocalArchiveTests.Setup) throws {
        let outside = try setup.user.makeTemporaryDirectory("outside")
        try write("keep me\n", to: "\(outside)/precious", as: setup.user)
        let script = "mkdir -p src/deep && echo code > src/main.c && echo x > src/deep/file && ln -s \(outside)/precious link-out && ln -s src src-link && chmod 600 src/main.c"
        let made = try setup.user.run("/bin/sh", ["-c", script], directory: setup.project)
        #expect(made.status == 0, "\(made)")
    }

    @Test func listsEnvsAndTheLayersTheyShare() throws {
        let setup = try archive.setup(["den-hello"])
        #expect(try setup.den(["build"]).status == 0)
        let listed = try setup.den(["ls", "--json"])
        #expect(listed.status == 0, "\(listed)")
        struct Listing: Decodable {
            struct Env: Decodable { var name: String; var project: String; var running: Bool }
            struct Layer: Decodable { var kind: String; var bytes: Int64; var envs: [String] }
            var envs: [Env]
            var layers: [Layer]
        }
        let listing = try JSONDecoder().decode(Listing.self, from: Data(listed.standardOutput.utf8))
        #expect(listing.envs.map(\.project) == [setup.project])
        #expect(Set(listing.layers.map(\.kind)) == ["debian-base", "debian-packages", "apt-lists"])
        #expect(listing.layers.allSatisfy { $0.bytes > 0 && $0.envs.count == 1 })
        let table = try setup.den(["ls"])
        #expect(table.standardOutput.contains("debian-base") && table.standardOutput.contains("local"), "\(table)")
    }

    @Test func resetAndRemoveByNameFromAnywhere() throws {
        let setup = try archive.setup(["den-hello"])
        #expect(try setup.den(["run", "--root", "--", "sh", "-c", "echo changed > /etc/den-marker"]).status == 0)
        let elsewhere = try setup.user.makeTemporaryDirectory("elsewhere")
        let reset = try setup.user.den(["reset", "local"], in: elsewhere, environment: setup.environment)
        #expect(reset.status == 0, "\(reset)")
        let after = try setup.den(["run", "--", "sh", "-c", "test -e /etc/den-marker && echo kept || echo gone"])
        #expect(after.standardOutput == "gone\n", "\(after)")
        let unknown = try setup.user.den(["rm", "nothing-here"], in: elsewhere, environment: setup.environment)
        #expect(unknown.status == 1 && unknown.standardError.contains("no env named 'nothing-here'"), "\(unknown)")
        // What the runs left in the runtime directory (XDG_RUNTIME_DIR is unset here): the
        // env's start lock and its last session's socket. They go with the env.
        let runtime = "\(setup.data)/run"
        let left = try FileManager.default.contentsOfDirectory(atPath: runtime).filter { $0.hasPrefix("local-") }
        #expect(Set(left.map { String($0.suffix(5)) }) == [".lock", ".sock"], "\(left)")
        let removed = try setup.user.den(["rm", "local"], in: elsewhere, environment: setup.environment)
        #expect(removed.status == 0, "\(removed)")
        #expect(try setup.den(["ls"]).standardOutput.contains("no envs"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: runtime).filter { $0.hasPrefix("local-") } == [])
        // The env comes back as new.
        #expect(try setup.den(["run", "--", "sh", "-c", "test -e /etc/den-marker && echo kept || echo gone"]).standardOutput == "gone\n")
    }

    @Test func gcFreesWhatNoEnvUsesAndNothingElse() throws {
        let setup = try archive.setup(["den-hello"])
        try populate(setup)
        #expect(try setup.den(["build"]).status == 0)
        // A second project on the same base keeps the base alive; this one's packages are its own.
        let other = try archive.setup([], user: setup.user)
        let otherRun = try other.den(["build"], environment: setup.environment)
        #expect(otherRun.status == 0, "\(otherRun)")
        let before = try snapshot(setup.project)

        // Everything is in use: nothing to remove but logs and downloads no lock needs.
        let idle = try setup.den(["gc", "--dry-run"])
        #expect(idle.status == 0 && !idle.standardOutput.contains("layer"), "\(idle)")

        // The other project goes away: its env and its own layers go, the shared base stays.
        // So do the runtime files an env removed by an older den left, and nothing else there.
        #expect(try setup.den(["run", "--", "true"]).status == 0)
        let runtime = "\(setup.data)/run"
        let kept = try FileManager.default.contentsOfDirectory(atPath: runtime) + ["notes"]
        #expect(try other.den(["run", "--", "true"], environment: setup.environment).status == 0)
        let made = try setup.user.run("/bin/sh", ["-c", "touch gone-0123abcd.lock gone-0123abcd.sock notes"], directory: runtime)
        #expect(made.status == 0, "\(made)")
        try FileManager.default.removeItem(atPath: other.project)
        let dry = try setup.den(["gc", "--dry-run"])
        #expect(dry.standardOutput.contains("would remove env local"), "\(dry)")
        #expect(dry.standardOutput.contains("would remove the lock and socket files of 1 removed env"), "\(dry)")
        let layers = "\(setup.data)/layers"
        let count = try FileManager.default.contentsOfDirectory(atPath: layers).filter { !$0.hasPrefix(".") }.count
        let collected = try setup.den(["gc"])
        #expect(collected.status == 0, "\(collected)")
        #expect(collected.standardOutput.contains("removed env local"), "\(collected)")
        #expect(collected.standardOutput.contains("freed "), "\(collected)")
        let remaining = try FileManager.default.contentsOfDirectory(atPath: layers).filter { !$0.hasPrefix(".") }
        #expect(remaining.count == count, "the other env shared every layer it used: \(remaining)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: runtime).sorted() == kept.sorted())
        #expect(try setup.den(["run", "--", "den-hello"]).standardOutput == "hello from den-hello\n")
        #expect(try snapshot(setup.project) == before)
        #expect(try String(contentsOfFile: "\(setup.project)/link-out", encoding: .utf8) == "keep me\n")
    }

    @Test func removingAndResettingARunningEnvLeavesTheProjectAlone() throws {
        let setup = try archive.setup(["den-hello"])
        try populate(setup)
        #expect(try setup.den(["build"]).status == 0)
        let before = try snapshot(setup.project)
        let session = try BackgroundProcess(den: ["run", "--", "sh", "-c", "echo inside > /tmp/x; sleep 600"], as: setup.user,
                                            in: setup.project, environment: setup.environment)
        defer { _ = session.finish(timeout: 0) }
        #expect(eventually { (try? setup.den(["ps"]).standardOutput.contains("local")) == true })

        let refused = try setup.den(["rm"])
        #expect(refused.status == 1 && refused.standardError.contains("is running"), "\(refused)")
        let reset = try setup.den(["reset"])
        #expect(reset.status == 1, "\(reset)")
        let removed = try setup.den(["rm", "--force"])
        #expect(removed.status == 0, "\(removed)")
        #expect(try snapshot(setup.project) == before)
        // gc with the env gone removes its layers and their build locks, and still not a byte
        // of the project.
        let layers = "\(setup.data)/layers"
        func lockedLayers() throws -> Set<String> {
            Set(try FileManager.default.contentsOfDirectory(atPath: "\(layers)/.locks").map { String($0.dropLast(".lock".count)) })
        }
        let built = Set(try FileManager.default.contentsOfDirectory(atPath: layers).filter { !$0.hasPrefix(".") })
        let locked = try lockedLayers()
        #expect(!built.isEmpty && built.isSubset(of: locked), "\(built) \(locked)")
        let collected = try setup.den(["gc"])
        #expect(collected.status == 0 && collected.standardOutput.contains("debian-base layer"), "\(collected)")
        #expect(collected.standardOutput.contains("removed the build locks of \(built.count) removed layers"), "\(collected)")
        #expect(try lockedLayers().isEmpty)
        #expect(try snapshot(setup.project) == before)
        #expect(try setup.den(["ls"]).standardOutput.contains("no envs"))
    }

    @Test func aProjectDeletedWhileItsEnvRunsIsCollectedAfterItStops() throws {
        let setup = try archive.setup(["den-hello"])
        let outside = try setup.user.makeTemporaryDirectory("mounted")
        try write("data\n", to: "\(outside)/data", as: setup.user)
        try setup.write(packages: ["den-hello"])
        let manifest = try String(contentsOfFile: "\(setup.project)/den.toml", encoding: .utf8)
        try write(manifest + "\n[[mount]]\nsource = \"\(outside)\"\ntarget = \"/data\"\nreadonly = false\n", to: "\(setup.project)/den.toml", as: setup.user)
        #expect(try setup.den(["build"]).status == 0)
        #expect(try setup.den(["trust"]).status == 0)
        let session = try BackgroundProcess(den: ["run", "--", "sleep", "600"], as: setup.user, in: setup.project, environment: setup.environment)
        defer { _ = session.finish(timeout: 0) }
        #expect(eventually { (try? setup.den(["ps"]).standardOutput.contains("local")) == true })
        let home = URL(fileURLWithPath: setup.project).deletingLastPathComponent().path
        try FileManager.default.removeItem(atPath: setup.project)
        // Running: kept.
        let whileRunning = try setup.user.den(["gc"], in: home, environment: setup.environment)
        #expect(whileRunning.status == 0 && !whileRunning.standardOutput.contains("removed env"), "\(whileRunning)")
        _ = session.finish(timeout: 0)
        #expect(eventually { (try? setup.user.den(["ps"], in: home, environment: setup.environment).standardOutput.contains("local")) == false })
        let collected = try setup.user.den(["gc"], in: home, environment: setup.environment)
        #expect(collected.standardOutput.contains("removed env local"), "\(collected)")
        // The trust given to the deleted project goes too: a new project there asks again.
        #expect((whileRunning.standardOutput + collected.standardOutput).contains("removed 1 trust and import records"), "\(collected)")
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: "\(setup.data)/trust")) ?? []).isEmpty)
        #expect(try String(contentsOfFile: "\(outside)/data", encoding: .utf8) == "data\n")
    }
}

/// Builds that race or die: a layer exists only complete, and one build serves every den that
/// needs it.
@Suite struct BuildConcurrencyTests {
    let archive = LocalArchiveTests()

    @Test func twoDensNeedingTheSameLayerBuildItOnce() throws {
        let setup = try archive.setup(["den-hello"])
        #expect(try setup.den(["lock"]).status == 0)
        let first = try BackgroundProcess(den: ["build"], as: setup.user, in: setup.project, environment: setup.environment)
        let second = try BackgroundProcess(den: ["run", "--", "den-hello"], as: setup.user, in: setup.project, environment: setup.environment)
        let (firstStatus, firstOutput) = first.finish(timeout: 300)
        let (secondStatus, secondOutput) = second.finish(timeout: 300)
        #expect(firstStatus == 0 && secondStatus == 0, "\(firstOutput)\n\(secondOutput)")
        #expect(secondOutput.contains("hello from den-hello"), "\(secondOutput)")
        let builds = (firstOutput + secondOutput).components(separatedBy: "built the base layer").count - 1
        #expect(builds == 1, "\(firstOutput)\n\(secondOutput)")
    }

    @Test func aBuildKilledMidwayLeavesNothingThatLooksComplete() throws {
        let setup = try archive.setup(["den-hello"])
        #expect(try setup.den(["lock"]).status == 0)
        let build = try BackgroundProcess(den: ["build"], as: setup.user, in: setup.project, environment: setup.environment)
        let layers = "\(setup.data)/layers"
        // Kill it once stage 2 runs (a staging tree with dpkg's database in it).
        let staged = eventually(timeout: 120) {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: layers)) ?? []
            return names.contains { $0.hasPrefix(".staging-") && FileManager.default.fileExists(atPath: "\(layers)/\($0)/tree/usr") }
        }
        #expect(staged)
        // setpriv and env exec: the pid is den's. Its sandbox children die with it.
        #expect(kill(build.pid, SIGKILL) == 0)
        _ = build.finish(timeout: 30)
        let complete = ((try? FileManager.default.contentsOfDirectory(atPath: layers)) ?? []).filter { !$0.hasPrefix(".") }
        #expect(complete.isEmpty, "a killed build left \(complete)")
        // The next build removes the leftovers and finishes; the result verifies.
        let again = try setup.den(["run", "--", "den-hello"])
        #expect(again.status == 0 && again.standardOutput == "hello from den-hello\n", "\(again)")
        #expect(try setup.den(["verify"]).status == 0)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: layers).filter { $0.hasPrefix(".staging-") }
        #expect(leftovers.isEmpty, "\(leftovers)")
    }
}

/// A store on a full filesystem (a small tmpfs the test mounts as root).
@Suite struct DiskFullTests {
    let archive = LocalArchiveTests()

    @Test(.enabled(if: getuid() == 0, "mounting the small filesystem needs root"))
    func aFullDiskFailsCleanlyAndTheBuiltEnvStillEnters() throws {
        let built = try archive.setup(["den-hello"])
        let mountpoint = try built.user.makeTemporaryDirectory("small-disk")
        let mounted = try ProcessRunner.run("/bin/mount", ["-t", "tmpfs", "-o", "size=200m,mode=0755", "tmpfs", mountpoint])
        #expect(mounted.status == 0, "\(mounted)")
        defer { _ = try? ProcessRunner.run("/bin/umount", ["-l", mountpoint]) }
        try built.user.chown(mountpoint)
        let small = ["XDG_DATA_HOME": mountpoint]
        // Built and entered once (entering the first time writes the user into /etc/passwd).
        #expect(try built.den(["run", "--", "true"], environment: small).status == 0)

        // Fill what is left, then ask for a layer that needs space.
        let filler = "\(mountpoint)/filler"
        _ = try ProcessRunner.run("/bin/dd", ["if=/dev/zero", "of=\(filler)", "bs=1M"])
        let other = try archive.setup(["den-hello", "den-postinst", "den-group-file", "den-lib-compat"], user: built.user)
        let failed = try other.den(["build"], environment: small)
        #expect(failed.status == 1, "\(failed)")
        #expect(failed.standardError.contains("free disk space"), "\(failed.standardError)")
        let layers = try FileManager.default.contentsOfDirectory(atPath: "\(mountpoint)/den/layers")
        #expect(!layers.contains { $0.hasPrefix(".staging-") }, "\(layers)")
        #expect(layers.filter { !$0.hasPrefix(".") }.count == 3, "\(layers)")  // base, packages, apt of the first env

        // The env that exists still enters, and with space back the other one builds.
        let entered = try built.den(["run", "--", "den-hello"], environment: small)
        #expect(entered.standardOutput == "hello from den-hello\n", "\(entered)")
        try FileManager.default.removeItem(atPath: filler)
        let again = try other.den(["run", "--", "sh", "-c", "ls /var/lib/den-postinst"], environment: small)
        #expect(again.standardOutput == "ran-as-0\n", "\(again)")
    }
}
