/// What `TarWriter` records about an entry besides its path, kind and data.
public struct EntryMetadata: Sendable, Hashable {
    /// Permission bits including setuid, setgid and sticky.
    public var permissions: UInt32
    public var uid: Int64
    public var gid: Int64
    /// Names are left out unless given, so output does not depend on the host's user database.
    public var userName: String?
    public var groupName: String?
    /// Stored to the second: pax-restricted adds no extended header just for sub-second times.
    public var modificationTime: ArchiveTimestamp

    public init(
        permissions: UInt32,
        uid: Int64 = 0,
        gid: Int64 = 0,
        userName: String? = nil,
        groupName: String? = nil,
        modificationTime: ArchiveTimestamp = ArchiveTimestamp(seconds: 0)
    ) {
        self.permissions = permissions
        self.uid = uid
        self.gid = gid
        self.userName = userName
        self.groupName = groupName
        self.modificationTime = modificationTime
    }
}
