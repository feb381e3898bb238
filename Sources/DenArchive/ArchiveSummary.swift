/// Counts of what an extraction wrote, or what a tree archiving stored.
public struct ArchiveSummary: Sendable, Hashable {
    public var entries = 0
    public var files = 0
    public var directories = 0
    public var symlinks = 0
    public var hardlinks = 0
    /// Character and block devices, fifos and sockets, which are never created (the sandbox supplies /dev).
    public var skippedSpecialFiles = 0
    /// Regular-file data, in logical bytes.
    public var bytes: Int64 = 0

    public init() {}
}
