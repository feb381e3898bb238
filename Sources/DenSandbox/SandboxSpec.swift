import CDenShim

/// Everything needed to enter an env, decided up front so the C side only executes.
public struct SandboxSpec: Sendable, Equatable {
    public enum Identity: Sendable, Equatable {
        /// Maps written by newuidmap/newgidmap from the user's subordinate ranges.
        case subordinate(uids: [IDMapEntry], gids: [IDMapEntry])
        /// The user's own uid and gid only, each mapped to itself. A command that runs as
        /// another id (root, for `--root`) gets a nested user namespace mapping that id to the user.
        case single(uid: UInt32, gid: UInt32)
    }

    /// Whether this command starts the env or joins it while it runs.
    public enum Session: Sendable, Equatable {
        /// Set the env up; its init serves a session socket named `socketName` in `socketDirectory`.
        case create(socketDirectory: String, socketName: String)
        /// Enter the namespaces of the running env whose init has this (host) pid.
        case join(initPID: Int32)
    }

    /// The root filesystem: an overlay of read-only layers (top first) and a writable layer.
    public struct Overlay: Sendable, Equatable {
        public var lowerDirectories: [String]
        public var upperDirectory: String
        public var workDirectory: String
        /// Where den mounts it on the host side of the mount namespace (never visible outside).
        public var mountpoint: String

        public init(lowerDirectories: [String], upperDirectory: String, workDirectory: String, mountpoint: String) {
            self.lowerDirectories = lowerDirectories
            self.upperDirectory = upperDirectory
            self.workDirectory = workDirectory
            self.mountpoint = mountpoint
        }
    }

    public struct Bind: Sendable, Equatable {
        public var source: String
        public var target: String
        public var isReadOnly: Bool
        /// Skip it quietly when the source does not exist.
        public var isOptional: Bool

        public init(source: String, target: String, isReadOnly: Bool, isOptional: Bool = false) {
            self.source = source
            self.target = target
            self.isReadOnly = isReadOnly
            self.isOptional = isOptional
        }
    }

    /// A directory den makes inside the env when it is missing (an existing one is left alone).
    public struct Directory: Sendable, Equatable {
        public var path: String
        public var mode: UInt32
        public var uid: UInt32
        public var gid: UInt32

        public init(path: String, mode: UInt32, uid: UInt32, gid: UInt32) {
            self.path = path
            self.mode = mode
            self.uid = uid
            self.gid = gid
        }
    }

    /// A file den writes inside the env, replacing what is there atomically.
    public struct File: Sendable, Equatable {
        public var path: String
        public var mode: UInt32
        public var uid: UInt32
        public var gid: UInt32
        public var contents: String

        public init(path: String, mode: UInt32, uid: UInt32, gid: UInt32, contents: String) {
            self.path = path
            self.mode = mode
            self.uid = uid
            self.gid = gid
            self.contents = contents
        }
    }

    /// What the sandbox is for.
    public enum Purpose: Sendable, Equatable {
        /// Entering an env: /run/den for den's files, the host's resolv.conf and hosts.
        case environment
        /// Building a layer: nothing of den's or the host's is mounted where it would leave a
        /// mount point behind in the layer.
        case build
    }

    public var identity: Identity
    public var session: Session
    public var purpose: Purpose = .environment
    public var overlay: Overlay
    public var hostname: String
    public var isolatesNetwork: Bool
    /// The project, extra mounts, the SSH agent: after the system mounts, in order.
    public var binds: [Bind]
    public var directories: [Directory]
    public var files: [File]
    /// The ids the command runs as, inside the env.
    public var uid: UInt32
    public var gid: UInt32
    public var workingDirectory: String
    /// Where to start when `workingDirectory` does not exist inside (e.g. the home).
    public var fallbackWorkingDirectory: String
    public var command: [String]
    /// `KEY=VALUE`: the whole environment of the command.
    public var environment: [String]
    /// Give the command a pseudo-terminal of this size (`den shell` on a terminal), relayed
    /// by den; nil passes den's stdin, stdout and stderr through untouched.
    public var terminal: TerminalSize?
    /// A cgroup v2 directory the sandbox's processes are placed in before they do anything.
    public var cgroup: String?

    public init(
        identity: Identity, session: Session, overlay: Overlay, hostname: String, isolatesNetwork: Bool, binds: [Bind],
        directories: [Directory], files: [File], uid: UInt32, gid: UInt32, workingDirectory: String,
        fallbackWorkingDirectory: String, command: [String], environment: [String], terminal: TerminalSize? = nil
    ) {
        self.identity = identity
        self.session = session
        self.overlay = overlay
        self.hostname = hostname
        self.isolatesNetwork = isolatesNetwork
        self.binds = binds
        self.directories = directories
        self.files = files
        self.uid = uid
        self.gid = gid
        self.workingDirectory = workingDirectory
        self.fallbackWorkingDirectory = fallbackWorkingDirectory
        self.command = command
        self.environment = environment
        self.terminal = terminal
    }
}

public struct TerminalSize: Sendable, Equatable {
    public var rows: Int
    public var columns: Int

    public init(rows: Int, columns: Int) {
        self.rows = rows
        self.columns = columns
    }

    /// The size of the terminal on `fd`, or nil when it is not a terminal.
    public static func of(fileDescriptor fd: Int32) -> TerminalSize? {
        var rows: Int32 = 0, columns: Int32 = 0
        guard den_terminal_size(fd, &rows, &columns) == 1 else { return nil }
        return TerminalSize(rows: Int(rows), columns: Int(columns))
    }
}

extension SandboxSpec {
    /// Who owns the env's system files: root when the map has it, else the one mapped id.
    public var rootOwner: (uid: UInt32, gid: UInt32) {
        switch identity {
        case .subordinate: (0, 0)
        case .single(let uid, let gid): (uid, gid)
        }
    }

    /// The user's own ids, which both mappings keep as they are on the host.
    public var socketOwner: (uid: UInt32, gid: UInt32) {
        switch identity {
        case .subordinate(let uids, let gids):
            (uids.first { $0.inside == $0.outside && $0.count == 1 }?.inside ?? uid,
             gids.first { $0.inside == $0.outside && $0.count == 1 }?.inside ?? gid)
        case .single(let uid, let gid): (uid, gid)
        }
    }

    /// True when the command's ids exist only in a nested user namespace (single-id `--root`).
    public var nestsUserNamespace: Bool {
        guard case .single(let mappedUID, let mappedGID) = identity else { return false }
        return uid != mappedUID || gid != mappedGID
    }
}

extension SandboxSpec.Identity {
    /// True when group `id` inside is backed by a host id, so files may belong to it.
    public func mapsGID(_ id: UInt32) -> Bool {
        switch self {
        case .subordinate(_, let gids): IDMap.subordinate(gids).hostID(for: id) != nil
        case .single(_, let inside): inside == id
        }
    }
}
