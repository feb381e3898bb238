import Foundation

/// The `den` executable under test: `$DEN_BIN` (the suite's runner points it at the static
/// release binary) or the one SwiftPM built next to the test bundle.
public enum DenBinary {
    public static var path: String {
        get throws {
            if let path = ProcessInfo.processInfo.environment["DEN_BIN"], !path.isEmpty {
                let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
                guard FileManager.default.isExecutableFile(atPath: absolute) else {
                    throw TestFailure("DEN_BIN='\(path)' is not an executable file")
                }
                return absolute
            }
            let directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            for candidate in [directory, directory.deletingLastPathComponent()] {
                let path = candidate.appendingPathComponent("den").path
                if FileManager.default.isExecutableFile(atPath: path) { return path }
            }
            let bundle = Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("den").path
            if FileManager.default.isExecutableFile(atPath: bundle) { return bundle }
            throw TestFailure("cannot find the den binary next to \(CommandLine.arguments[0]); build it or set DEN_BIN")
        }
    }
}

extension TestUser {
    /// Runs `den ARGUMENTS` as this user in `directory`.
    public func den(
        _ arguments: [String], in directory: String? = nil, environment: [String: String] = [:],
        input: String? = nil, timeout: Duration = .seconds(120)
    ) throws -> ProcessResult {
        try run(DenBinary.path, arguments, environment: environment, directory: directory, input: input, timeout: timeout)
    }
}
