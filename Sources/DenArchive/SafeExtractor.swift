import Glibc

/// Extracts archive entries below one root directory without ever writing outside it.
///
/// The root is opened once; every entry is reached component by component with
/// `openat(O_NOFOLLOW | O_DIRECTORY)` from that descriptor, never by joining path strings.
/// Absolute paths and `..` are refused, symlinks on the way are handled by `SymlinkPolicy`, and
/// nothing is ever written through an existing file: each file, symlink or hard link is made under
/// a temporary name in its directory and renamed over the old one, so a hard link already in the
/// root never carries a write elsewhere. A directory in the way of a non-directory is removed with
/// its contents (the newer entry wins, as in a layer applied over another). Devices, fifos and
/// sockets are counted and skipped. Directory modes and mtimes are applied by `finish()`, deepest
/// first, so a 0555 directory can still be filled.
///
/// A failed extraction leaves a partial tree (directories still owner-writable) for the caller
/// to discard. Not thread-safe.
public final class SafeExtractor {
    public let options: ExtractionOptions
    public private(set) var summary = ArchiveSummary()

    let root: Descriptor
    private var deferredDirectories: [String: DeferredDirectory] = [:]
    var temporaryCounter = 0
    /// The last lookup's components and the directory reached after each of them (index 0:
    /// the root). Archives list a directory's entries together, so the next lookup mostly
    /// shares a prefix and starts where it ends: without this, a layer of 50 000 entries cost
    /// 400 000 openat calls. Dropped whenever a directory or a symlink is removed or replaced.
    var resolutionCache: (request: [String], states: [ResolvedDirectory])?

    struct DeferredDirectory {
        var components: [String]
        var entry: ArchiveEntry
    }

    /// Opens `rootPath`, which must be an existing directory (the path itself may be a symlink).
    public init(rootPath: String, options: ExtractionOptions = .init()) throws(ArchiveError) {
        let fd = open(rootPath, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw .system(operation: .openDirectory, path: rootPath, errno: errno) }
        self.root = Descriptor(owning: fd)
        self.options = options
    }

    /// Uses a duplicate of `rootDescriptor`; the caller keeps and closes its own.
    public init(rootDescriptor: Int32, options: ExtractionOptions = .init()) throws(ArchiveError) {
        let fd = fcntl(rootDescriptor, F_DUPFD_CLOEXEC, 0)
        guard fd >= 0 else { throw .system(operation: .openDirectory, path: "fd \(rootDescriptor)", errno: errno) }
        self.root = Descriptor(owning: fd)
        self.options = options
    }

    /// Extracts every remaining entry of `reader`, then `finish()`es.
    @discardableResult
    public func extract(from reader: ArchiveReader) throws(ArchiveError) -> ArchiveSummary {
        while let entry = try reader.next() {
            try extract(entry, from: reader)
        }
        try finish()
        return summary
    }

    /// Extracts one entry; a file's data is read from `reader`'s current entry. Callers that
    /// filter entries themselves (OCI whiteouts) use this and then call `finish()`.
    public func extract(_ entry: ArchiveEntry, from reader: ArchiveReader) throws(ArchiveError) {
        summary.entries += 1
        guard summary.entries <= options.maxEntryCount else {
            throw .entryCountLimitExceeded(limit: options.maxEntryCount, entry: entry.path)
        }
        let components = try RelativePath.components(of: entry.path)
        switch entry.kind {
        case .directory:
            try makeDirectory(components, entry)
        case .file:
            try writeFile(components, entry, reader)
        case .symlink:
            try makeSymlink(components, entry)
        case .hardlink:
            try makeHardlink(components, entry)
        case .characterDevice, .blockDevice, .fifo, .socket:
            summary.skippedSpecialFiles += 1
        }
    }

    /// Applies the deferred modes, owners and mtimes of the directories extracted so far, deepest
    /// first. A directory that was replaced by a later entry is left alone.
    public func finish() throws(ArchiveError) {
        let pending = deferredDirectories.sorted { lhs, rhs in
            lhs.value.components.count != rhs.value.components.count
                ? lhs.value.components.count > rhs.value.components.count
                : lhs.key < rhs.key
        }.map(\.value)
        deferredDirectories.removeAll()
        for directory in pending {
            guard let descriptor = try? openStrictly(directory.components) else { continue }
            try applyMetadata(to: descriptor, directory.entry)
        }
    }

    /// Gives an existing directory the mode, owner and mtime of `entry` (a directory entry),
    /// resolving its path inside the root as extraction does. For callers that extract in
    /// parallel and settle directories several archives share afterwards, in their order.
    public func applyDirectoryMetadata(_ entry: ArchiveEntry) throws(ArchiveError) {
        let components = try RelativePath.components(of: entry.path)
        guard !components.isEmpty, let descriptor = try? openStrictly(components) else { return }
        try applyMetadata(to: descriptor, entry)
    }

    // MARK: - Entries

    private func makeDirectory(_ components: [String], _ entry: ArchiveEntry) throws(ArchiveError) {
        guard let name = components.last else {
            // `./`: the root belongs to the caller, whose mode and mtime win.
            summary.directories += 1
            return
        }
        let parent = try resolveDirectory(components.dropLast(), for: entry.path, creatingMissing: true)
        let cName = CName(name)
        var attempts = 0
        placement: while true {
            // Each turn either finishes or clears the way; more turns mean someone else is racing us.
            attempts += 1
            guard attempts <= 8 else {
                throw .system(operation: .createDirectory, path: entry.path, errno: EEXIST)
            }
            let existing: stat
            do {
                existing = try FileSystem.status(parent.descriptor.rawValue, cName)
            } catch let failure where failure.code == ENOENT {
                // Owner-writable until finish(), so the contents can go in whatever the final mode.
                do {
                    try FileSystem.makeDirectory(parent.descriptor.rawValue, cName, mode: 0o700)
                    break placement
                } catch let failure where failure.code == EEXIST {
                    continue
                } catch {
                    throw .system(operation: .createDirectory, path: entry.path, errno: error.code)
                }
            } catch {
                throw .system(operation: .stat, path: entry.path, errno: error.code)
            }
            if FileSystem.isDirectory(existing) {
                try makeOwnerWritable(parent.descriptor, cName, entry.path)
                break placement
            }
            if FileSystem.isSymlink(existing), options.symlinkPolicy == .followInsideRoot,
               (try? resolveDirectory(components[...], for: entry.path, creatingMissing: false)) != nil {
                summary.directories += 1
                return
            }
            try removeItem(in: parent.descriptor, cName, isDirectory: false, entryPath: entry.path)
        }
        let finalComponents = parent.components + [name]
        deferredDirectories[finalComponents.joined(separator: "/")] = DeferredDirectory(components: finalComponents, entry: entry)
        summary.directories += 1
    }

    private func writeFile(_ components: [String], _ entry: ArchiveEntry, _ reader: ArchiveReader) throws(ArchiveError) {
        guard let name = components.last else { throw .unsafePath(path: entry.path, reason: .empty) }
        let budget = options.maxTotalBytes - summary.bytes
        guard entry.size <= budget else {
            throw .byteLimitExceeded(limit: options.maxTotalBytes, entry: entry.path)
        }
        let parent = try resolveDirectory(components.dropLast(), for: entry.path, creatingMissing: true)
        let (file, temporary) = try createTemporaryFile(in: parent.descriptor, entryPath: entry.path)
        do throws(ArchiveError) {
            var end: Int64 = 0
            try reader.readBlocks { (block, offset) throws(ArchiveError) in
                let blockEnd = offset + Int64(block.count)
                guard offset >= 0, blockEnd <= budget else {
                    throw .byteLimitExceeded(limit: options.maxTotalBytes, entry: entry.path)
                }
                do throws(Errno) {
                    try FileSystem.write(file.rawValue, block, at: offset)
                } catch {
                    throw .system(operation: .write, path: entry.path, errno: error.code)
                }
                end = max(end, blockEnd)
            }
            // A sparse file may end in a hole that no block covers.
            if end < entry.size, ftruncate(file.rawValue, off_t(entry.size)) != 0 {
                throw .system(operation: .truncate, path: entry.path, errno: errno)
            }
            try applyMetadata(to: file, entry)
            try place(temporary, as: CName(name), in: parent.descriptor, entryPath: entry.path)
            summary.files += 1
            summary.bytes += max(end, entry.size)
        } catch {
            try? FileSystem.remove(parent.descriptor.rawValue, temporary, isDirectory: false)
            throw error
        }
    }

    private func makeSymlink(_ components: [String], _ entry: ArchiveEntry) throws(ArchiveError) {
        guard let name = components.last else { throw .unsafePath(path: entry.path, reason: .empty) }
        let parent = try resolveDirectory(components.dropLast(), for: entry.path, creatingMissing: true)
        let target = CName(entry.symlinkTarget ?? "")
        let temporary = try createTemporary(in: parent.descriptor, entryPath: entry.path, operation: .createSymlink) { name throws(Errno) in
            try FileSystem.makeSymlink(target: target, in: parent.descriptor.rawValue, name)
        }
        do throws(ArchiveError) {
            if options.ownership == .apply {
                let (uid, gid) = try owner(of: entry)
                do throws(Errno) {
                    try FileSystem.setOwner(parent.descriptor.rawValue, temporary, uid: uid, gid: gid)
                } catch {
                    throw .system(operation: .setOwner, path: entry.path, errno: error.code)
                }
            }
            if let time = entry.modificationTime {
                do throws(Errno) {
                    try FileSystem.setTimes(parent.descriptor.rawValue, temporary, modification: time)
                } catch {
                    throw .system(operation: .setTimes, path: entry.path, errno: error.code)
                }
            }
            try place(temporary, as: CName(name), in: parent.descriptor, entryPath: entry.path)
            summary.symlinks += 1
        } catch {
            try? FileSystem.remove(parent.descriptor.rawValue, temporary, isDirectory: false)
            throw error
        }
    }

    private func makeHardlink(_ components: [String], _ entry: ArchiveEntry) throws(ArchiveError) {
        guard let name = components.last else { throw .unsafePath(path: entry.path, reason: .empty) }
        let targetPath = entry.hardlinkTarget ?? ""
        let targetComponents: [String]
        do {
            targetComponents = try RelativePath.components(of: targetPath)
        } catch {
            guard case let .unsafePath(_, reason) = error else { throw error }
            throw .invalidHardlink(path: entry.path, target: targetPath, reason: .unsafeTarget(reason))
        }
        guard let targetName = targetComponents.last else {
            throw .invalidHardlink(path: entry.path, target: targetPath, reason: .unsafeTarget(.empty))
        }
        let targetParent: ResolvedDirectory
        do {
            targetParent = try resolveDirectory(targetComponents.dropLast(), for: entry.path, creatingMissing: false)
        } catch {
            switch error {
            case .system(_, _, ENOENT), .notADirectory:
                throw .invalidHardlink(path: entry.path, target: targetPath, reason: .targetMissing)
            default:
                throw error
            }
        }
        let targetCName = CName(targetName)
        let info: stat
        do {
            info = try FileSystem.status(targetParent.descriptor.rawValue, targetCName)
        } catch where error.code == ENOENT {
            throw .invalidHardlink(path: entry.path, target: targetPath, reason: .targetMissing)
        } catch {
            throw .system(operation: .stat, path: entry.path, errno: error.code)
        }
        guard FileSystem.isRegular(info) else {
            throw .invalidHardlink(path: entry.path, target: targetPath, reason: .targetNotRegularFile)
        }
        let parent = try resolveDirectory(components.dropLast(), for: entry.path, creatingMissing: true)
        let temporary = try createTemporary(in: parent.descriptor, entryPath: entry.path, operation: .createHardlink) { name throws(Errno) in
            try FileSystem.makeHardlink(from: targetParent.descriptor.rawValue, targetCName, in: parent.descriptor.rawValue, name)
        }
        do {
            try place(temporary, as: CName(name), in: parent.descriptor, entryPath: entry.path)
        } catch {
            try? FileSystem.remove(parent.descriptor.rawValue, temporary, isDirectory: false)
            throw error
        }
        // rename(2) between two links to one inode succeeds without doing anything; drop the spare.
        try? FileSystem.remove(parent.descriptor.rawValue, temporary, isDirectory: false)
        summary.hardlinks += 1
    }
}
