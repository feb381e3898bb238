import ArgumentParser
import DenCore

struct DoctorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check that this system can run den's envs, and say how to fix what is missing.",
        discussion: "Exits 1 when a check fails; warnings mean den works with less (e.g. without resource limits)."
    )

    func run() throws {
        let user = HostUser.current()
        let store = Store.standard(for: user, environment: ProcessEnvironment.current())
        let diagnosis = Diagnosis.run(user: user, store: store)
        let style = TerminalStyle.forStandardOutput()
        let width = diagnosis.checks.map(\.name.count).max() ?? 0
        for var check in diagnosis.checks {
            if let cause = check.cause?.userError {
                check.detail = [cause.what, cause.why].compactMap { $0 }.joined(separator: ": ")
                check.fix = cause.fix
            }
            let label = switch check.status {
            case .ok: style.accent("ok  ")
            case .warning: style.warning("warn")
            case .failed: style.error("FAIL")
            }
            let padding = String(repeating: " ", count: width - check.name.count)
            print("\(label)  \(check.name)\(padding)  \(check.detail)")
            if let fix = check.fix, check.status != .ok {
                print("      \(String(repeating: " ", count: width))  fix: \(fix)")
            }
        }
        if diagnosis.hasFailures { throw ExitCode.failure }
    }
}

struct ResetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reset",
        abstract: "Throw away the env's changes (its writable layer, your home inside included).",
        discussion: "The base and the project directory are not touched. A running env is refused unless --force stops it first."
    )

    @Flag(help: "Stop the env first if it is running.")
    var force = false

    func run() throws {
        let project = try locateProject(nil)
        let user = HostUser.current()
        let manifest = try project.loadManifest(homeDirectory: user.homeDirectory)
        let store = Store.standard(for: user, environment: ProcessEnvironment.current())
        let environment = try Environment.prepare(
            project: project, manifest: manifest, store: store, user: user, idMapping: IDMapping.detect(for: user))
        if RunningEnvironment.list(store: store).contains(where: { $0.id == environment.id }) {
            guard force else {
                throw UserError("env '\(manifest.name)' is running", fix: "leave its sessions or run `den reset --force` to stop it first")
            }
            _ = try RunningEnvironment.stop(id: environment.id, store: store, grace: 10)
        }
        try environment.reset(user: user)
        print("reset \(manifest.name): its changes are gone")
    }
}
