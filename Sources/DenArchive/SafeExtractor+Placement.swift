import Glibc

extension SafeExtractor {
    /// Tries fresh temporary names in `directory` until `make` does not meet EEXIST.
    func createTemporary(
        in directory: Descriptor, entryPath: String, operation: SystemOperation,
        _ make: (CName) throws(Errno) -> Void
    ) throws(ArchiveError) -> CName {
        for _ in 0..<64 {
            let name = nextTemporaryName()
            do {
                try make(name)
                return name
            } catch where error.code == EEXIST {
                continue
            } catch {
                throw .system(operation: operation, path: entryPath, errno: error.code)
            }
        }
        throw .system(operation: operation, path: entryPath, errno: EEXIST)
    }

    func createTemporaryFile(in directory: Descriptor, entryPath: String) throws(ArchiveError) -> (Descriptor, CName) {
        var file: Descriptor?
        let name = try createTemporary(in: directory, entryPath: entryPath, operation: .createFile) { name throws(Errno) in
            file = try FileSystem.openFile(directory.rawValue, name, flags: O_WRONLY | O_CREAT | O_EXCL, mode: 0o600)
        }
        guard let file else { throw .system(operation: .createFile, path: entryPath, errno: EIO) }
        return (file, name)
    }

    /// Renames `temporary` over `name`: atomic for anything but a directory, which is removed
    /// with its contents first (rename(2) cannot replace a directory by a non-directory).
    func place(_ temporary: CName, as name: CName, in directory: Descriptor, entryPath: String) throws(ArchiveError) {
        if let existing = try? FileSystem.status(directory.rawValue, name) {
            if FileSystem.isDirectory(existing) {
                try removeItem(in: directory, name, isDirectory: true, entryPath: entryPath)
            } else if FileSystem.isSymlink(existing) {
                // A lookup may have gone through the symlink this replaces.
                invalidateResolutionCache()
            }
        }
        do {
            try FileSystem.rename(directory.rawValue, temporary, to: name)
        } catch {
            throw .system(operation: .rename, path: entryPath, errno: error.code)
        }
    }

    /// Owner, then permissions (chown clears setuid), then mtime, on an open file or directory.
    func applyMetadata(to descriptor: Descriptor, _ entry: ArchiveEntry) throws(ArchiveError) {
        if options.ownership == .apply {
            let (uid, gid) = try owner(of: entry)
            guard fchown(descriptor.rawValue, uid, gid) == 0 else {
                throw .system(operation: .setOwner, path: entry.path, errno: errno)
            }
        }
        guard fchmod(descriptor.rawValue, permissions(of: entry)) == 0 else {
            throw .system(operation: .setPermissions, path: entry.path, errno: errno)
        }
        if let time = entry.modificationTime {
            do {
                try FileSystem.setTimes(descriptor.rawValue, modification: time)
            } catch {
                throw .system(operation: .setTimes, path: entry.path, errno: error.code)
            }
        }
    }

    /// setuid and setgid go unless kept by option; a directory keeps setgid, which only makes
    /// new entries inherit its group and grants nothing.
    func permissions(of entry: ArchiveEntry) -> mode_t {
        var bits = entry.permissions & 0o7777
        if !options.preservesSetIDBits {
            bits &= entry.kind == .directory ? ~UInt32(0o4000) : ~UInt32(0o6000)
        }
        return mode_t(bits)
    }

    func owner(of entry: ArchiveEntry) throws(ArchiveError) -> (uid_t, gid_t) {
        guard let uid = uid_t(exactly: entry.uid), let gid = gid_t(exactly: entry.gid),
              uid != uid_t.max, gid != gid_t.max else {
            throw .ownerOutOfRange(entry: entry.path, uid: entry.uid, gid: entry.gid)
        }
        return (uid, gid)
    }

    /// An existing directory that the extracting user cannot fill (0555 from an earlier layer)
    /// becomes owner-writable; its entry's mode is put back by `finish()`.
    func makeOwnerWritable(_ parent: Descriptor, _ name: CName, _ entryPath: String) throws(ArchiveError) {
        let directory: Descriptor
        do {
            directory = try FileSystem.openDirectory(parent.rawValue, name)
        } catch {
            throw .system(operation: .openDirectory, path: entryPath, errno: error.code)
        }
        guard let info = try? FileSystem.status(directory.rawValue), info.st_mode & 0o700 != 0o700 else { return }
        guard fchmod(directory.rawValue, (info.st_mode & 0o7777) | 0o700) == 0 else {
            throw .system(operation: .setPermissions, path: entryPath, errno: errno)
        }
    }

    func nextTemporaryName() -> CName {
        temporaryCounter += 1
        return CName(".den-extract.\(getpid()).\(temporaryCounter)")
    }
}
