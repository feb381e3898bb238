import ArgumentParser
import DenCore
#if canImport(Glibc)
import Glibc
#endif

/// The root command. Each subcommand parses its arguments, calls the core and renders the
/// result; nothing else lives here.
struct Den: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "den",
        abstract: "Rootless, reproducible development environments.",
        discussion: """
            A project commits den.toml (what it needs) and den.lock (exactly what that resolved to); \
            anyone who clones it gets the same environment, with the project mounted live.
            """,
        version: DenVersion.current,
        subcommands: [InitCommand.self, CheckCommand.self, LockCommand.self, BuildCommand.self, UpdateCommand.self, VerifyCommand.self, ShellCommand.self, RunCommand.self, PsCommand.self, StopCommand.self, ResetCommand.self, ListCommand.self, RemoveCommand.self, GCCommand.self, ExportCommand.self, ImportCommand.self, PushCommand.self, TrustCommand.self, DoctorCommand.self, CompletionCommand.self]
    )
}

/// The process entry point: runs the command and turns every error into the exit code
/// scripts can rely on (0 ok, 1 user error, 64 usage error).
public enum DenMain {
    /// On the main thread: the env's processes die with the thread that started them.
    @MainActor
    public static func run(arguments: [String] = Array(CommandLine.arguments.dropFirst())) -> Never {
        // den re-executed by itself inside a user namespace (see `DebianBuild`).
        if let status = InternalHelper.run(arguments) { Glibc.exit(status) }
        do {
            if let invocation = try fastInvocation(arguments) {
                try enter(invocation, appliesLimits: true)
            }
            var command = try Den.parseAsRoot(arguments)
            try command.run()
            Den.exit()
        } catch let code as ExitCode {
            // The command's own status: leave at once (the parser's exit path would first
            // build its help machinery, which costs more than entering the env did).
            fflush(nil)
            Glibc.exit(code.rawValue)
        } catch let error as UserErrorConvertible {
            exit(with: error.userError)
        } catch let error as UserError {
            exit(with: error)
        } catch {
            Den.exit(withError: error)
        }
    }

    /// `den run` and `den shell` in their plain forms (`den run [--root] [--] CMD…`, `den shell
    /// [--root]`) skip the argument parser: building its command tree (it answers completion
    /// requests first) costs more than entering an env. Anything else, help and every
    /// mistake included, goes through the parser and gets its messages.
    static func fastInvocation(_ arguments: [String]) throws -> Invocation? {
        guard let name = arguments.first, name == "run" || name == "shell" else { return nil }
        var rest = arguments.dropFirst()
        var asRoot = false
        if rest.first == "--root" {
            asRoot = true
            rest = rest.dropFirst()
        }
        if name == "shell" {
            guard rest.isEmpty else { return nil }
            return ShellCommand.invocation(asRoot: asRoot, workingDirectory: try FileSystem.currentDirectory())
        }
        if rest.first == "--" { rest = rest.dropFirst() } else if rest.first?.hasPrefix("-") != false { return nil }
        guard !rest.isEmpty else { return nil }
        return Invocation(command: Array(rest), asRoot: asRoot, workingDirectory: try FileSystem.currentDirectory())
    }

    static func exit(with error: UserError) -> Never {
        StandardError.write(error.rendered(style: .forStandardError()))
        Den.exit(withError: ExitCode(error.exitCode))
    }
}
