import Glibc

/// An errno from a failed system call, before it is given an operation and a path.
struct Errno: Error, Hashable {
    var code: Int32
}

/// Thin fd-relative wrappers that read errno right after the call. Nothing here follows a
/// symlink in the last component.
enum FileSystem {
    static let typeMask: UInt32 = 0o170000
    static let directoryType: UInt32 = 0o040000
    static let regularType: UInt32 = 0o100000
    static let symlinkType: UInt32 = 0o120000

    static func isDirectory(_ info: stat) -> Bool { info.st_mode & typeMask == directoryType }
    static func isRegular(_ info: stat) -> Bool { info.st_mode & typeMask == regularType }
    static func isSymlink(_ info: stat) -> Bool { info.st_mode & typeMask == symlinkType }

    static func openDirectory(_ directory: Int32, _ name: CName) throws(Errno) -> Descriptor {
        let (fd, code) = name.call { path in
            let fd = openat(directory, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            return (fd, errno)
        }
        guard fd >= 0 else { throw Errno(code: code) }
        return Descriptor(owning: fd)
    }

    static func openFile(_ directory: Int32, _ name: CName, flags: Int32, mode: mode_t = 0) throws(Errno) -> Descriptor {
        let (fd, code) = name.call { path in
            let fd = openat(directory, path, flags | O_NOFOLLOW | O_CLOEXEC, mode)
            return (fd, errno)
        }
        guard fd >= 0 else { throw Errno(code: code) }
        return Descriptor(owning: fd)
    }

    static func status(_ directory: Int32, _ name: CName) throws(Errno) -> stat {
        var info = stat()
        let (result, code) = name.call { path in
            let result = fstatat(directory, path, &info, AT_SYMLINK_NOFOLLOW)
            return (result, errno)
        }
        guard result == 0 else { throw Errno(code: code) }
        return info
    }

    static func status(_ descriptor: Int32) throws(Errno) -> stat {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw Errno(code: errno) }
        return info
    }

    static func readLink(_ directory: Int32, _ name: CName) throws(Errno) -> [UInt8] {
        var capacity = 256
        while true {
            var buffer = [CChar](repeating: 0, count: capacity)
            let (count, code) = name.call { path in
                let count = buffer.withUnsafeMutableBufferPointer { target in
                    guard let base = target.baseAddress else { return -1 }
                    return readlinkat(directory, path, base, capacity)
                }
                return (count, errno)
            }
            guard count >= 0 else { throw Errno(code: code) }
            if count < capacity { return buffer.prefix(count).map { UInt8(bitPattern: $0) } }
            // A symlink target is at most PATH_MAX bytes; stop growing well past that.
            guard capacity < 1 << 16 else { throw Errno(code: ENAMETOOLONG) }
            capacity *= 2
        }
    }

    static func makeDirectory(_ directory: Int32, _ name: CName, mode: mode_t) throws(Errno) {
        let (result, code) = name.call { path in
            let result = mkdirat(directory, path, mode)
            return (result, errno)
        }
        guard result == 0 else { throw Errno(code: code) }
    }

    static func makeSymlink(target: CName, in directory: Int32, _ name: CName) throws(Errno) {
        let (result, code) = target.call { targetPath in
            name.call { path in
                let result = symlinkat(targetPath, directory, path)
                return (result, errno)
            }
        }
        guard result == 0 else { throw Errno(code: code) }
    }

    static func makeHardlink(from sourceDirectory: Int32, _ sourceName: CName, in directory: Int32, _ name: CName) throws(Errno) {
        let (result, code) = sourceName.call { source in
            name.call { path in
                let result = linkat(sourceDirectory, source, directory, path, 0)
                return (result, errno)
            }
        }
        guard result == 0 else { throw Errno(code: code) }
    }

    static func rename(_ directory: Int32, _ from: CName, to: CName) throws(Errno) {
        let (result, code) = from.call { source in
            to.call { destination in
                let result = renameat(directory, source, directory, destination)
                return (result, errno)
            }
        }
        guard result == 0 else { throw Errno(code: code) }
    }

    static func remove(_ directory: Int32, _ name: CName, isDirectory: Bool) throws(Errno) {
        let (result, code) = name.call { path in
            let result = unlinkat(directory, path, isDirectory ? AT_REMOVEDIR : 0)
            return (result, errno)
        }
        guard result == 0 else { throw Errno(code: code) }
    }

    static func setTimes(_ directory: Int32, _ name: CName, modification: ArchiveTimestamp) throws(Errno) {
        let times = timeSpecs(modification)
        let (result, code) = name.call { path in
            let result = utimensat(directory, path, times, AT_SYMLINK_NOFOLLOW)
            return (result, errno)
        }
        guard result == 0 else { throw Errno(code: code) }
    }

    static func setTimes(_ descriptor: Int32, modification: ArchiveTimestamp) throws(Errno) {
        guard futimens(descriptor, timeSpecs(modification)) == 0 else { throw Errno(code: errno) }
    }

    static func setOwner(_ directory: Int32, _ name: CName, uid: uid_t, gid: gid_t) throws(Errno) {
        let (result, code) = name.call { path in
            let result = fchownat(directory, path, uid, gid, AT_SYMLINK_NOFOLLOW)
            return (result, errno)
        }
        guard result == 0 else { throw Errno(code: code) }
    }

    /// `UTIME_OMIT` from <sys/stat.h>; the macro is not imported into Swift.
    static let omitTime = (1 << 30) - 2

    /// Access time is left alone; only the modification time is archive data. The nanoseconds of
    /// a hostile header are clamped, since the kernel rejects values outside 0..<1e9.
    /// An array, not a tuple: the calls read two adjacent timespecs, and `&tuple.0` points at a
    /// copy of the first only once the optimizer has its way.
    private static func timeSpecs(_ modification: ArchiveTimestamp) -> [timespec] {
        let nanoseconds = Int(min(max(modification.nanoseconds, 0), 999_999_999))
        return [timespec(tv_sec: 0, tv_nsec: omitTime), timespec(tv_sec: Int(modification.seconds), tv_nsec: nanoseconds)]
    }

    /// Writes all of `block` at `offset`, retrying short writes and interrupted calls.
    static func write(_ descriptor: Int32, _ block: UnsafeRawBufferPointer, at offset: Int64) throws(Errno) {
        guard let base = block.baseAddress else { return }
        var done = 0
        while done < block.count {
            let count = pwrite(descriptor, base + done, block.count - done, off_t(offset) + off_t(done))
            if count < 0 {
                if errno == EINTR { continue }
                throw Errno(code: errno)
            }
            if count == 0 { throw Errno(code: EIO) }
            done += count
        }
    }

    /// Reads up to `buffer.count` bytes at `offset`; 0 means end of file.
    static func read(_ descriptor: Int32, into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws(Errno) -> Int {
        while true {
            let count = pread(descriptor, buffer.baseAddress, buffer.count, off_t(offset))
            if count >= 0 { return count }
            if errno != EINTR { throw Errno(code: errno) }
        }
    }

    /// The names in an open directory except `.` and `..`, as raw bytes, unsorted.
    static func listDirectory(_ descriptor: Int32) throws(Errno) -> [[UInt8]] {
        // fdopendir takes over the descriptor it is given, so it gets a duplicate.
        let duplicate = fcntl(descriptor, F_DUPFD_CLOEXEC, 0)
        guard duplicate >= 0 else { throw Errno(code: errno) }
        guard let stream = fdopendir(duplicate) else {
            let code = errno
            close(duplicate)
            throw Errno(code: code)
        }
        defer { closedir(stream) }
        rewinddir(stream)
        var names: [[UInt8]] = []
        while true {
            errno = 0
            guard let entry = readdir(stream) else {
                if errno != 0 { throw Errno(code: errno) }
                return names
            }
            let name = withUnsafeBytes(of: &entry.pointee.d_name) { raw in
                Array(raw.prefix { $0 != 0 })
            }
            if name == [0x2e] || name == [0x2e, 0x2e] { continue }
            names.append(name)
        }
    }
}
