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

    /// Empties the directory at `path`, keeping the directory itself.
    public func removeContents(ofDirectory path: String) throws(ArchiveError) {
        try removeContents(ofDirectory: path) { _ in false }
    }

    /// Empties the directory at `path` except for what `keeping` names (paths relative to the
    /// root, without `./`): a kept directory stays and is emptied the same way. An opaque
    /// whiteout hides what the layers below put there, not what its own layer wrote.
    public func removeContents(ofDirectory path: String, keeping: (String) -> Bool) throws(ArchiveError) {
        let components = try RelativePath.components(of: path)
        let directory: ResolvedDirectory
        do {
            directory = try resolveDirectory(components[...], for: path, creatingMissing: false)
        } catch {
            if case .system(_, _, ENOENT) = error { return }
            throw error
        }
        try removeContents(of: directory.descriptor, prefix: components.joined(separator: "/"), keeping: keeping)
    }

    private func removeContents(of directory: Descriptor, prefix: String, keeping: (String) -> Bool) throws(ArchiveError) {
        invalidateResolutionCache()
        let names: [[UInt8]]
        do {
            names = try FileSystem.listDirectory(directory.rawValue)
        } catch {
            throw .system(operation: .readDirectory, path: prefix, errno: error.code)
        }
        for name in names {
            let childPath = (prefix.isEmpty ? "" : "\(prefix)/") + String(decoding: name, as: UTF8.self)
            let cName = CName(bytes: name)
            let info: stat
            do {
                info = try FileSystem.status(directory.rawValue, cName)
            } catch {
                throw .system(operation: .stat, path: childPath, errno: error.code)
            }
            let isDirectory = FileSystem.isDirectory(info)
            if keeping(childPath) {
                guard isDirectory else { continue }
                let opened: Descriptor
                do {
                    opened = try FileSystem.openDirectory(directory.rawValue, cName)
                } catch {
                    throw .system(operation: .openDirectory, path: childPath, errno: error.code)
                }
                try removeContents(of: opened, prefix: childPath, keeping: keeping)
            } else {
                try removeItem(in: directory, cName, isDirectory: isDirectory, entryPath: childPath)
            }
        }
    }

    /// An archive path as the components extraction uses (`./a//b` is `["a", "b"]`), or the
    /// reason it would be refused.
    public static func components(of path: String) throws(ArchiveError) -> [String] {
        try RelativePath.components(of: path)
    }

    /// Removes one name in `directory`; a directory goes with everything below it.
    func removeItem(in directory: Descriptor, _ name: CName, isDirectory: Bool, entryPath: String) throws(ArchiveError) {
        invalidateResolutionCache()
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
        invalidateResolutionCache()
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
