#if canImport(Glibc)
import Glibc
#endif

/// A download being written next to its destination. It becomes the destination only through
/// `commit`; every other way out goes through `discard`, so a reader of the destination never
/// sees a partial or unverified file.
final class PartialFile {
    let destination: String
    let path: String
    private var descriptor: Int32
    private(set) var hasher = SHA256()
    private(set) var size: Int64 = 0
    private var isCommitted = false

    /// Same directory as the destination so that the final rename cannot cross file systems;
    /// a dot name so that a listing of the cache does not show it.
    init(destination: String) throws(FetchError) {
        guard let name = destination.split(separator: "/").last, !destination.hasSuffix("/") else {
            throw .filesystem(path: destination, errno: EISDIR)
        }
        let prefix = destination.dropLast(name.count)
        var lastError: Int32 = EEXIST
        for _ in 0..<8 {
            let candidate = "\(prefix).\(name).partial-\(String(UInt32.random(in: .min ... .max), radix: 16))"
            let fd = open(candidate, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
            if fd >= 0 {
                self.destination = destination
                self.path = candidate
                self.descriptor = fd
                return
            }
            lastError = errno
            guard lastError == EEXIST else { throw .filesystem(path: candidate, errno: lastError) }
        }
        throw .filesystem(path: destination, errno: lastError)
    }

    deinit {
        if descriptor >= 0 { close(descriptor) }
    }

    var directory: String {
        guard let slash = destination.lastIndex(of: "/") else { return "." }
        return slash == destination.startIndex ? "/" : String(destination[..<slash])
    }

    func append(_ bytes: UnsafeRawBufferPointer) throws(FetchError) {
        guard let base = bytes.baseAddress else { return }
        hasher.update(bytes)
        var offset = 0
        while offset < bytes.count {
            let written = write(descriptor, base + offset, bytes.count - offset)
            if written < 0 {
                let code = errno
                if code == EINTR { continue }
                throw .filesystem(path: path, errno: code)
            }
            offset += written
        }
        size += Int64(bytes.count)
    }

    /// Empties the file for another attempt: a retry starts from the first byte, so the hash
    /// covers exactly what ends up on disk.
    func restart() throws(FetchError) {
        if ftruncate(descriptor, 0) != 0 || lseek(descriptor, 0, SEEK_SET) != 0 {
            throw .filesystem(path: path, errno: errno)
        }
        hasher = SHA256()
        size = 0
    }

    /// Makes the data durable before the rename, so that after a crash the destination is
    /// either absent or complete, then syncs the directory so the rename itself survives.
    func commit() throws(FetchError) {
        if fsync(descriptor) != 0 { throw .filesystem(path: path, errno: errno) }
        let result = close(descriptor)
        descriptor = -1
        if result != 0 { throw .filesystem(path: path, errno: errno) }
        if rename(path, destination) != 0 { throw .filesystem(path: destination, errno: errno) }
        isCommitted = true
        let directoryDescriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard directoryDescriptor >= 0 else { throw .filesystem(path: directory, errno: errno) }
        defer { close(directoryDescriptor) }
        if fsync(directoryDescriptor) != 0 { throw .filesystem(path: directory, errno: errno) }
    }

    /// Removes the file unless `commit` already renamed it into place.
    func discard() {
        if descriptor >= 0 {
            close(descriptor)
            descriptor = -1
        }
        if !isCommitted { unlink(path) }
    }
}
