/// What the user asked `den shell` or `den run` to do.
public struct Invocation: Sendable, Equatable {
    /// nil: an interactive shell.
    public var command: [String]?
    /// Run as root inside the env (package installs) instead of as the user.
    public var asRoot: Bool
    /// The host directory den was started from; the command starts at the same path inside.
    public var workingDirectory: String
    /// A pseudo-terminal of this size for the command (an interactive shell on a terminal).
    public var terminal: TerminalSize?

    public init(command: [String]?, asRoot: Bool, workingDirectory: String, terminal: TerminalSize? = nil) {
        self.command = command
        self.asRoot = asRoot
        self.workingDirectory = workingDirectory
        self.terminal = terminal
    }
}
