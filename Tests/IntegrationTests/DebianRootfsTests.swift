import DenTestSupport
import Foundation
import Testing

/// A real Debian tree as a `dir:` base: bash with den's prompt, dpkg's database, system
/// groups keeping their owners. The tree is built rootless by mmdebstrap (unshare mode, as
/// the test user with subordinate ids) from the mirror in the host's apt sources, once per run.
@Suite struct DebianRootfsTests {
    static let rootfs: Result<String, TestFailure> = Result {
        let user = try TestUser.withRanges
        guard user.hasSubordinateRanges else { throw TestFailure("no subordinate ids: mmdebstrap's unshare mode needs them") }
        guard let mirror = hostMirror() else { throw TestFailure("the host's apt sources name no mirror") }
        let directory = try user.makeTemporaryDirectory("debian")
        let root = "\(directory)/root"
        let built = try user.run("/usr/bin/mmdebstrap", ["--quiet", "--mode=unshare", "--variant=minbase", "bookworm", root, mirror],
                                 timeout: .seconds(600))
        guard built.status == 0 else { throw TestFailure("mmdebstrap failed: \(built)") }
        return root
    }.mapError { ($0 as? TestFailure) ?? TestFailure("\($0)") }

    /// The first `URIs:` of the host's deb822 sources (or `deb` line of sources.list).
    static func hostMirror() -> String? {
        let directory = "/etc/apt/sources.list.d"
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted().map { "\(directory)/\($0)" }
        for file in files where file.hasSuffix(".sources") {
            let text = (try? String(contentsOfFile: file, encoding: .utf8)) ?? ""
            if let line = text.split(separator: "\n").first(where: { $0.hasPrefix("URIs:") }) {
                return line.dropFirst("URIs:".count).split(separator: " ").first.map(String.init)
            }
        }
        let list = (try? String(contentsOfFile: "/etc/apt/sources.list", encoding: .utf8)) ?? ""
        return list.split(separator: "\n").first { $0.hasPrefix("deb ") }.flatMap { $0.split(separator: " ").dropFirst().first(where: { !$0.hasPrefix("[") }) }.map(String.init)
    }

    func project() throws -> (TestUser, String) {
        let user = try TestUser.withRanges
        let root = try Self.rootfs.get()
        let project = try user.makeTemporaryDirectory("debian-project")
        try write("base = \"dir:\(root)\"\n", to: "\(project)/den.toml", as: user)
        return (user, project)
    }

    @Test func systemFilesKeepTheirOwnersAndDpkgKnowsThem() throws {
        let (user, project) = try project()
        let result = try user.den(["run", "--", "sh", "-c",
            "cat /etc/debian_version; stat -c %U:%G /etc /var/log/btmp; dpkg-query -W -f '${Status}\\n' base-files; echo $SHELL"], in: project)
        #expect(result.status == 0, "\(result)")
        let lines = result.standardOutput.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("12.") == true, "\(result.standardOutput)")
        #expect(lines.dropFirst().prefix(2) == ["root:root", "root:utmp"])
        #expect(lines.contains("install ok installed"))
        #expect(lines.last == "/bin/bash")
    }

    /// mmdebstrap maps inside id i to the i-th subordinate id; den does the same for every id
    /// but the user's own, so owners above the user's id (nobody, 60000) line up too.
    @Test(.enabled(if: getuid() == 0, "only root can give a file to a subordinate id"))
    func ownersAboveTheUsersIDLineUpWithMmdebstrap() throws {
        let (user, project) = try project()
        let subuid = try String(contentsOfFile: "/etc/subuid", encoding: .utf8).split(separator: "\n")
            .first { $0.hasPrefix("\(user.name):") }.flatMap { UInt32($0.split(separator: ":")[1]) }
        let start = try #require(subuid)
        let file = "\(try Self.rootfs.get())/etc/den-owner-probe"
        try "x".write(toFile: file, atomically: true, encoding: .utf8)
        #expect(chown(file, start + 60000, start + 65534) == 0)
        let result = try user.den(["run", "--", "stat", "-c", "%u:%g", "/etc/den-owner-probe"], in: project)
        #expect(result.standardOutput == "60000:65534\n", "\(result)")
    }

    @Test func bashShowsTheEnvInThePrompt() throws {
        let (user, project) = try project()
        let script = "\(project)/drive.py"
        try RuntimeTests.ptyDriver.write(toFile: script, atomically: true, encoding: .utf8)
        let result = try user.run("/usr/bin/python3", [script, try DenBinary.path, "shell"], environment: ["TERM": "xterm"],
                                  directory: project, timeout: .seconds(60))
        #expect(result.status == 0, "\(result)")
        // bash's own prompt from /etc/bash.bashrc, with the env's name in front.
        let name = URL(fileURLWithPath: project).lastPathComponent
        #expect(result.standardOutput.contains("(den:\(name)) \(user.name)@\(name):"), "\(result.standardOutput)")
        #expect(result.standardOutput.contains("alive 130"))
        #expect(result.standardOutput.contains("den exit 7"))
    }
}
