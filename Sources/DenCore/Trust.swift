import DenTOML
#if canImport(Glibc)
import Glibc
#endif

/// What a manifest asks for beyond its own project directory, and whether the user agreed to
/// it. A cloned den.toml is someone else's code: its packages only ever reach the env, but a
/// mount of a host directory or the SSH agent reach the user's machine and accounts. Such
/// grants are used only after `den trust` (or a yes at the prompt) recorded them for this
/// project; a manifest that later asks for something new asks again. What stays inside the env
/// (packages, vars, the base, limits) never needs trust.
public struct Trust: Sendable {
    /// One thing a manifest asks for, as the user is shown it; the line is also what is recorded.
    public struct Grant: Sendable, Hashable, Comparable {
        public var line: String

        public static func < (lhs: Grant, rhs: Grant) -> Bool { lhs.line < rhs.line }
    }

    public var store: Store

    public init(store: Store) {
        self.store = store
    }

    /// Everything `manifest` asks for that reaches outside `project`, whether or not this
    /// machine has it now (a trusted agent grant stays valid when an agent appears later).
    public static func grants(of manifest: Manifest, project: Project) -> [Grant] {
        var grants: [Grant] = []
        for mount in manifest.mounts where !isInside(mount.source, directory: project.directory) {
            let mode = mount.isReadOnly ? "read-only" : "read-write"
            grants.append(Grant(line: "mount \(mount.source) at \(mount.target) (\(mode))"))
        }
        if manifest.forwardsSSHAgent { grants.append(agentGrant) }
        if let cache = manifest.cache { grants.append(cacheGrant(cache.description)) }
        return grants.sorted()
    }

    /// Envs pulled from a cache are not built from den.lock here: whoever can push there decides
    /// what the env holds. Asked for by `den trust`; without it a build builds (never prompts).
    public static func cacheGrant(_ repository: String) -> Grant {
        Grant(line: "envs built by others, pulled from \(repository) instead of building den.lock")
    }

    static let agentGrant = Grant(line: "your SSH agent (SSH_AUTH_SOCK), to use your keys")

    /// The grants that matter for entering now: an agent grant only when there is an agent.
    public static func required(by manifest: Manifest, project: Project, hostEnvironment: [String: String]) -> [Grant] {
        let hasAgent = agentSocket(manifest: manifest, hostEnvironment: hostEnvironment) != nil
        let cache = manifest.cache.map { cacheGrant($0.description) }
        return grants(of: manifest, project: project).filter { (hasAgent || $0 != agentGrant) && $0 != cache }
    }

    /// The host's agent socket, when the manifest asks for it and there is one.
    static func agentSocket(manifest: Manifest, hostEnvironment: [String: String]) -> String? {
        guard manifest.forwardsSSHAgent, let agent = hostEnvironment["SSH_AUTH_SOCK"], agent.hasPrefix("/"),
              FileSystem.exists(agent) else { return nil }
        return agent
    }

    /// A mount source inside the project (after symlinks) reaches nothing the env does not
    /// already have; one whose real path leaves the project does.
    static func isInside(_ path: String, directory: String) -> Bool {
        let real = realPath(path) ?? Path.normalize(path)
        let root = realPath(directory) ?? Path.normalize(directory)
        return real == root || real.hasPrefix(root.hasSuffix("/") ? root : "\(root)/")
    }

    private static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// `<data>/trust/<hash of the project's path>.toml`.
    func recordPath(for project: Project) -> String {
        "\(store.dataDirectory)/trust/\(StableHash.hex(project.directory)).toml"
    }

    /// What the user agreed to for this project, empty when nothing.
    public func granted(for project: Project) -> Set<Grant> {
        let path = recordPath(for: project)
        guard let text = (try? FileSystem.readText(path)) ?? nil, let table = try? TOML.parse(text),
              case .string(project.directory)? = table["project"]?.node.value,
              case .array(let nodes)? = table["granted"]?.node.value
        else { return [] }
        return Set(nodes.compactMap { if case .string(let line) = $0.value { Grant(line: line) } else { nil } })
    }

    /// The required grants the user has not agreed to (empty: the manifest may run).
    public func missing(for manifest: Manifest, project: Project, hostEnvironment: [String: String]) -> [Grant] {
        let required = Self.required(by: manifest, project: project, hostEnvironment: hostEnvironment)
        // Most manifests ask for nothing: entering then reads no trust record.
        guard !required.isEmpty else { return [] }
        let granted = granted(for: project)
        return required.filter { !granted.contains($0) }
    }

    /// Records that the user trusts every grant of `manifest` for this project.
    public func record(_ manifest: Manifest, project: Project) throws {
        var table = TOMLTable()
        table.set("project", .string(project.directory))
        table.set("granted", .array(Self.grants(of: manifest, project: project).map { TOMLNode(.string($0.line)) }))
        table.set("recorded", .integer(Int64(time(nil))))
        try Store.makeDirectory("\(store.dataDirectory)/trust")
        try FileSystem.writeAtomically(recordPath(for: project), contents: Array(TOML.render(table).utf8), mode: 0o600)
    }

    /// Forgets the project's trust; false when there was none.
    @discardableResult
    public func revoke(for project: Project) throws -> Bool {
        let path = recordPath(for: project)
        guard unlink(path) == 0 else {
            if errno == ENOENT { return false }
            throw SystemError("remove", path: path, errno: errno)
        }
        return true
    }
}
