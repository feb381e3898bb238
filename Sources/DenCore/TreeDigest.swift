import DenFetch
import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A digest of a directory tree that two machines can compare to prove they built the same
/// layer: SHA-256 over one record per entry in byte order of its path — path, type, permission
/// bits, owner and group (as seen where it is computed: inside the user namespace, the env's
/// ids), and the SHA-256 of a file's content, a symlink's target or a device's numbers.
/// Timestamps, inode numbers and extended attributes are left out: they differ between builds
/// of the same files. Symlinks are never followed, and a walk that meets another filesystem
/// (a mount point) stops there, so nothing outside the tree is read.
public enum TreeDigest {
    public static func compute(_ root: String) throws(SystemError) -> String {
        let fd = open(root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { throw SystemError("open", path: root, errno: errno) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let saved = errno
            close(fd)
            throw SystemError("stat", path: root, errno: saved)
        }
        var hasher = SHA256()
        hasher.update(Array(record(path: ".", info, detail: "").utf8))
        try walk(fd, path: "", device: info.st_dev, hasher: &hasher, display: root)
        return hasher.finalize()
    }

    /// Walks the directory `fd` (closed here) in byte order of names.
    private static func walk(_ fd: Int32, path: String, device: dev_t, hasher: inout SHA256, display: String) throws(SystemError) {
        guard let directory = fdopendir(fd) else {
            let saved = errno
            close(fd)
            throw SystemError("read directory", path: "\(display)/\(path)", errno: saved)
        }
        defer { closedir(directory) }
        var names: [[UInt8]] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { Array($0.prefix { $0 != 0 }) }
            if name == [46] || name == [46, 46] { continue }
            names.append(name)
        }
        names.sort { $0.lexicographicallyPrecedes($1) }
        let parent = dirfd(directory)
        let contents = try fileDigests(parent, names, path: path, display: display)
        for name in names {
            let text = String(decoding: name, as: UTF8.self)
            let entryPath = path.isEmpty ? text : "\(path)/\(text)"
            var info = stat()
            guard fstatat(parent, text, &info, AT_SYMLINK_NOFOLLOW) == 0 else {
                throw SystemError("stat", path: "\(display)/\(entryPath)", errno: errno)
            }
            let kind = info.st_mode & S_IFMT
            switch kind {
            case S_IFDIR:
                hasher.update(Array(record(path: entryPath, info, detail: "").utf8))
                // Another filesystem mounted here is not part of the tree.
                guard info.st_dev == device else { continue }
                let child = openat(parent, text, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                guard child >= 0 else { throw SystemError("open", path: "\(display)/\(entryPath)", errno: errno) }
                try walk(child, path: entryPath, device: device, hasher: &hasher, display: display)
            case S_IFREG:
                // Hashed before (in parallel); a file that appeared since is hashed now.
                let digest: String
                if let known = contents[text] {
                    digest = known
                } else {
                    digest = try fileDigest(parent, text, display: "\(display)/\(entryPath)")
                }
                hasher.update(Array(record(path: entryPath, info, detail: digest).utf8))
            case S_IFLNK:
                var target = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
                let count = readlinkat(parent, text, &target, target.count - 1)
                guard count >= 0 else { throw SystemError("read link", path: "\(display)/\(entryPath)", errno: errno) }
                let bytes = target[0..<count].map { UInt8(bitPattern: $0) }
                hasher.update(Array(record(path: entryPath, info, detail: String(decoding: bytes, as: UTF8.self)).utf8))
            case S_IFCHR, S_IFBLK:
                // glibc's major()/minor(), which are macros Swift cannot see.
                let rdev = UInt64(info.st_rdev)
                let major = ((rdev >> 8) & 0xfff) | ((rdev >> 32) & ~UInt64(0xfff))
                let minor = (rdev & 0xff) | ((rdev >> 12) & ~UInt64(0xff))
                hasher.update(Array(record(path: entryPath, info, detail: "\(major):\(minor)").utf8))
            default:
                hasher.update(Array(record(path: entryPath, info, detail: "").utf8))
            }
        }
    }

    /// The content digests of the directory's regular files, hashed by two workers: hashing
    /// is most of the cost, and the records are assembled in order afterwards all the same.
    private static func fileDigests(
        _ parent: Int32, _ names: [[UInt8]], path: String, display: String
    ) throws(SystemError) -> [String: String] {
        let files = names.map { String(decoding: $0, as: UTF8.self) }.filter { name in
            var info = stat()
            return fstatat(parent, name, &info, AT_SYMLINK_NOFOLLOW) == 0 && (info.st_mode & S_IFMT) == S_IFREG
        }
        guard files.count > 1 else { return [:] }
        let results = Mutex([String: String]())
        let failure = Mutex<SystemError?>(nil)
        DispatchQueue.concurrentPerform(iterations: 2) { worker in
            for index in stride(from: worker, to: files.count, by: 2) {
                let name = files[index]
                let entryPath = path.isEmpty ? name : "\(path)/\(name)"
                do throws(SystemError) {
                    let digest = try fileDigest(parent, name, display: "\(display)/\(entryPath)")
                    results.withLock { $0[name] = digest }
                } catch {
                    failure.withLock { if $0 == nil { $0 = error } }
                    return
                }
            }
        }
        if let error = failure.withLock({ $0 }) { throw error }
        return results.withLock { $0 }
    }

    private static func record(path: String, _ info: stat, detail: String) -> String {
        let type = switch info.st_mode & S_IFMT {
        case S_IFDIR: "d"
        case S_IFREG: "f"
        case S_IFLNK: "l"
        case S_IFCHR: "c"
        case S_IFBLK: "b"
        case S_IFIFO: "p"
        default: "s"
        }
        let mode = String(info.st_mode & 0o7777, radix: 8)
        // NUL after the path: no file name can contain one, so records cannot be confused.
        return "\(path)\0\(type) \(mode) \(info.st_uid) \(info.st_gid) \(detail)\n"
    }

    private static func fileDigest(_ parent: Int32, _ name: String, display: String) throws(SystemError) -> String {
        let fd = openat(parent, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { throw SystemError("open", path: display, errno: errno) }
        defer { close(fd) }
        var hasher = SHA256()
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count >= 0 else { throw SystemError("read", path: display, errno: errno) }
            if count == 0 { break }
            buffer.withUnsafeBytes { hasher.update(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
        }
        return hasher.finalize()
    }
}
