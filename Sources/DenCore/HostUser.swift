#if canImport(Glibc)
import Glibc
#endif

/// Who is running den on the host.
public struct HostUser: Sendable, Equatable {
    public var name: String
    public var uid: UInt32
    public var gid: UInt32
    public var homeDirectory: String

    public init(name: String, uid: UInt32, gid: UInt32, homeDirectory: String) {
        self.name = name
        self.uid = uid
        self.gid = gid
        self.homeDirectory = homeDirectory
    }

    /// The real user, from the password database; `$HOME` wins for the home directory, as
    /// every shell tool treats it, and `$USER` is never trusted for the name.
    public static func current() -> HostUser {
        let uid = getuid()
        let gid = getgid()
        var name = String(uid)
        var home = "/"
        var entry = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 16384)
        if getpwuid_r(uid, &entry, &buffer, buffer.count, &result) == 0, result != nil {
            name = String(cString: entry.pw_name)
            home = String(cString: entry.pw_dir)
        }
        if let value = getenv("HOME"), value.pointee != 0 {
            home = String(cString: value)
        }
        return HostUser(name: name, uid: uid, gid: gid, homeDirectory: home)
    }
}
