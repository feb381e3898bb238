import DenTestSupport
import Foundation
import Testing

/// The real `den` binary, run as an unprivileged user in a directory that user owns.
@Suite struct CLITests {
    let user: TestUser

    init() throws {
        user = try TestUser.withRanges
    }

    @Test func runsAsAnUnprivilegedUser() throws {
        #expect(user.uid != 0, "tests must not run den as root")
        let result = try user.run("/usr/bin/id", ["-u"])
        #expect(result.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines) == String(user.uid))
    }

    @Test func helpListsEveryCommand() throws {
        let result = try user.den(["--help"])
        #expect(result.status == 0)
        for command in ["init", "check", "shell", "run", "completion"] {
            #expect(result.standardOutput.contains("  \(command) "), "den --help does not list \(command)")
        }
    }

    @Test func versionPrintsTheVersion() throws {
        let result = try user.den(["--version"])
        #expect(result.status == 0)
        #expect(result.standardOutput.range(of: #"^\d+\.\d+\.\d+\n$"#, options: .regularExpression) != nil)
    }

    @Test func unknownCommandOrOptionIsAUsageError() throws {
        #expect(try user.den(["frobnicate"]).status == 64)
        #expect(try user.den(["check", "--no-such-flag"]).status == 64)
        #expect(try user.den(["init", "--template", "cobol"]).status == 64)
        #expect(try user.den(["run"]).status == 64)
        #expect(try user.den(["run", "--bogus", "ls"]).status == 64)
        #expect(try user.den(["shell", "extra"]).status == 64)
        let help = try user.den(["run", "--help"])
        #expect(help.status == 0)
        #expect(help.standardOutput.contains("--root"))
    }

    @Test func initThenCheck() throws {
        let project = try user.makeTemporaryDirectory("py-project")
        let created = try user.den(["init", "--template", "python"], in: project)
        #expect(created.status == 0, "\(created)")
        let text = try String(contentsOfFile: "\(project)/den.toml", encoding: .utf8)
        #expect(text.contains("python3"))
        // The file belongs to the user who ran den.
        let owner = try FileManager.default.attributesOfItem(atPath: "\(project)/den.toml")[.ownerAccountID] as? NSNumber
        #expect(owner?.uint32Value == user.uid)

        let checked = try user.den(["check"], in: project)
        #expect(checked.status == 0, "\(checked)")
        let name = URL(fileURLWithPath: project).lastPathComponent
        #expect(checked.standardOutput.contains("name        \(name)"))
        #expect(checked.standardOutput.contains("debian:bookworm"))
        #expect(checked.standardError.isEmpty)
        // What den init wrote is the user's own: its grants (the SSH agent) are trusted already.
        let trust = try user.den(["trust", "--show"], in: project)
        #expect(trust.status == 0 && trust.standardOutput.contains("SSH agent"), "\(trust)")
    }

    @Test func outputKeepsItsOrderWhenBothStreamsShareAPipe() throws {
        // `den init 2>&1 | tee log`: standard output is block-buffered on a pipe, yet what den
        // printed there must still come before the diagnostic it wrote next.
        let project = try user.makeTemporaryDirectory("pipe-order")
        let result = try user.run("/bin/sh", ["-c", "\"$0\" init --template minimal 2>&1", try DenBinary.path],
                                  directory: project)
        #expect(result.status == 0, "\(result)")
        let lines = result.standardOutput.split(separator: "\n")
        let created = lines.firstIndex { $0.hasPrefix("created ") }
        let next = lines.firstIndex { $0.hasPrefix("next: ") }
        #expect(created != nil && next != nil && created! < next!, "\(result.standardOutput)")
    }

    @Test func checkFindsTheManifestFromASubdirectory() throws {
        let project = try user.makeTemporaryDirectory("nested")
        #expect(try user.den(["init", "--name", "nested-env", "--base", "debian:trixie"], in: project).status == 0)
        let deep = "\(project)/src/pkg"
        #expect(try user.run("/bin/mkdir", ["-p", deep]).status == 0)
        let checked = try user.den(["check"], in: deep)
        #expect(checked.status == 0, "\(checked)")
        #expect(checked.standardOutput.contains("nested-env"))
        #expect(checked.standardOutput.contains("debian:trixie"))
    }

    @Test func initRefusesToOverwriteWithoutForce() throws {
        let project = try user.makeTemporaryDirectory("overwrite")
        #expect(try user.den(["init"], in: project).status == 0)
        try appendLine("# my edit", to: "\(project)/den.toml", as: user)
        let again = try user.den(["init", "--template", "go"], in: project)
        #expect(again.status == 1)
        #expect(again.standardError.contains("already exists"))
        #expect(again.standardError.contains("--force"))
        #expect(try String(contentsOfFile: "\(project)/den.toml", encoding: .utf8).contains("# my edit"))
        let forced = try user.den(["init", "--template", "go", "--force"], in: project)
        #expect(forced.status == 0)
        #expect(try String(contentsOfFile: "\(project)/den.toml", encoding: .utf8).contains("golang-go"))
    }

    @Test func initListShowsEachTemplateWithASummary() throws {
        let result = try user.den(["init", "--list"])
        #expect(result.status == 0)
        let lines = result.standardOutput.split(separator: "\n")
        for name in ["minimal", "python", "node", "go", "rust", "c", "java"] {
            let line = lines.first { $0.hasPrefix("\(name) ") }
            #expect(line != nil, "no line for \(name)")
            #expect((line?.count ?? 0) > name.count + 10, "no summary for \(name)")
        }
    }

    @Test func misspeltKeyNamesFileLineColumnAndTheFix() throws {
        let project = try user.makeTemporaryDirectory("typo")
        try write("base = \"debian:bookworm\"\npakages = [\"git\"]\n", to: "\(project)/den.toml", as: user)
        let result = try user.den(["check"], in: project)
        #expect(result.status == 1)
        #expect(result.standardOutput.isEmpty)
        #expect(result.standardError.contains("error: unknown key 'pakages'"))
        #expect(result.standardError.contains("\(project)/den.toml:2:1"))
        #expect(result.standardError.contains("did you mean 'packages'?"))
        #expect(result.standardError.contains("^^^^^^^"))
        // Not a terminal: no colour codes.
        #expect(!result.standardError.contains("\u{1B}["))
    }

    @Test func numberWhereAListBelongs() throws {
        let project = try user.makeTemporaryDirectory("type")
        try write("base = \"debian:bookworm\"\npackages = 3\n", to: "\(project)/den.toml", as: user)
        let result = try user.den(["check"], in: project)
        #expect(result.status == 1)
        #expect(result.standardError.contains("'packages' must be an array of strings, found an integer"))
        #expect(result.standardError.contains("den.toml:2:12"))
    }

    @Test func missingManifestSaysToRunInit() throws {
        let empty = try user.makeTemporaryDirectory("empty")
        let result = try user.den(["check"], in: empty)
        #expect(result.status == 1)
        #expect(result.standardError.contains("no den.toml"))
        #expect(result.standardError.contains("den init"))
    }

    @Test(arguments: ["bash", "zsh", "fish"])
    func completionScripts(shell: String) throws {
        let result = try user.den(["completion", shell])
        #expect(result.status == 0)
        #expect(result.standardOutput.contains("init"))
        #expect(result.standardOutput.contains("check"))
    }

    @Test func bashAcceptsTheCompletionScript() throws {
        let script = try user.den(["completion", "bash"]).standardOutput
        let result = try user.run("/bin/bash", ["-n"], input: script)
        #expect(result.status == 0, "\(result)")
    }
}

/// Writes as the test user, so the file is theirs like anything they would write.
func write(_ text: String, to path: String, as user: TestUser) throws {
    let result = try user.run("/bin/sh", ["-c", "cat > \"$1\"", "sh", path], input: text)
    guard result.status == 0 else { throw TestFailure("writing \(path) failed: \(result)") }
}

func appendLine(_ line: String, to path: String, as user: TestUser) throws {
    let result = try user.run("/bin/sh", ["-c", "printf '%s\\n' \"$1\" >> \"$2\"", "sh", line, path])
    guard result.status == 0 else { throw TestFailure("appending to \(path) failed: \(result)") }
}
