import Glibc

extension SafeExtractor {
    /// Removes `path` below the root (a whole tree if it is a directory) without following a
    /// symlink at its end; the directories on the way are resolved by the symlink policy.
    /// Returns false when there was nothing to remove. Meant for OCI whiteouts.
    @discardableResult
    public func removeItem(atPath path: String) throws(ArchiveError) -> Bool {
        let components = try RelativePath.components(of: path)
        guard let name = components.last else { throw .unsafePath(path: path, reason: .empty) }
        let parent: ResolvedDirectory
        do {
            parent = try resolveDirectory(components.dropLast(), for: path, creatingMissing: false)
        } catch {
            if case .system(_, _, ENOENT) = error { return false }
            throw error
        }
        let cName = CName(name)
        let info: stat
        do {
            info = try FileSystem.status(parent.descriptor.rawValue, cName)
        } catch where error.code == ENOENT {
            return false
        } catch {
            throw .system(operation: .stat, path: path, errno: error.code)
        }
        try removeItem(in: parent.descriptor, cName, isDirectory: FileSystem.isDirectory(info), entryPath: path)
        return true
    }

    /// Empties the directory at `path`, keeping the directory itself (an OCI opaque whiteout).
    public func removeContents(ofDirectory path: String) throws(ArchiveError) {
        let components = try RelativePath.components(of: path)
        let directory: ResolvedDirectory
        do {
            directory = try resolveDirectory(components[...], for: path, creatingMissing: false)
        } catch {
            if case .system(_, _, ENOENT) = error { return }
            throw error
        }
        try removeChildren(of: directory.descriptor, entryPath: path)
    }

    /// Removes one name in `directory`; a directory goes with everything below it.
    func removeItem(in directory: Descriptor, _ name: CName, isDirectory: Bool, entryPath: String) throws(ArchiveError) {
        if isDirectory {
            let opened: Descriptor
            do {
                opened = try FileSystem.openDirectory(directory.rawValue, name)
            } catch {
                throw .system(operation: .openDirectory, path: entryPath, errno: error.code)
            }
            try removeChildren(of: opened, entryPath: entryPath)
        }
        do {
            try FileSystem.remove(directory.rawValue, name, isDirectory: isDirectory)
        } catch {
            throw .system(operation: .remove, path: entryPath, errno: error.code)
        }
    }

    /// Depth-first without recursion, so a hostile deep tree costs descriptors (reported as
    /// EMFILE) rather than stack. Each directory is made owner-writable before it is emptied.
    func removeChildren(of top: Descriptor, entryPath: String) throws(ArchiveError) {
        struct Frame {
            var descriptor: Descriptor
            var remaining: [[UInt8]]
            var nameInParent: [UInt8]?
        }
        var frames = [try frame(for: top, nameInParent: nil, entryPath: entryPath)]
        while let last = frames.indices.last {
            guard let child = frames[last].remaining.popLast() else {
                let finished = frames.removeLast()
                if let name = finished.nameInParent, let parent = frames.last {
                    do {
                        try FileSystem.remove(parent.descriptor.rawValue, CName(bytes: name), isDirectory: true)
                    } catch {
                        throw .system(operation: .remove, path: entryPath, errno: error.code)
                    }
                }
                continue
            }
            let directory = frames[last].descriptor
            let cName = CName(bytes: child)
            let info: stat
            do {
                info = try FileSystem.status(directory.rawValue, cName)
            } catch {
                throw .system(operation: .stat, path: entryPath, errno: error.code)
            }
            if FileSystem.isDirectory(info) {
                let opened: Descriptor
                do {
                    opened = try FileSystem.openDirectory(directory.rawValue, cName)
                } catch {
                    throw .system(operation: .openDirectory, path: entryPath, errno: error.code)
                }
                frames.append(try frame(for: opened, nameInParent: child, entryPath: entryPath))
            } else {
                do {
                    try FileSystem.remove(directory.rawValue, cName, isDirectory: false)
                } catch {
                    throw .system(operation: .remove, path: entryPath, errno: error.code)
                }
            }
        }

        func frame(for descriptor: Descriptor, nameInParent: [UInt8]?, entryPath: String) throws(ArchiveError) -> Frame {
            if let info = try? FileSystem.status(descriptor.rawValue), info.st_mode & 0o700 != 0o700 {
                _ = fchmod(descriptor.rawValue, (info.st_mode & 0o7777) | 0o700)
            }
            do {
                return Frame(descriptor: descriptor, remaining: try FileSystem.listDirectory(descriptor.rawValue), nameInParent: nameInParent)
            } catch {
                throw .system(operation: .readDirectory, path: entryPath, errno: error.code)
            }
        }
    }
}
