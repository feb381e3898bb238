import Foundation

/// A tiny offline root filesystem: Debian's statically linked busybox (package
/// busybox-static) with a link per applet, and just enough of /etc for a shell to start.
/// Runtime tests enter it instead of a real distribution: no network, made in milliseconds.
public enum BusyboxRootfs {
    public static let busybox = "/bin/busybox"

    /// Makes the tree at `path` (which must not exist yet) and hands it to `owner`.
    public static func make(at path: String, owner: TestUser? = nil) throws {
        let fm = FileManager.default
        guard fm.isExecutableFile(atPath: busybox) else {
            throw TestFailure("\(busybox) is missing: install Debian's busybox-static (`make deps`)")
        }
        // The rootfs has no libc: a dynamically linked busybox (package busybox) would not start.
        let ldd = try ProcessRunner.run("/usr/bin/ldd", [busybox])
        if ldd.status == 0 {
            throw TestFailure("\(busybox) is dynamically linked; install busybox-static, not busybox")
        }
        for directory in ["bin", "sbin", "usr/bin", "usr/sbin", "etc", "root", "home", "tmp", "proc", "sys", "dev", "run", "var/tmp"] {
            try fm.createDirectory(atPath: "\(path)/\(directory)", withIntermediateDirectories: true)
        }
        chmod("\(path)/tmp", 0o1777)
        try fm.copyItem(atPath: busybox, toPath: "\(path)/bin/busybox")
        let list = try ProcessRunner.run(busybox, ["--list-full"])
        guard list.status == 0 else { throw TestFailure("busybox --list-full failed: \(list)") }
        for applet in list.standardOutput.split(separator: "\n") where applet != "bin/busybox" {
            let link = "\(path)/\(applet)"
            guard !fm.fileExists(atPath: link) else { continue }
            let depth = applet.split(separator: "/").count - 1
            let target = String(repeating: "../", count: depth) + "bin/busybox"
            try fm.createSymbolicLink(atPath: link, withDestinationPath: target)
        }
        try "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n"
            .write(toFile: "\(path)/etc/passwd", atomically: true, encoding: .utf8)
        try "root:x:0:\nnogroup:x:65534:\n".write(toFile: "\(path)/etc/group", atomically: true, encoding: .utf8)
        try "NAME=\"den busybox test rootfs\"\nID=busybox\n".write(toFile: "\(path)/etc/os-release", atomically: true, encoding: .utf8)
        if let owner { try chownTree(path, to: owner) }
    }

    private static func chownTree(_ path: String, to owner: TestUser) throws {
        guard getuid() == 0 else { return }
        let result = try ProcessRunner.run("/bin/chown", ["-R", "-h", "\(owner.uid):\(owner.gid)", path])
        guard result.status == 0 else { throw TestFailure("chown -R failed: \(result)") }
    }
}
