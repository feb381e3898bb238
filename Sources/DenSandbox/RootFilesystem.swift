import CDenShim
#if canImport(Glibc)
import Glibc
#endif

/// Reading a root filesystem from the host as if from inside it: symlinks resolve with the
/// tree's top as "/", so an absolute link never reaches the host's files.
public enum RootFilesystem {
    public static func contains(_ path: String, in root: String) -> Bool {
        let fd = den_open_in_root(root, path, Int32(DEN_O_PATH))
        guard fd >= 0 else { return false }
        close(fd)
        return true
    }

    /// The file's bytes, or nil when it is missing or unreadable; at most `limit` bytes.
    public static func read(_ path: String, in root: String, limit: Int = 16 << 20) -> [UInt8]? {
        let fd = den_open_in_root(root, path, O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var result: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while result.count <= limit {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            if count < 0 { return nil }
            if count == 0 { return result }
            result += buffer[0..<count]
        }
        return nil
    }
}
