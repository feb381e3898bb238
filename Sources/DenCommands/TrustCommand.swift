import ArgumentParser
import DenCore
#if canImport(Glibc)
import Glibc
#endif

struct TrustCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trust",
        abstract: "Allow this project's den.toml what it asks for beyond the project directory.",
        discussion: """
            A den.toml that mounts host directories outside its project or gets your SSH agent runs only \
            once you have trusted it: `den trust` shows exactly what it grants and records it for this \
            project. When those entries change, den asks again; changes to packages, vars or the base never \
            need trust (they only reach the env). Without a terminal, an untrusted den.toml fails.
            """
    )

    @Flag(help: "Only show what den.toml asks for and whether it is trusted (exit 1 when something is not).")
    var show = false

    @Flag(help: "Forget this project's trust.")
    var revoke = false

    func run() throws {
        let context = try ProjectContext.load()
        let trust = Trust(store: context.store)
        if revoke {
            let removed = try trust.revoke(for: context.project)
            print(removed ? "no longer trusted: \(context.project.directory)" : "\(context.project.directory) was not trusted")
            return
        }
        let grants = Trust.grants(of: context.manifest, project: context.project)
        guard !grants.isEmpty else {
            print("\(context.project.manifestPath) asks for nothing beyond the project: no trust needed")
            return
        }
        let granted = trust.granted(for: context.project)
        print("\(context.project.manifestPath) asks for:")
        for grant in grants { print("  - \(grant.line)\(granted.contains(grant) ? "" : "  (not trusted)")") }
        if show {
            if !grants.allSatisfy(granted.contains) { throw ExitCode(1) }
            return
        }
        try trust.record(context.manifest, project: context.project)
        print("trusted: den shell and den run may use these")
    }
}

/// Stops an untrusted manifest before it reaches anything on the host: on a terminal, den
/// shows what it asks for and asks; otherwise it fails with the fix.
func ensureTrusted(_ context: ProjectBuild) throws {
    let trust = Trust(store: context.store)
    let missing = trust.missing(for: context.manifest, project: context.project, hostEnvironment: context.hostEnvironment)
    guard !missing.isEmpty else { return }
    let lines = missing.map { "  - \($0.line)" }
    guard isatty(STDIN_FILENO) == 1, isatty(STDERR_FILENO) == 1 else {
        throw UserError(
            "\(context.project.manifestPath) asks for access beyond the project that you have not trusted",
            why: "it asks for:\n" + lines.joined(separator: "\n"),
            fix: "read den.toml, then run `den trust` in \(context.project.directory) (or remove those entries; `ssh-agent = false` keeps the agent out)")
    }
    StandardError.write("\(context.project.manifestPath) asks for access beyond the project:")
    for line in lines { StandardError.write(line) }
    _ = "trust this project and continue? [y/N] ".withCString { Glibc.write(STDERR_FILENO, $0, strlen($0)) }
    var answer: [UInt8] = []
    var byte: UInt8 = 0
    while read(STDIN_FILENO, &byte, 1) == 1, byte != UInt8(ascii: "\n") { answer.append(byte) }
    let reply = String(decoding: answer, as: UTF8.self).trimmingSpaces().lowercased()
    guard reply == "y" || reply == "yes" else {
        throw UserError("not trusted: nothing was run", fix: "run `den trust` when you have read den.toml")
    }
    try trust.record(context.manifest, project: context.project)
}
