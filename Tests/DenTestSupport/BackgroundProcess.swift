import Foundation

/// A process started as a test user that the test lets run while it does other things.
public final class BackgroundProcess: @unchecked Sendable {
    public let process = Process()
    private let output = Pipe()

    /// Starts `den ARGUMENTS` as `user` in `directory`.
    public convenience init(den arguments: [String], as user: TestUser, in directory: String, environment: [String: String] = [:]) throws {
        try self.init(command: [try DenBinary.path] + arguments, as: user, in: directory, environment: environment)
    }

    /// Starts `command` (an absolute path and its arguments) as `user` in `directory`.
    public init(command: [String], as user: TestUser, in directory: String, environment: [String: String] = [:]) throws {
        let line = user.commandLine(command[0], Array(command.dropFirst()), environment: environment)
        process.executableURL = URL(fileURLWithPath: line[0])
        process.arguments = Array(line.dropFirst())
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    public var pid: Int32 { process.processIdentifier }

    /// Waits for the process to end (killing it after `timeout`) and returns its status and output.
    public func finish(timeout: TimeInterval = 30) -> (status: Int32, output: String) {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        // SIGKILL: a test harness may have blocked SIGTERM in what it starts.
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}

/// Polls `condition` every 20 ms until it holds or `timeout` passes; returns whether it held.
public func eventually(timeout: TimeInterval = 10, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if condition() { return true }
        Thread.sleep(forTimeInterval: 0.02)
    }
    return condition()
}
