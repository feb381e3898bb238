import Foundation

/// What a finished process left behind.
public struct ProcessResult: Sendable, CustomStringConvertible {
    public var status: Int32
    /// True when `status` is a signal number rather than an exit code.
    public var wasSignalled: Bool
    public var standardOutput: String
    public var standardError: String

    public var description: String {
        "\(wasSignalled ? "signal" : "exit") \(status)\nstdout:\n\(standardOutput)\nstderr:\n\(standardError)"
    }
}

public enum ProcessRunner {
    /// Runs `executable` with `arguments` and waits, capturing both streams. `environment`
    /// replaces the inherited one entirely so tests never depend on the caller's.
    public static func run(
        _ executable: String, _ arguments: [String], environment: [String: String]? = nil,
        directory: String? = nil, input: String? = nil, timeout: Duration = .seconds(120)
    ) throws -> ProcessResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let output = Pipe(), error = Pipe(), stdin = Pipe()
        process.standardOutput = output
        process.standardError = error
        process.standardInput = input == nil ? FileHandle.nullDevice : stdin
        try process.run()
        if let input {
            stdin.fileHandleForWriting.write(Data(input.utf8))
            try stdin.fileHandleForWriting.close()
        }
        // Read both pipes concurrently so a chatty child never blocks on a full pipe.
        let box = OutputBox()
        let group = DispatchGroup()
        for (handle, isError) in [(output.fileHandleForReading, false), (error.fileHandleForReading, true)] {
            group.enter()
            DispatchQueue.global().async {
                let data = handle.readDataToEndOfFile()
                box.set(data, isError: isError)
                group.leave()
            }
        }
        let seconds = Double(timeout.components.seconds)
        if group.wait(timeout: .now() + seconds) == .timedOut {
            process.terminate()
            _ = group.wait(timeout: .now() + 5)
            throw TestFailure("'\(executable) \(arguments.joined(separator: " "))' did not finish within \(timeout)")
        }
        process.waitUntilExit()
        return ProcessResult(
            status: process.terminationStatus, wasSignalled: process.terminationReason == .uncaughtSignal,
            standardOutput: box.output, standardError: box.error)
    }
}

private final class OutputBox: @unchecked Sendable {
    private let lock = NSLock()
    private var outputData = Data(), errorData = Data()

    func set(_ data: Data, isError: Bool) {
        lock.withLock { if isError { errorData = data } else { outputData = data } }
    }

    var output: String { lock.withLock { String(decoding: outputData, as: UTF8.self) } }
    var error: String { lock.withLock { String(decoding: errorData, as: UTF8.self) } }
}

public struct TestFailure: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
