#if canImport(Glibc)
import Glibc
#endif

/// The few file operations the core needs, on plain syscalls so every failure keeps its errno.
public enum FileSystem {
    public static func read(_ path: String) throws(SystemError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw SystemError("open", path: path, errno: errno) }
        defer { close(fd) }
        // Straight into uninitialised buffers, the first sized by the file: den reads a few
        // small files on every start, and zeroing a 64 KiB buffer for each was most of it.
        var info = stat()
        var capacity = fstat(fd, &info) == 0 && info.st_size > 0 ? Int(info.st_size) + 1 : 4096
        var result: [UInt8] = []
        while true {
            var failure: Int32 = 0
            let chunk = [UInt8](unsafeUninitializedCapacity: capacity) { buffer, initialized in
                var count = Glibc.read(fd, buffer.baseAddress, buffer.count)
                while count < 0, errno == EINTR { count = Glibc.read(fd, buffer.baseAddress, buffer.count) }
                if count < 0 { failure = errno }
                initialized = max(count, 0)
            }
            if failure != 0 { throw SystemError("read", path: path, errno: failure) }
            if chunk.isEmpty { return result }
            if result.isEmpty { result = chunk } else { result += chunk }
            capacity = 65536
        }
    }

    public static func readText(_ path: String) throws(SystemError) -> String? {
        let bytes = try read(path)
        return String(validating: bytes, as: UTF8.self)
    }

    /// Writes `contents` to a temporary file beside `path`, syncs it and renames it into place,
    /// so readers see the old file or the new one, never a torn one.
    /// With `replacing: false` an existing file is left alone and `EEXIST` is thrown.
    public static func writeAtomically(_ path: String, contents: [UInt8], mode: mode_t = 0o644, replacing: Bool = true) throws(SystemError) {
        let directory = Path.parent(path)
        let temporary = "\(directory)/.\(Path.lastComponent(path)).\(getpid()).tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode)
        guard fd >= 0 else { throw SystemError("create", path: temporary, errno: errno) }
        var failure: SystemError?
        contents.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = write(fd, bytes.baseAddress.map { $0 + offset }, bytes.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    failure = SystemError("write", path: temporary, errno: errno)
                    return
                }
                offset += written
            }
        }
        if failure == nil, fsync(fd) != 0 { failure = SystemError("fsync", path: temporary, errno: errno) }
        close(fd)
        if failure == nil {
            if replacing {
                if rename(temporary, path) != 0 { failure = SystemError("rename", path: path, errno: errno) }
            } else if link(temporary, path) != 0 {
                // link(2) refuses to replace, unlike rename(2): that closes the check-then-write race.
                failure = SystemError("create", path: path, errno: errno)
            }
        }
        unlink(temporary)
        if let failure { throw failure }
    }

    public static func isRegularFile(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
    }

    public static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    public static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    public static func currentDirectory() throws(SystemError) -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        guard getcwd(&buffer, buffer.count) != nil else { throw SystemError("getcwd", errno: errno) }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Names in a directory, without "." and "..".
    public static func directoryEntries(_ path: String) throws(SystemError) -> [String] {
        guard let directory = opendir(path) else { throw SystemError("open directory", path: path, errno: errno) }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { bytes in
                String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }
}
