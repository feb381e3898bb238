import ArgumentParser
import DenCore

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate den.toml and print what it asks for.",
        discussion: "Exits 1 with the error's file, line and column when the manifest is invalid."
    )

    @Argument(help: "A project directory or a den.toml file (default: the nearest den.toml above the current directory).")
    var path: String?

    func run() throws {
        let project = try locateProject(path)
        let manifest = try project.loadManifest(homeDirectory: HostUser.current().homeDirectory)
        print(ManifestSummary(project: project, manifest: manifest).rendered(style: .forStandardOutput()), terminator: "")
        try checkLock(project: project, manifest: manifest)
    }

    /// den.lock, when there is one, must parse and match the manifest.
    private func checkLock(project: Project, manifest: Manifest) throws {
        let path = "\(project.directory)/\(Lockfile.fileName)"
        guard FileSystem.exists(path) else {
            if case .debian = manifest.base { print("lock        none (run `den lock` to pin the packages)") }
            return
        }
        guard let text = try FileSystem.readText(path) else {
            throw UserError("'\(path)' is not UTF-8 text", fix: "run `den lock` to write it afresh")
        }
        let lock = try Lockfile.parse(text, file: path)
        guard lock.manifestHash == manifest.lockHash(architecture: lock.architecture) else {
            throw UserError("'\(path)' is stale", why: "den.toml's base or packages changed since it was written",
                            fix: "run `den lock` to resolve again")
        }
        let snapshot = lock.archive.map { ", \($0.codename)\($0.version.map { " \($0)" } ?? ""), \($0.date)" } ?? ""
        print("lock        up to date (\(lock.packages.count) packages, \(lock.architecture)\(snapshot))")
    }
}

/// Finds the project for a command: from `path` (a directory or a den.toml) when given,
/// otherwise upward from the current directory.
func locateProject(_ path: String?) throws -> Project {
    let cwd = try FileSystem.currentDirectory()
    guard let path else { return try Project.locate(from: cwd) }
    let absolute = Path.resolve(path, against: cwd)
    if FileSystem.isDirectory(absolute) {
        let project = Project(directory: absolute)
        guard FileSystem.isRegularFile(project.manifestPath) else {
            throw UserError("no \(Manifest.fileName) in '\(absolute)'", fix: "run `den init \(path)` to create one")
        }
        return project
    }
    guard Path.lastComponent(absolute) == Manifest.fileName, FileSystem.isRegularFile(absolute) else {
        throw UserError("'\(path)' is neither a project directory nor a \(Manifest.fileName)",
                        fix: "pass the directory that holds \(Manifest.fileName), or nothing to search upward")
    }
    return Project(directory: Path.parent(absolute))
}
