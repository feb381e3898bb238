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
