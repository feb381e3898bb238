import Glibc

extension TarWriter {
    public struct TreeOptions: Sendable, Hashable {
        /// Prepended to every entry name, e.g. `./` for dpkg-style names.
        public var pathPrefix: String
        /// Also store the top directory itself, named `pathPrefix` (or `./` without a prefix).
        public var includesRootDirectory: Bool
        /// Stamp every entry with this time instead of its own, for reproducible output.
        public var fixedModificationTime: ArchiveTimestamp?
        public var ownership: TreeOwnership
        /// Store a second path to an inode already stored as a hard link to the first.
        public var detectsHardlinks: Bool

        public init(
            pathPrefix: String = "",
            includesRootDirectory: Bool = false,
            fixedModificationTime: ArchiveTimestamp? = nil,
            ownership: TreeOwnership = .fromFileSystem,
            detectsHardlinks: Bool = true
        ) {
            self.pathPrefix = pathPrefix
            self.includesRootDirectory = includesRootDirectory
            self.fixedModificationTime = fixedModificationTime
            self.ownership = ownership
            self.detectsHardlinks = detectsHardlinks
        }
    }

    public enum TreeOwnership: Sendable, Hashable {
        case fromFileSystem
        case fixed(uid: Int64, gid: Int64)
    }

    /// Archives the tree below `path`; see `addTree(directoryDescriptor:options:)`.
    @discardableResult
    public func addTree(atPath path: String, options: TreeOptions = .init()) throws(ArchiveError) -> ArchiveSummary {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw .system(operation: .openDirectory, path: path, errno: errno) }
        return try addTree(root: Descriptor(owning: fd), options: options)
    }

    /// Archives the tree below an open directory: a depth-first walk relative to descriptors,
    /// children sorted by their bytes, a directory before its contents, symlinks stored and never
    /// followed. Devices, fifos and sockets are skipped and counted. The caller keeps `directoryDescriptor`.
    @discardableResult
    public func addTree(directoryDescriptor: Int32, options: TreeOptions = .init()) throws(ArchiveError) -> ArchiveSummary {
        let fd = fcntl(directoryDescriptor, F_DUPFD_CLOEXEC, 0)
        guard fd >= 0 else { throw .system(operation: .openDirectory, path: "fd \(directoryDescriptor)", errno: errno) }
        return try addTree(root: Descriptor(owning: fd), options: options)
    }

    private struct FileIdentity: Hashable {
        var device: UInt64
        var inode: UInt64
    }

    private struct PendingItem {
        var parent: Descriptor
        var name: [UInt8]
        var relativePath: [UInt8]
    }

    private func addTree(root: Descriptor, options: TreeOptions) throws(ArchiveError) -> ArchiveSummary {
        var summary = ArchiveSummary()
        let prefix = Array(options.pathPrefix.utf8)
        if options.includesRootDirectory {
            let info: stat
            do {
                info = try FileSystem.status(root.rawValue)
            } catch {
                throw .system(operation: .stat, path: ".", errno: error.code)
            }
            let name = prefix.isEmpty ? Array("./".utf8) : prefix
            try writeHeader(path: ArchivePathName(bytes: name), type: ArchiveEntry.FileType.directory, metadata: metadata(info, options), display: ".")
            summary.entries += 1
            summary.directories += 1
        }
        var pending = try children(of: root, relativePath: [], display: ".")
        var firstPaths: [FileIdentity: [UInt8]] = [:]
        while let item = pending.popLast() {
            let display = String(decoding: item.relativePath, as: UTF8.self)
            let name = CName(bytes: item.name)
            let info: stat
            do {
                info = try FileSystem.status(item.parent.rawValue, name)
            } catch {
                throw .system(operation: .stat, path: display, errno: error.code)
            }
            let entryName = ArchivePathName(bytes: prefix + item.relativePath)
            let entryMetadata = metadata(info, options)
            switch info.st_mode & FileSystem.typeMask {
            case FileSystem.directoryType:
                try writeHeader(path: entryName, type: ArchiveEntry.FileType.directory, metadata: entryMetadata, display: display)
                summary.directories += 1
                let directory: Descriptor
                do {
                    directory = try FileSystem.openDirectory(item.parent.rawValue, name)
                } catch {
                    throw .system(operation: .openDirectory, path: display, errno: error.code)
                }
                pending.append(contentsOf: try children(of: directory, relativePath: item.relativePath + [UInt8(ascii: "/")], display: display))
            case FileSystem.regularType:
                let identity = FileIdentity(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
                if options.detectsHardlinks, info.st_nlink > 1 {
                    if let first = firstPaths[identity] {
                        try writeHeader(path: entryName, type: ArchiveEntry.FileType.regular, metadata: entryMetadata, hardlink: ArchivePathName(bytes: first), display: display)
                        summary.hardlinks += 1
                        summary.entries += 1
                        continue
                    }
                    firstPaths[identity] = entryName.bytes
                }
                let file: Descriptor
                do {
                    file = try FileSystem.openFile(item.parent.rawValue, name, flags: O_RDONLY | O_NOCTTY)
                } catch {
                    throw .system(operation: .open, path: display, errno: error.code)
                }
                try addFile(path: entryName, metadata: entryMetadata, descriptor: file.rawValue, display: display)
                summary.files += 1
                summary.bytes += Int64(info.st_size)
            case FileSystem.symlinkType:
                let target: [UInt8]
                do {
                    target = try FileSystem.readLink(item.parent.rawValue, name)
                } catch {
                    throw .system(operation: .readLink, path: display, errno: error.code)
                }
                try writeHeader(path: entryName, type: ArchiveEntry.FileType.symlink, metadata: entryMetadata, symlink: ArchivePathName(bytes: target), display: display)
                summary.symlinks += 1
            default:
                summary.skippedSpecialFiles += 1
                continue
            }
            summary.entries += 1
        }
        return summary
    }

    /// The children of `directory` as a stack: sorted by bytes, reversed so the first pops first.
    private func children(of directory: Descriptor, relativePath: [UInt8], display: String) throws(ArchiveError) -> [PendingItem] {
        let names: [[UInt8]]
        do {
            names = try FileSystem.listDirectory(directory.rawValue)
        } catch {
            throw .system(operation: .readDirectory, path: display, errno: error.code)
        }
        return names
            .sorted { $0.lexicographicallyPrecedes($1) }
            .reversed()
            .map { PendingItem(parent: directory, name: $0, relativePath: relativePath + $0) }
    }

    private func metadata(_ info: stat, _ options: TreeOptions) -> EntryMetadata {
        let (uid, gid): (Int64, Int64)
        switch options.ownership {
        case .fromFileSystem: (uid, gid) = (Int64(info.st_uid), Int64(info.st_gid))
        case let .fixed(fixedUID, fixedGID): (uid, gid) = (fixedUID, fixedGID)
        }
        let time = options.fixedModificationTime
            ?? ArchiveTimestamp(seconds: Int64(info.st_mtim.tv_sec), nanoseconds: Int32(truncatingIfNeeded: info.st_mtim.tv_nsec))
        return EntryMetadata(permissions: UInt32(info.st_mode) & 0o7777, uid: uid, gid: gid, modificationTime: time)
    }
}
