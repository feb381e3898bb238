import DenCore
#if canImport(Glibc)
import Glibc
#endif

extension EnvironmentError: UserErrorConvertible {
    var userError: UserError {
        switch self {
        case .baseNotSupported(let base):
            return UserError("there is nothing to lock for base '\(base)'", why: "a dir: base is used as it is",
                             fix: "use a Debian base (base = \"debian:bookworm\") or an image to get a lock")
        case .baseDirectoryMissing(let path):
            return UserError("the base directory '\(path)' does not exist", fix: "create the root filesystem there, or change `base` in den.toml")
        case .idMappingChanged(let recorded, let current, let directory):
            return UserError(
                "this env was made with a \(recorded) id mapping, but only a \(current) mapping is available now",
                why: "its files would show up with the wrong owners",
                fix: "restore your ranges in /etc/subuid and /etc/subgid (see `den doctor`), or remove '\(directory)' to start the env afresh")
        case .mountSourceMissing(let source, let target):
            return UserError("the mount source '\(source)' (for '\(target)') does not exist",
                             fix: "create it, or remove that [[mount]] from den.toml")
        case .store(let error):
            return UserError("cannot prepare the env in den's store", why: error.description,
                             fix: "check the permissions and free space of the store directory")
        case .metadata(let path, let reason):
            return UserError("the env's metadata '\(path)' is damaged", why: reason, fix: "remove '\(path)' and try again")
        }
    }
}

extension SandboxError: UserErrorConvertible {
    var userError: UserError {
        let reason = DenCore.SystemError("", errno: errno).reason
        switch stage {
        case .userNamespace:
            let fix = switch errno {
            case ENOSPC: "raise the limit: `sudo sysctl -w user.max_user_namespaces=15000`"
            default: "allow unprivileged user namespaces: `sudo sysctl -w kernel.unprivileged_userns_clone=1` (Debian) or `sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0` (Ubuntu); `den doctor` checks which applies"
            }
            return UserError("cannot create a user namespace", why: "the kernel refused unshare(CLONE_NEWUSER): \(reason)", fix: fix)
        case .idMaps:
            return UserError(
                "cannot map your subordinate uids and gids", why: detail,
                fix: "check your ranges in /etc/subuid and /etc/subgid and that newuidmap/newgidmap are setuid root (`den doctor`)")
        case .rootFilesystem:
            return UserError(
                "cannot mount the env's root filesystem", why: "overlayfs at '\(detail)': \(reason)",
                fix: "den needs overlayfs in user namespaces (Linux 5.11 or later); `den doctor` checks it")
        case .namespaces:
            return UserError("cannot create the env's namespaces", why: "\(detail): \(reason)", fix: "run `den doctor`")
        case .mount, .bind, .symlink, .directory, .file:
            return UserError("cannot set up '\(detail)' in the env", why: reason,
                             fix: errno == ENOSPC ? UserError.diskFullFix
                                 : "check that the path exists and that the env's files are yours; `den doctor` checks the system")
        case .pivot, .hostname, .loopback:
            return UserError("cannot finish entering the env", why: "\(detail): \(reason)", fix: "run `den doctor`")
        case .cgroup:
            return UserError("cannot place the env in its cgroup", why: "'\(detail)': \(reason)",
                             fix: "check the delegation of your cgroup v2 subtree (`den doctor`), or run with --no-limits")
        case .join:
            return UserError("cannot join the running env", why: "\(detail): \(reason)", fix: "try again; `den ps` shows whether it still runs")
        case .spawn, .protocolError:
            return UserError("cannot start the env", why: "\(detail): \(reason)", fix: "run `den doctor`; if it finds nothing, report this as a bug")
        }
    }
}

extension CgroupError: UserErrorConvertible {
    var userError: UserError {
        let fix = "run den from a session whose cgroup v2 subtree is delegated to you (systemd's user@.service delegates memory, pids and cpu; `den doctor` checks it), or pass --no-limits to start without the limits"
        switch self {
        case .notDelegated(let reason):
            return UserError("cannot apply den.toml's [limits]", why: reason, fix: fix)
        case .controllersMissing(let missing, let directory, let available):
            return UserError(
                "cannot apply den.toml's [limits]",
                why: "the cgroup v2 controller\(missing.count == 1 ? "" : "s") \(missing.map { "'\($0)'" }.joined(separator: ", ")) \(missing.count == 1 ? "is" : "are") not available in '\(directory)' (it has: \(available.isEmpty ? "none" : available.joined(separator: ", ")))",
                fix: fix)
        case .system(let path, let errno):
            return UserError("cannot apply den.toml's [limits]", why: "'\(path)': \(DenCore.SystemError("", errno: errno).reason)", fix: fix)
        }
    }
}
