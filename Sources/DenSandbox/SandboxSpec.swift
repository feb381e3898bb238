/// Everything needed to enter an env, decided up front so the C side only executes.
public struct SandboxSpec: Sendable, Equatable {
    public enum Identity: Sendable, Equatable {
        /// Maps written by newuidmap/newgidmap from the user's subordinate ranges.
        case subordinate(uids: [IDMapEntry], gids: [IDMapEntry])
        /// The user's own uid and gid only, each appearing as `inside` in the env.
        case single(uidInside: UInt32, uidOutside: UInt32, gidInside: UInt32, gidOutside: UInt32)
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

    public var identity: Identity
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

    public init(
        identity: Identity, overlay: Overlay, hostname: String, isolatesNetwork: Bool, binds: [Bind],
        directories: [Directory], files: [File], uid: UInt32, gid: UInt32, workingDirectory: String,
        fallbackWorkingDirectory: String, command: [String], environment: [String]
    ) {
        self.identity = identity
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
    }
}

extension SandboxSpec {
    /// Who owns the env's system files: root when the map has it, else the one mapped id.
    public var rootOwner: (uid: UInt32, gid: UInt32) {
        switch identity {
        case .subordinate: (0, 0)
        case .single(let uid, _, let gid, _): (uid, gid)
        }
    }
}

extension SandboxSpec.Identity {
    /// True when inside `id` is backed by a host id, so files may be owned by it.
    public func mapsUID(_ id: UInt32) -> Bool {
        switch self {
        case .subordinate(let uids, _): IDMap.subordinate(uids).hostID(for: id) != nil
        case .single(let inside, _, _, _): inside == id
        }
    }

    public func mapsGID(_ id: UInt32) -> Bool {
        switch self {
        case .subordinate(_, let gids): IDMap.subordinate(gids).hostID(for: id) != nil
        case .single(_, _, let inside, _): inside == id
        }
    }
}
