import CDenShim
import DenSandbox
#if canImport(Glibc)
import Glibc
#endif

/// `den doctor`: what den needs from the system, checked one by one, each failure with the
/// exact fix. The checks that matter most actually enter a throwaway env.
public struct Diagnosis: Sendable {
    public enum Status: Sendable, Equatable {
        case ok
        /// den works, with less (e.g. the single-id fallback, no resource limits).
        case warning
        case failed
    }

    public struct Check: Sendable, Equatable {
        public var name: String
        public var status: Status
        public var detail: String
        public var fix: String?
        /// The sandbox's own error when a probe failed (the command renders it).
        public var cause: SandboxError?

        init(name: String, status: Status, detail: String, fix: String? = nil, cause: SandboxError? = nil) {
            self.name = name
            self.status = status
            self.detail = detail
            self.fix = fix
            self.cause = cause
        }
    }

    public var checks: [Check]

    public var hasFailures: Bool { checks.contains { $0.status == .failed } }

    /// Runs every check for `user`; the probe envs live briefly in the store's data directory.
    /// Call from the main thread (the probes enter an env).
    public static func run(user: HostUser, store: Store, environment: [String: String] = [:]) -> Diagnosis {
        var checks: [Check] = []
        checks += userNamespaceSettings()
        let idMapping = IDMapping.detect(for: user)
        checks.append(subordinateIDs(user: user, idMapping: idMapping))
        checks.append(mapHelpers())
        checks.append(probe(user: user, store: store, idMapping: .single, name: "entering an env (single id)"))
        if case .subordinate = idMapping {
            checks.append(probe(user: user, store: store, idMapping: idMapping, name: "entering an env (full id map)"))
        }
        checks.append(cgroupDelegation(user: user))
        checks += debianBuilder(environment: environment)
        return Diagnosis(checks: checks)
    }

    /// What building `debian:` bases needs from the host: a mirror, gpgv and the keyring.
    static func debianBuilder(environment: [String: String]) -> [Check] {
        var checks: [Check] = []
        do {
            let mirror = try MirrorSelection.resolve(manifestMirror: nil, environment: environment)
            checks.append(Check(name: "Debian mirror", status: .ok, detail: "\(mirror.url) (\(mirror.origin))"))
        } catch {
            checks.append(Check(name: "Debian mirror", status: .warning, detail: error.description,
                                fix: "set DEN_MIRROR, or `mirror` in den.toml, to a Debian mirror's URL"))
        }
        let gpgv = ["/usr/bin/gpgv", "/bin/gpgv"].first(where: FileSystem.isRegularFile)
        checks.append(gpgv.map { Check(name: "gpgv", status: .ok, detail: $0) } ?? Check(
            name: "gpgv", status: .failed, detail: "not installed: den cannot verify the archive's signature",
            fix: "`sudo apt-get install gpgv`"))
        let keyring = DebianArchive.defaultKeyring
        checks.append(FileSystem.isRegularFile(keyring) ? Check(name: "Debian archive keyring", status: .ok, detail: keyring) : Check(
            name: "Debian archive keyring", status: .warning, detail: "\(keyring) is missing",
            fix: "`sudo apt-get install debian-archive-keyring`, or point `keyring` in den.toml at the archive's key"))
        return checks
    }

    // MARK: - Checks

    static func userNamespaceSettings() -> [Check] {
        var checks: [Check] = []
        // Debian's and older Ubuntu's switch (absent on kernels without the patch).
        if let clone = sysctl("kernel/unprivileged_userns_clone"), clone != "1" {
            checks.append(Check(name: "user namespaces", status: .failed, detail: "kernel.unprivileged_userns_clone = \(clone)",
                                fix: "`sudo sysctl -w kernel.unprivileged_userns_clone=1` (persist it in /etc/sysctl.d/)"))
        }
        if let restrict = sysctl("kernel/apparmor_restrict_unprivileged_userns"), restrict != "0" {
            checks.append(Check(
                name: "user namespaces", status: .failed,
                detail: "kernel.apparmor_restrict_unprivileged_userns = \(restrict): AppArmor denies unprivileged user namespaces",
                fix: "`sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0`, or give den an AppArmor profile with `userns,`"))
        }
        let maximum = sysctl("user/max_user_namespaces") ?? "unknown"
        if maximum == "0" {
            checks.append(Check(name: "user namespaces", status: .failed, detail: "user.max_user_namespaces = 0",
                                fix: "`sudo sysctl -w user.max_user_namespaces=15000`"))
        }
        if checks.isEmpty {
            checks.append(Check(name: "user namespaces", status: .ok, detail: "allowed (user.max_user_namespaces = \(maximum))"))
        }
        return checks
    }

    static func subordinateIDs(user: HostUser, idMapping: IDMapping) -> Check {
        let fix = "`sudo usermod --add-subuids 100000-165535 --add-subgids 100000-165535 \(user.name)`"
        guard case .subordinate(let uids, let gids) = idMapping else {
            return Check(
                name: "subordinate ids", status: .warning,
                detail: "no 65536-id ranges for '\(user.name)' in /etc/subuid and /etc/subgid (or no newuidmap): only your own id is mapped",
                fix: fix)
        }
        func describe(_ entries: [IDMapEntry]) -> String {
            let borrowed = entries.filter { $0.inside != $0.outside || $0.count != 1 }
            return borrowed.map { "\($0.count) from \($0.outside)" }.joined(separator: " + ")
        }
        return Check(name: "subordinate ids", status: .ok, detail: "uids \(describe(uids)); gids \(describe(gids))")
    }

    static func mapHelpers() -> Check {
        let helpers = IDMapHelpers.standard
        var problems: [String] = []
        for tool in [helpers.newuidmap, helpers.newgidmap] {
            var info = stat()
            guard stat(tool, &info) == 0 else {
                problems.append("\(tool) is missing")
                continue
            }
            // setuid root, or file capabilities (Fedora installs them with cap_setuid).
            let isSetuidRoot = info.st_uid == 0 && (info.st_mode & S_ISUID) != 0
            let hasCapabilities = den_has_file_capabilities(tool) == 1
            if !isSetuidRoot && !hasCapabilities { problems.append("\(tool) is neither setuid root nor given capabilities") }
        }
        guard problems.isEmpty else {
            return Check(name: "newuidmap, newgidmap", status: .warning, detail: problems.joined(separator: "; "),
                         fix: "`sudo apt-get install uidmap` (or `sudo chmod u+s /usr/bin/newuidmap /usr/bin/newgidmap`)")
        }
        return Check(name: "newuidmap, newgidmap", status: .ok, detail: "installed and privileged")
    }

    /// Enters a throwaway env over an empty base with the host's /usr and /lib bound in, and
    /// runs `true`: user namespace, id maps, overlayfs, the system mounts, binds, pivot_root
    /// and exec, all as `den shell` does them.
    static func probe(user: HostUser, store: Store, idMapping: IDMapping, name: String) -> Check {
        let directory = "\(store.dataDirectory)/doctor-\(getpid())-\(idMapping.kind)"
        do {
            for path in ["\(directory)/lower", "\(directory)/upper", "\(directory)/work", "\(directory)/root"] {
                try Store.makeDirectory(path)
            }
        } catch {
            return Check(name: name, status: .failed, detail: error.description, fix: "check the permissions of '\(store.dataDirectory)'")
        }
        let identity = idMapping.identity(for: user)
        // The probe's writable layer holds directories made by the env's root: remove it
        // from inside the user namespace too.
        defer { try? Sandbox.removeTree(directory, identity: identity) }
        let spec = SandboxSpec(
            identity: identity, session: .create(socketDirectory: directory, socketName: "probe.sock"),
            overlay: SandboxSpec.Overlay(lowerDirectories: ["\(directory)/lower"], upperDirectory: "\(directory)/upper",
                                         workDirectory: "\(directory)/work", mountpoint: "\(directory)/root"),
            hostname: "den-doctor", isolatesNetwork: false,
            binds: ["/usr", "/bin", "/lib", "/lib64"].map { SandboxSpec.Bind(source: $0, target: $0, isReadOnly: true, isOptional: true) },
            directories: [], files: [],
            uid: user.uid, gid: user.gid, workingDirectory: "/", fallbackWorkingDirectory: "/",
            command: ["true"], environment: ["PATH=/usr/bin:/bin"])
        var start = timespec(), end = timespec()
        clock_gettime(CLOCK_MONOTONIC, &start)
        do {
            let outcome = try Sandbox.run(spec, output: .discard)
            clock_gettime(CLOCK_MONOTONIC, &end)
            let milliseconds = Double(end.tv_sec - start.tv_sec) * 1000 + Double(end.tv_nsec - start.tv_nsec) / 1e6
            guard outcome == .finished(.exited(0)) else {
                return Check(name: name, status: .failed, detail: "the probe ended with \(outcome)", fix: "report this as a bug in den")
            }
            return Check(name: name, status: .ok, detail: "works (\(Int(milliseconds.rounded())) ms)")
        } catch {
            return Check(name: name, status: .failed, detail: error.detail, cause: error)
        }
    }

    /// The same search `den shell` makes for an env's cgroup (see `Cgroups`).
    static func cgroupDelegation(user: HostUser) -> Check {
        let (found, reason) = Cgroups.delegatedRoot(user: user)
        guard let root = found else {
            return Check(name: "resource limits", status: .warning, detail: "\(reason): [limits] cannot be applied",
                         fix: Cgroups.unifiedMount() == nil ? "boot with systemd.unified_cgroup_hierarchy=1"
                             : "log in through systemd (user@.service delegates a subtree), or run den under `systemd-run --user --scope`")
        }
        let controllers = ((try? FileSystem.readText("\(root)/cgroup.controllers")) ?? nil)?
            .split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init) ?? []
        let missing = ["memory", "pids", "cpu"].filter { !controllers.contains($0) }
        guard missing.isEmpty else {
            return Check(name: "resource limits", status: .warning,
                         detail: "envs get their own cgroup in '\(root)', but controllers \(missing.joined(separator: ", ")) are not delegated there",
                         fix: "delegate them: `systemctl edit user@.service` with `Delegate=cpu memory pids`")
        }
        return Check(name: "resource limits", status: .ok, detail: "'\(root)' is delegated to you (memory, pids, cpu)")
    }

    static func sysctl(_ name: String) -> String? {
        ((try? FileSystem.readText("/proc/sys/\(name)")) ?? nil)?.split(separator: "\n").first.map(String.init)
    }
}
