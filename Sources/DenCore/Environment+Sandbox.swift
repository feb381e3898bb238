import DenSandbox

extension Environment {
    /// Variables that describe the user's terminal and locale: they pass into the env as they are.
    static let passedVariables: Set<String> = ["TERM", "COLORTERM", "LANG", "LANGUAGE", "TZ", "NO_COLOR"]
    static let defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
    /// Where the SSH agent socket appears inside (on den's own tmpfs).
    static let agentSocket = "/run/den/ssh-agent.sock"

    /// Everything the sandbox needs to run `invocation` in this env as `user`.
    public func sandboxSpec(
        for invocation: Invocation, user: HostUser, hostEnvironment: [String: String], session: SandboxSpec.Session
    ) throws(EnvironmentError) -> SandboxSpec {
        // The ids the command runs as.
        let (uid, gid): (UInt32, UInt32) = invocation.asRoot ? (0, 0) : (user.uid, user.gid)
        let identity = idMapping.identity(for: user)
        // The owner of the system files den writes (root, or the one id a single map has).
        let systemOwner: (uid: UInt32, gid: UInt32) = if case .subordinate = idMapping { (0, 0) } else { (user.uid, user.gid) }
        let home = invocation.asRoot ? "/root" : "/home/\(user.name)"
        let shell = manifest.shell ?? (containsInRoot("/bin/bash") ? "/bin/bash" : "/bin/sh")

        var binds = [SandboxSpec.Bind(source: project.directory, target: project.directory, isReadOnly: false)]
        for mount in manifest.mounts {
            guard FileSystem.exists(mount.source) else { throw .mountSourceMissing(source: mount.source, target: mount.target) }
            binds.append(SandboxSpec.Bind(source: mount.source, target: mount.target, isReadOnly: mount.isReadOnly))
        }
        var variables: [(String, String)] = []
        if let agent = Trust.agentSocket(manifest: manifest, hostEnvironment: hostEnvironment) {
            binds.append(SandboxSpec.Bind(source: agent, target: Self.agentSocket, isReadOnly: false, isOptional: true))
            variables.append(("SSH_AUTH_SOCK", Self.agentSocket))
        }

        var directories: [SandboxSpec.Directory] = []
        if !invocation.asRoot {
            directories.append(SandboxSpec.Directory(path: home, mode: 0o755, uid: uid, gid: gid))
        }
        var files = accountFiles(user: user, home: "/home/\(user.name)", shell: shell, owner: systemOwner)

        for (key, value) in hostEnvironment.sorted(by: { $0.key < $1.key })
        where Self.passedVariables.contains(key) || key.hasPrefix("LC_") {
            variables.append((key, value))
        }
        if hostEnvironment["LANG"] == nil { variables.append(("LANG", "C.UTF-8")) }
        let userName = invocation.asRoot ? "root" : user.name
        variables += [
            ("HOME", home), ("USER", userName), ("LOGNAME", userName), ("SHELL", shell), ("PATH", Self.defaultPath),
            ("DEN_ENV", manifest.name), ("DEN_PROJECT", project.directory),
        ]

        variables += imageVariables.map { ($0.name, $0.value) }

        let command: [String]
        if let requested = invocation.command {
            command = requested
        } else {
            let setup = ShellSetup(shell: shell, envName: manifest.name)
            command = setup.arguments
            variables += setup.variables
            files += setup.files.map { SandboxSpec.File(path: $0.path, mode: 0o644, uid: systemOwner.uid, gid: systemOwner.gid, contents: $0.contents) }
        }
        variables += manifest.variables.map { ($0.name, $0.value) }

        // Later definitions win, as in a shell; keep the first position for readability.
        var environment: [String] = []
        var positions: [String: Int] = [:]
        for (key, value) in variables {
            if let index = positions[key] {
                environment[index] = "\(key)=\(value)"
            } else {
                positions[key] = environment.count
                environment.append("\(key)=\(value)")
            }
        }

        var spec = SandboxSpec(
            identity: identity, session: session,
            overlay: SandboxSpec.Overlay(
                lowerDirectories: layers, upperDirectory: upperDirectory, workDirectory: workDirectory, mountpoint: mountpoint),
            hostname: manifest.name, isolatesNetwork: manifest.network == .none, binds: binds, directories: directories,
            files: files, uid: uid, gid: gid, workingDirectory: invocation.workingDirectory, fallbackWorkingDirectory: home,
            command: command, environment: environment, terminal: invocation.terminal)
        spec.cgroup = cgroup
        return spec
    }

    /// Starts giving a new env of `project` its full id map while den reads the manifest and
    /// prepares the rest (see `Sandbox.prepareUserNamespace`). Skipped when the env looks
    /// running (an init answers on a session socket named for the project directory):
    /// joining needs no new user namespace. A wrong guess costs nothing but the time it
    /// would have saved.
    public static func prepareUserNamespace(
        project: Project, user: HostUser, idMapping mapping: IDMapping, hostEnvironment: [String: String]
    ) {
        guard case .subordinate = mapping else { return }
        let socketSuffix = "-\(StableHash.hex(project.directory)).sock"
        let runtimeDirectory = Store.standard(for: user, environment: hostEnvironment).runtimeDirectory
        let sockets = (try? FileSystem.directoryEntries(runtimeDirectory))?.filter { $0.hasSuffix(socketSuffix) } ?? []
        for socket in sockets {
            // An ended env's socket stays, unanswered: refused at once.
            let id = String(socket.dropLast(".sock".count))
            if (try? RuntimeSession(directory: runtimeDirectory, environmentID: id, request: .probe)) != nil { return }
        }
        Sandbox.prepareUserNamespace(mapping.identity(for: user))
    }

    /// Runs `invocation` in the env and waits for it: joins the env when it is running (same
    /// processes, /tmp and mounts), else starts it. Main thread only.
    public func enter(_ invocation: Invocation, user: HostUser, hostEnvironment: [String: String]) throws -> SandboxOutcome {
        do {
            return try enterOnce(invocation, user: user, hostEnvironment: hostEnvironment)
        } catch let error as SandboxError where error.stage == .join {
            // The env ended between our connecting to it and entering it (its last session
            // left): now it is gone, start it afresh.
            return try enterOnce(invocation, user: user, hostEnvironment: hostEnvironment)
        }
    }

    private func enterOnce(_ invocation: Invocation, user: HostUser, hostEnvironment: [String: String]) throws -> SandboxOutcome {
        do {
            try Store.makeDirectory(runtimeDirectory)
        } catch {
            throw EnvironmentError.store(error)
        }
        // A running env is joined straight away.
        if let running = try connect() {
            return try join(running, invocation, user: user, hostEnvironment: hostEnvironment)
        }
        // Otherwise one den at a time decides to start it: two first sessions racing would
        // both mount its writable layer. The winner may have started it meanwhile.
        let lock: FileLock
        do {
            lock = try FileLock(path: Environment.startLock(in: runtimeDirectory, id: id))
        } catch {
            throw EnvironmentError.store(error)
        }
        if let running = try connect() {
            lock.release()
            return try join(running, invocation, user: user, hostEnvironment: hostEnvironment)
        }
        let spec = try sandboxSpec(for: invocation, user: user, hostEnvironment: hostEnvironment,
                                   session: .create(socketDirectory: runtimeDirectory, socketName: RuntimeSession.socketName(environmentID: id)))
        return try Sandbox.run(spec, onRunning: { lock.release() })
    }

    /// Whether the env goes on for other sessions (an env whose last session left is ending).
    public var hasOtherSessions: Bool {
        guard let session = try? RuntimeSession(directory: runtimeDirectory, environmentID: id, request: .query),
              let answer = session.readToEnd(timeoutMilliseconds: 200),
              let sessions = Int(answer.split(separator: "\n").first ?? "")
        else { return false }
        return sessions > 0
    }

    /// A session on the running env, or nil when it is not running.
    private func connect() throws -> RuntimeSession? {
        do {
            return try RuntimeSession(directory: runtimeDirectory, environmentID: id, request: .join)
        } catch {
            throw EnvironmentError.store(SystemError("connect", path: error.path, errno: error.errno))
        }
    }

    private func join(
        _ session: consuming RuntimeSession, _ invocation: Invocation, user: HostUser, hostEnvironment: [String: String]
    ) throws -> SandboxOutcome {
        let spec = try sandboxSpec(for: invocation, user: user, hostEnvironment: hostEnvironment,
                                   session: .join(initPID: session.initPID))
        // The connection is the session: it stays open until the command is done.
        return try withExtendedLifetime(session) { try Sandbox.run(spec) }
    }

    /// True when the merged tree (writable layer over the layers) has `path`.
    func containsInRoot(_ path: String) -> Bool {
        ([upperDirectory] + layers).contains { RootFilesystem.contains(path, in: $0) }
    }

    /// The current text of a file of the merged tree, read from the topmost layer that has it.
    func readFromRoot(_ path: String) -> String? {
        for layer in [upperDirectory] + layers where RootFilesystem.contains(path, in: layer) {
            return RootFilesystem.read(path, in: layer).flatMap { String(validating: $0, as: UTF8.self) }
        }
        return nil
    }

    /// /etc/passwd and /etc/group with the user in them, when they are not already: written
    /// into the writable layer, so tools inside (`id`, `ls -l`, prompts) know the user by name.
    private func accountFiles(user: HostUser, home: String, shell: String, owner: (uid: UInt32, gid: UInt32)) -> [SandboxSpec.File] {
        var files: [SandboxSpec.File] = []
        let passwd = readFromRoot("/etc/passwd") ?? ""
        if !AccountDatabase.contains(passwd, name: user.name, id: user.uid) {
            let text = AccountDatabase.passwd(passwd, name: user.name, uid: user.uid, gid: user.gid, home: home, shell: shell)
            files.append(SandboxSpec.File(path: "/etc/passwd", mode: 0o644, uid: owner.uid, gid: owner.gid, contents: text))
        }
        let group = readFromRoot("/etc/group") ?? ""
        if !AccountDatabase.contains(group, name: user.name, id: user.gid) {
            let text = AccountDatabase.group(group, name: user.name, gid: user.gid)
            files.append(SandboxSpec.File(path: "/etc/group", mode: 0o644, uid: owner.uid, gid: owner.gid, contents: text))
        }
        return files
    }
}

/// Starts the user's shell with `(den:NAME)` in front of their prompt, without touching
/// their rc files: den's own startup file sources theirs, then prefixes the prompt.
struct ShellSetup {
    var arguments: [String]
    var variables: [(String, String)] = []
    var files: [(path: String, contents: String)] = []

    init(shell: String, envName: String) {
        let tag = "(den:\(envName))"
        switch Path.lastComponent(shell) {
        case "bash":
            arguments = [shell, "--rcfile", "/run/den/bashrc", "-i"]
            files = [("/run/den/bashrc", """
                # den: your usual bash startup files, then the env's name in the prompt.
                if [ -f /etc/bash.bashrc ]; then . /etc/bash.bashrc; fi
                if [ -f "$HOME/.bashrc" ]; then . "$HOME/.bashrc"; fi
                PS1="\(tag) ${PS1:-\\u@\\h:\\w\\$ }"

                """)]
        case "zsh":
            arguments = [shell, "-i"]
            variables = [("ZDOTDIR", "/run/den/zsh")]
            files = [("/run/den/zsh/.zshrc", """
                # den: your usual zsh startup files, then the env's name in the prompt.
                ZDOTDIR="$HOME"
                if [ -f "$HOME/.zshrc" ]; then . "$HOME/.zshrc"; fi
                PROMPT="\(tag) ${PROMPT:-%n@%m %~ %# }"

                """)]
        default:
            // POSIX shells read $ENV when interactive; dash shows PS1 literally, so no escapes.
            arguments = [shell, "-i"]
            variables = [("ENV", "/run/den/shrc")]
            files = [("/run/den/shrc", """
                # den: the env's name in the prompt.
                if [ "$(id -u)" = 0 ]; then PS1="\(tag) # "; else PS1="\(tag) $ "; fi

                """)]
        }
    }
}
