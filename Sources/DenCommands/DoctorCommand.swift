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
        let environment = ProcessEnvironment.current()
        let store = Store.standard(for: user, environment: environment)
        let diagnosis = Diagnosis.run(user: user, store: store, environment: environment)
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
        discussion: "Without NAME, the env of the project in this directory. The base and the project directory are not touched. A running env is refused unless --force stops it first."
    )

    @Argument(help: "The env's name (default: this project's env).")
    var name: String?

    @Flag(help: "Stop the env first if it is running.")
    var force = false

    func run() throws {
        let (environment, store, user) = try stoppedEnvironment(named: name, force: force, command: "reset")
        let identity = IDMapping.detect(for: user).identity(for: user)
        try keepingStopped(environment, store: store, command: "reset") {
            try Environment.reset(directory: environment.directory, identity: identity)
        }
        print("reset \(environment.name): its changes are gone")
    }
}
