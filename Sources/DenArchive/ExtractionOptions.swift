/// How `SafeExtractor` treats what an archive asks for.
public struct ExtractionOptions: Sendable, Hashable {
    /// Upper bound on the bytes of regular-file data written (logical sizes, so a sparse file
    /// counts in full). Checked against each entry's declared size before anything is written.
    public var maxTotalBytes: Int64
    /// Upper bound on the number of entries, skipped ones included.
    public var maxEntryCount: Int
    public var symlinkPolicy: SymlinkPolicy
    public var ownership: OwnershipPolicy
    /// Keeps setuid/setgid on files (and setuid on directories); off by default.
    public var preservesSetIDBits: Bool

    public init(
        maxTotalBytes: Int64 = 64 << 30,
        maxEntryCount: Int = 1_000_000,
        symlinkPolicy: SymlinkPolicy = .followInsideRoot,
        ownership: OwnershipPolicy = .ignore,
        preservesSetIDBits: Bool = false
    ) {
        self.maxTotalBytes = maxTotalBytes
        self.maxEntryCount = maxEntryCount
        self.symlinkPolicy = symlinkPolicy
        self.ownership = ownership
        self.preservesSetIDBits = preservesSetIDBits
    }
}

extension ExtractionOptions {
    /// A `maxTotalBytes` for archives of `compressedSize` bytes: 4 GiB, or 200 times that size
    /// when it is more. Real layers and packages compress 2 to 10 times; a few MB that claim
    /// terabytes of zeros are a bomb, refused before anything is written (the extractor checks
    /// each entry's declared size first).
    public static func maximumExpansion(compressedSize: Int64) -> Int64 {
        let scaled = compressedSize.multipliedReportingOverflow(by: 200)
        return max(4 << 30, scaled.overflow ? Int64.max : scaled.partialValue)
    }
}

/// What to do when a directory on the way to an entry is a symlink already in the root.
public enum SymlinkPolicy: Sendable, Hashable {
    /// Any symlink on the way is an error, and a directory entry replaces a symlink at its path.
    case reject
    /// dpkg's behaviour for usr-merged roots (`bin -> usr/bin`): follow the symlink when it leads
    /// to an existing directory inside the root. Absolute targets are read from the root, as the
    /// rootfs will see them; a `..` that would climb above the root is an error. A directory
    /// entry whose path is such a symlink keeps the symlink (its mode and mtime are not applied).
    case followInsideRoot
}

public enum OwnershipPolicy: Sendable, Hashable {
    /// Everything belongs to the extracting user (unprivileged extraction).
    case ignore
    /// Apply the archive's numeric uid/gid (root, or root inside a user namespace).
    case apply
}
