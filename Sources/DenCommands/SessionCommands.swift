import ArgumentParser
import DenCore

struct PsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ps",
        abstract: "List running envs.",
        discussion: "An env runs while at least one `den shell` or `den run` uses it."
    )

    func run() throws {
        let user = HostUser.current()
        let store = Store.standard(for: user, environment: ProcessEnvironment.current())
        let running = RunningEnvironment.list(store: store)
        guard !running.isEmpty else { return }
        let rows = [["NAME", "PROJECT", "PID", "SESSIONS", "UPTIME"]] + running.map {
            [$0.name, $0.project, String($0.pid), String($0.sessions), Self.duration($0.uptimeSeconds)]
        }
        let widths = (0..<5).map { column in rows.map { $0[column].count }.max() ?? 0 }
        for row in rows {
            let cells = row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[index] - cell.count)
            }
            print(cells.joined(separator: "  "))
        }
    }

    static func duration(_ seconds: Int) -> String {
        switch seconds {
        case ..<60: "\(seconds)s"
        case ..<3600: "\(seconds / 60)m\(seconds % 60)s"
        default: "\(seconds / 3600)h\(seconds % 3600 / 60)m"
        }
    }
}

struct StopCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stop",
        abstract: "Stop a running env and every process in it.",
        discussion: "Sends SIGTERM to the env's processes and SIGKILL to what is left after the grace period."
    )

    @Argument(help: "The env's name as `den ps` shows it (default: the current project's env).")
    var name: String?

    @Option(help: "Seconds to wait after SIGTERM before SIGKILL.")
    var timeout: UInt8 = 10

    func run() throws {
        let user = HostUser.current()
        let store = Store.standard(for: user, environment: ProcessEnvironment.current())
        let id: String
        let label: String
        if let name {
            let matches = RunningEnvironment.list(store: store).filter { $0.name == name || $0.id == name }
            guard matches.count <= 1 else {
                throw UserError("more than one running env is called '\(name)'",
                                fix: "name it by id: \(matches.map(\.id).joined(separator: ", "))")
            }
            guard let match = matches.first else {
                throw UserError("no running env is called '\(name)'", fix: "`den ps` lists the running envs")
            }
            (id, label) = (match.id, match.name)
        } else {
            let project = try locateProject(nil)
            let manifest = try project.loadManifest(homeDirectory: user.homeDirectory)
            (id, label) = (Environment.id(name: manifest.name, projectDirectory: project.directory), manifest.name)
        }
        guard try RunningEnvironment.stop(id: id, store: store, grace: timeout) else {
            throw UserError("env '\(label)' is not running", fix: "`den ps` lists the running envs")
        }
        print("stopped \(label)")
    }
}
