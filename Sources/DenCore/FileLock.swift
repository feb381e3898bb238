#if canImport(Glibc)
import Glibc
#endif

/// An exclusive flock(2) on a file: released by `release()`, or by the kernel when the
/// process dies, so a killed den never leaves a lock behind.
public final class FileLock {
    private var fd: Int32

    /// Waits for the lock; a shared one excludes only exclusive holders.
    public init(path: String, shared: Bool = false) throws(SystemError) {
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { throw SystemError("open", path: path, errno: errno) }
        while flock(fd, shared ? LOCK_SH : LOCK_EX) != 0 {
            guard errno == EINTR else {
                let saved = errno
                close(fd)
                throw SystemError("lock", path: path, errno: saved)
            }
        }
    }

    public func release() {
        guard fd >= 0 else { return }
        close(fd)
        fd = -1
    }

    deinit { release() }
}
