import ArgumentParser
import DenCore

/// The root command. Each subcommand parses its arguments, calls the core and renders the
/// result; nothing else lives here.
struct Den: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "den",
        abstract: "Rootless, reproducible development environments.",
        discussion: """
            A project commits den.toml (what it needs) and den.lock (exactly what that resolved to); \
            anyone who clones it gets the same environment, with the project mounted live.
            """,
        version: DenVersion.current,
        subcommands: [InitCommand.self, CheckCommand.self, ShellCommand.self, RunCommand.self, CompletionCommand.self]
    )
}

/// The process entry point: runs the command and turns every error into the exit code
/// scripts can rely on (0 ok, 1 user error, 64 usage error).
public enum DenMain {
    /// On the main thread: the env's processes die with the thread that started them.
    @MainActor
    public static func run(arguments: [String] = Array(CommandLine.arguments.dropFirst())) async -> Never {
        do {
            var command = try Den.parseAsRoot(arguments)
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            Den.exit()
        } catch let error as UserErrorConvertible {
            exit(with: error.userError)
        } catch let error as UserError {
            exit(with: error)
        } catch {
            Den.exit(withError: error)
        }
    }

    static func exit(with error: UserError) -> Never {
        StandardError.write(error.rendered(style: .forStandardError()))
        Den.exit(withError: ExitCode(error.exitCode))
    }
}
