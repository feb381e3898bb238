import CDenShim
#if canImport(Glibc)
import Glibc
#endif

/// Why an env could not be entered: the operation that failed, the errno the kernel gave
/// and the path or value it was about.
public struct SandboxError: Error, Sendable, Equatable {
    public enum Stage: Sendable, Equatable {
        case spawn
        case userNamespace
        /// newuidmap/newgidmap refused; `detail` holds what the tool said.
        case idMaps
        case namespaces
        case rootFilesystem
        case mount
        case bind
        case symlink
        case directory
        case file
        case pivot
        case loopback
        case hostname
        /// The child broke off without saying why (killed, or a protocol error).
        case protocolError
        /// Entering a running env's namespaces (it may have ended in between).
        case join
        /// Placing the sandbox in its cgroup.
        case cgroup
    }

    public var stage: Stage
    public var errno: Int32
    public var detail: String

    public init(stage: Stage, errno: Int32, detail: String) {
        self.stage = stage
        self.errno = errno
        self.detail = detail
    }

    init(operation: Int32, errno: Int32, detail: String) {
        let stage: Stage = switch Int(operation) {
        case DEN_OP_USERNS_SINGLE, DEN_OP_USERNS_HELPER: .userNamespace
        case DEN_OP_NAMESPACES: .namespaces
        case DEN_OP_ROOT_OVERLAY: .rootFilesystem
        case DEN_OP_MOUNT: .mount
        case DEN_OP_BIND: .bind
        case DEN_OP_SYMLINK: .symlink
        case DEN_OP_MKDIR: .directory
        case DEN_OP_WRITE: .file
        case DEN_OP_PIVOT: .pivot
        case DEN_OP_LOOPBACK: .loopback
        case DEN_OP_HOSTNAME: .hostname
        case DEN_OP_JOIN: .join
        default: .protocolError
        }
        self.init(stage: stage, errno: errno, detail: detail)
    }
}

/// How the command ended.
public enum Termination: Sendable, Equatable {
    case exited(Int32)
    case signalled(Int32)

    /// Waits for the child `pid` (through EINTR) and says how it ended; throws the errno
    /// when it cannot be waited for.
    public static func waiting(for pid: pid_t) throws(WaitError) -> Termination {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { throw WaitError(errno: errno) }
        }
        // WIFEXITED / WEXITSTATUS / WTERMSIG are macros Swift cannot import.
        let signal = status & 0x7f
        return signal == 0 ? .exited((status >> 8) & 0xff) : .signalled(signal)
    }

    public struct WaitError: Error, Sendable, Equatable {
        public var errno: Int32
    }

    /// What den exits with: the command's code, or 128+N for signal N, as shells report it.
    public var exitCode: Int32 {
        switch self {
        case .exited(let code): code
        case .signalled(let signal): 128 + signal
        }
    }
}

/// The outcome of running a command in a sandbox.
public enum SandboxOutcome: Sendable, Equatable {
    case finished(Termination)
    /// The env started but the command could not be executed (ENOENT: not found, EACCES…).
    case commandFailed(command: String, errno: Int32)
}
