/// One member of an archive, copied out of libarchive so it outlives the reader's position.
public struct ArchiveEntry: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        case file
        case directory
        case symlink
        case hardlink
        case characterDevice
        case blockDevice
        case fifo
        case socket
    }

    /// The path as stored, UTF-8, not normalised (it may start with `./`, `/` or contain `..`).
    public var path: String
    public var kind: Kind
    /// Permission bits including setuid, setgid and sticky (`mode & 0o7777`).
    public var permissions: UInt32
    public var uid: Int64
    public var gid: Int64
    public var userName: String?
    public var groupName: String?
    /// Size of the data that follows; 0 for links and directories. For sparse files, the logical size.
    public var size: Int64
    public var modificationTime: ArchiveTimestamp?
    public var symlinkTarget: String?
    public var hardlinkTarget: String?
    /// Set for character and block devices.
    public var device: DeviceNumber?

    public init(
        path: String,
        kind: Kind,
        permissions: UInt32,
        uid: Int64 = 0,
        gid: Int64 = 0,
        userName: String? = nil,
        groupName: String? = nil,
        size: Int64 = 0,
        modificationTime: ArchiveTimestamp? = nil,
        symlinkTarget: String? = nil,
        hardlinkTarget: String? = nil,
        device: DeviceNumber? = nil
    ) {
        self.path = path
        self.kind = kind
        self.permissions = permissions
        self.uid = uid
        self.gid = gid
        self.userName = userName
        self.groupName = groupName
        self.size = size
        self.modificationTime = modificationTime
        self.symlinkTarget = symlinkTarget
        self.hardlinkTarget = hardlinkTarget
        self.device = device
    }
}

/// Seconds and nanoseconds since the epoch, as tar and `struct timespec` carry them.
public struct ArchiveTimestamp: Sendable, Hashable, Comparable {
    public var seconds: Int64
    public var nanoseconds: Int32

    public init(seconds: Int64, nanoseconds: Int32 = 0) {
        self.seconds = seconds
        self.nanoseconds = nanoseconds
    }

    public static func < (lhs: Self, rhs: Self) -> Bool {
        (lhs.seconds, lhs.nanoseconds) < (rhs.seconds, rhs.nanoseconds)
    }
}

public struct DeviceNumber: Sendable, Hashable {
    public var major: UInt64
    public var minor: UInt64

    public init(major: UInt64, minor: UInt64) {
        self.major = major
        self.minor = minor
    }
}
