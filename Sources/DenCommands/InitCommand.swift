import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif
import DenCore

struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create den.toml from a template.",
        discussion: "Refuses to replace an existing den.toml unless --force is given. `den init --list` shows the templates."
    )

    @Option(name: [.short, .long], help: "The template to start from.")
    var template = "minimal"

    @Option(help: ArgumentHelp("The base to use instead of the template's.", valueName: "reference"))
    var base: String?

    @Option(help: "The env's name (default: the directory's name).")
    var name: String?

    @Flag(help: "Replace an existing den.toml.")
    var force = false

    @Flag(help: "List the templates and exit.")
    var list = false

    @Argument(help: "The project directory (default: the current directory).")
    var directory: String?

    func run() throws {
        if list {
            let width = Template.all.map(\.name.count).max() ?? 0
            for template in Template.all {
                print("\(template.name)\(String(repeating: " ", count: width - template.name.count))  \(template.summary)")
            }
            return
        }
        guard let template = Template.named(template) else {
            throw UserError("no template named '\(self.template)'",
                            fix: "choose one of \(Template.all.map(\.name).joined(separator: ", ")) (`den init --list`)",
                            exitCode: ExitCode.validationFailure.rawValue)
        }
        let cwd = try FileSystem.currentDirectory()
        let projectDirectory = Path.resolve(directory ?? ".", against: cwd)
        guard FileSystem.isDirectory(projectDirectory) else {
            throw UserError("'\(projectDirectory)' is not a directory", fix: "create it first: `mkdir -p \(projectDirectory)`")
        }
        let envName = name ?? Manifest.defaultName(forDirectory: projectDirectory)
        if let name, !Manifest.isValidName(name) {
            throw UserError("'\(name)' is not a valid env name",
                            fix: "use lowercase letters, digits, '.', '_' and '-', starting with a letter or digit (at most 63)",
                            exitCode: ExitCode.validationFailure.rawValue)
        }
        if let base {
            do {
                _ = try BaseReference(parsing: base)
            } catch {
                throw UserError("invalid base '\(base)'", why: error.description,
                                fix: #"use debian:SUITE (e.g. debian:bookworm), an image such as node:22-bookworm, or dir:/path/to/rootfs"#,
                                exitCode: ExitCode.validationFailure.rawValue)
            }
        }

        let project = Project(directory: projectDirectory)
        let text: String
        do {
            text = try template.rendered(name: envName, base: base)
            // The result must pass `den check`; a template that does not is den's bug, caught here.
            _ = try Manifest.parse(text, file: project.manifestPath, projectDirectory: projectDirectory, homeDirectory: "/")
        } catch {
            throw UserError("template '\(template.name)' did not produce a valid manifest", why: "\(error)",
                            fix: "report this as a bug in den")
        }
        do {
            try FileSystem.writeAtomically(project.manifestPath, contents: Array(text.utf8), replacing: force)
        } catch {
            guard error.errno == EEXIST else { throw error }
            throw UserError("'\(project.manifestPath)' already exists", fix: "run `den init --force` to replace it, or edit it")
        }
        // The user wrote this manifest (through den): what it grants needs no second question.
        let user = HostUser.current()
        let written = try project.loadManifest(homeDirectory: user.homeDirectory)
        try Trust(store: Store.standard(for: user, environment: ProcessEnvironment.current())).record(written, project: project)
        print("created \(project.manifestPath) from template '\(template.name)'")
        StandardError.write("next: edit it, then run `den check`")
    }
}
