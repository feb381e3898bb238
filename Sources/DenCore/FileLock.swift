#if canImport(Glibc)
import Glibc
#endif

/// An exclusive flock(2) on a file: released by `release()`, or by the kernel when the
/// process dies, so a killed den never leaves a lock behind.
public final class FileLock {
    private var fd: Int32 = -1
    public let path: String

    /// Waits for the lock; a shared one excludes only exclusive holders.
    public init(path: String, shared: Bool = false) throws(SystemError) {
        self.path = path
        while true {
            let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
            guard fd >= 0 else { throw SystemError("open", path: path, errno: errno) }
            while flock(fd, shared ? LOCK_SH : LOCK_EX) != 0 {
                guard errno == EINTR else {
                    let saved = errno
                    close(fd)
                    throw SystemError("lock", path: path, errno: saved)
                }
            }
            // The holder we waited for may have removed the file (`den rm` does, for an env's
            // start lock): whoever opens the path now gets a new file and the lock at once, so
            // the old one guards nothing. Hold the lock of the file at the path.
            var held = stat(), current = stat()
            if fstat(fd, &held) == 0, lstat(path, &current) == 0, held.st_dev == current.st_dev, held.st_ino == current.st_ino {
                self.fd = fd
                return
            }
            close(fd)
        }
    }

    /// Removes the lock's file while holding it, then releases it: a den waiting for it
    /// notices and locks whatever is at the path next.
    public func removeFile() {
        guard fd >= 0 else { return }
        unlink(path)
        release()
    }

    public func release() {
        guard fd >= 0 else { return }
        close(fd)
        fd = -1
    }

    deinit { release() }
}
