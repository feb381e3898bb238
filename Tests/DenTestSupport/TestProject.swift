import Foundation

/// A project directory with a den.toml whose base is a fresh busybox rootfs, both owned by
/// the test user: what runtime tests enter.
public struct TestProject: Sendable {
    public var user: TestUser
    /// Holds `root/` (the base) and `project/`.
    public var directory: String
    public var rootfs: String { "\(directory)/root" }
    public var path: String { "\(directory)/project" }

    /// `manifest` is appended to `base = "dir:…"`.
    public init(user: TestUser, manifest: String = "", label: String = "env") throws {
        self.user = user
        directory = try user.makeTemporaryDirectory(label)
        try BusyboxRootfs.make(at: "\(directory)/root", owner: user)
        try FileManager.default.createDirectory(atPath: "\(directory)/project", withIntermediateDirectories: false)
        try user.chown("\(directory)/project")
        try writeManifest("base = \"dir:\(directory)/root\"\n" + manifest)
    }

    public func writeManifest(_ text: String) throws {
        try text.write(toFile: "\(path)/den.toml", atomically: true, encoding: .utf8)
        try user.chown("\(path)/den.toml")
    }

    /// `den ARGUMENTS` as the user, from the project directory (or `subdirectory` of it).
    public func den(_ arguments: [String], subdirectory: String? = nil, input: String? = nil,
                    environment: [String: String] = [:], timeout: Duration = .seconds(60)) throws -> ProcessResult {
        try user.den(arguments, in: subdirectory.map { "\(path)/\($0)" } ?? path, environment: environment,
                     input: input, timeout: timeout)
    }

    /// `den run -- sh -c SCRIPT`.
    public func run(_ script: String, root: Bool = false, input: String? = nil) throws -> ProcessResult {
        try den(["run"] + (root ? ["--root"] : []) + ["--", "sh", "-c", script], input: input)
    }
}
