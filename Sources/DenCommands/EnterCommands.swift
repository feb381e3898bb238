import ArgumentParser
import DenCore
#if canImport(Glibc)
import Glibc
#endif

struct ShellCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shell",
        abstract: "Start an interactive shell in the project's env.",
        discussion: "The shell is den.toml's `shell`, else bash when the env has it, else sh. Exits with the shell's status."
    )

    @Flag(help: "Run as root inside the env (e.g. to install packages).")
    var root = false

    @Flag(help: "Start even when den.toml's [limits] cannot be applied (they are then not applied).")
    var noLimits = false

    func run() throws {
        try enter(Self.invocation(asRoot: root, workingDirectory: try FileSystem.currentDirectory()), appliesLimits: !noLimits)
    }

    /// On a terminal the shell gets a pseudo-terminal of its own, relayed by den; otherwise
    /// (a pipe, a script) stdio passes through.
    static func invocation(asRoot: Bool, workingDirectory: String) -> Invocation {
        let terminal = isatty(STDOUT_FILENO) == 1 ? TerminalSize.of(fileDescriptor: STDIN_FILENO) : nil
        return Invocation(command: nil, asRoot: asRoot, workingDirectory: workingDirectory, terminal: terminal)
    }
}

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a command in the project's env.",
        discussion: """
            Exits with the command's status (128+N when signal N killed it, 127 when it does not exist). \
            Standard input, output and error pass through untouched: `printf hi | den run -- cat` prints hi.
            """
    )

    @Flag(help: "Run as root inside the env (e.g. `den run --root -- apt-get install ripgrep`).")
    var root = false

    @Flag(help: "Start even when den.toml's [limits] cannot be applied (they are then not applied).")
    var noLimits = false

    @Argument(parsing: .captureForPassthrough, help: ArgumentHelp("The command and its arguments.", valueName: "command"))
    var command: [String] = []

    func validate() throws {
        // Everything after `run` is captured, dashes included, so that `den run ls -la` works;
        // an option-looking first word is den's, not the command's.
        if let first = command.first, first != "--", first.hasPrefix("-") {
            if first == "-h" || first == "--help" { throw CleanExit.helpRequest(self) }
            throw ValidationError("unknown option '\(first)'; to run a command that starts with '-', put it after `--`")
        }
        guard !command.drop(while: { $0 == "--" }).isEmpty else { throw ValidationError("name a command to run, e.g. `den run -- make test`") }
    }

    func run() throws {
        // `den run -- cmd`: the separator is for den's parser, not part of the command.
        let arguments = command.first == "--" ? Array(command.dropFirst()) : command
        try enter(Invocation(command: arguments, asRoot: root, workingDirectory: try FileSystem.currentDirectory()),
                  appliesLimits: !noLimits)
    }
}

/// Finds the project, prepares its env and runs the invocation in it; exits with the
/// command's status (by throwing `ExitCode`, so it never returns normally).
func enter(_ invocation: Invocation, appliesLimits: Bool) throws {
    let context = try ProjectContext.load(entering: true)
    try ensureTrusted(context)
    let (user, hostEnvironment) = (context.user, context.hostEnvironment)
    var environment = try context.prepareEnvironment(forceLock: false, events: BuildReporter().callAsFunction)
    for notice in environment.notices { StandardError.write(notice) }
    let limits = appliesLimits ? context.manifest.limits : Limits()
    if !appliesLimits, !context.manifest.limits.isEmpty { StandardError.write("note: den.toml's [limits] are not applied (--no-limits)") }
    let placement = try Cgroups.prepare(environmentID: environment.id, limits: limits, user: user)
    environment.cgroup = placement?.directory
    let oomKillsBefore = placement?.oomKills() ?? 0
    let terminal = TerminalState.save()
    let outcome = Result { try environment.enter(invocation, user: user, hostEnvironment: hostEnvironment) }
    terminal?.restore()
    if let placement {
        if placement.oomKills() > oomKillsBefore, let bytes = limits.memoryBytes {
            StandardError.write("den: out of memory (limit \(ByteSize.limitText(bytes))): the kernel killed a process of the env")
        }
        placement.removeWhenEmpty { environment.hasOtherSessions }
    }
    switch try outcome.get() {
    case .finished(let termination):
        throw ExitCode(termination.exitCode)
    case .commandFailed(let command, let errno):
        let notFound = errno == ENOENT
        throw UserError(
            notFound ? "command not found: '\(command)'" : "cannot run '\(command)'",
            why: notFound ? "no such program on the env's PATH" : SystemError("exec", errno: errno).reason,
            fix: notFound ? "install it in the env, e.g. add it to `packages` in den.toml" : nil,
            exitCode: notFound ? 127 : 126)
    }
}

/// The terminal's settings before den ran the command, put back afterwards: a program that
/// dies in raw mode must not leave the user's terminal unusable.
struct TerminalState {
    var attributes: termios
    var foregroundGroup: pid_t

    static func save() -> TerminalState? {
        var attributes = termios()
        guard isatty(STDIN_FILENO) == 1, tcgetattr(STDIN_FILENO, &attributes) == 0 else { return nil }
        return TerminalState(attributes: attributes, foregroundGroup: tcgetpgrp(STDIN_FILENO))
    }

    func restore() {
        // den may be in the background now (the env's shell took the terminal): without
        // ignoring SIGTTOU, changing the terminal would stop den.
        let previous = signal(SIGTTOU, SIG_IGN)
        if foregroundGroup > 0 { tcsetpgrp(STDIN_FILENO, foregroundGroup) }
        var attributes = attributes
        tcsetattr(STDIN_FILENO, TCSADRAIN, &attributes)
        signal(SIGTTOU, previous)
    }
}

enum ProcessEnvironment {
    static func current() -> [String: String] {
        var result: [String: String] = [:]
        var pointer = environ
        while let entry = pointer.pointee {
            let text = String(cString: entry)
            if let equals = text.firstIndex(of: "=") {
                result[String(text[..<equals])] = String(text[text.index(after: equals)...])
            }
            pointer += 1
        }
        return result
    }
}
