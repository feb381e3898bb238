import CDenShim

/// The operations the C side executes, in order (see `den_shim.h`). Building the list is
/// pure, so the mount layout is tested without entering anything.
public struct SandboxPlan: Sendable, Equatable {
    public struct Operation: Sendable, Equatable {
        public var code: Int
        public var arguments: [String]

        public init(_ code: Int, _ arguments: [String] = []) {
            self.code = code
            self.arguments = arguments
        }
    }

    public var operations: [Operation]

    /// The device nodes of the minimal /dev, bound from the host (a user namespace cannot mknod).
    public static let devices = ["null", "zero", "full", "random", "urandom", "tty"]

    public init(_ spec: SandboxSpec) {
        var ops: [Operation] = []
        switch spec.session {
        case .join(let initPID):
            ops.append(Operation(DEN_OP_JOIN, ["\(initPID)"]))
        case .create(let socketDirectory, let socketName):
            ops += Self.setup(spec, socketDirectory: socketDirectory, socketName: socketName)
        }
        for directory in spec.directories {
            ops.append(Operation(DEN_OP_MKDIR, [directory.path, String(directory.mode, radix: 8), "\(directory.uid)", "\(directory.gid)"]))
        }
        for file in spec.files {
            ops.append(Operation(DEN_OP_WRITE, [file.path, String(file.mode, radix: 8), "\(file.uid)", "\(file.gid)", file.contents]))
        }
        if case .create = spec.session {
            ops.append(Operation(DEN_OP_PIVOT))
            if spec.isolatesNetwork { ops.append(Operation(DEN_OP_LOOPBACK)) }
            ops.append(Operation(DEN_OP_HOSTNAME, [spec.hostname]))
        }
        ops.append(Operation(DEN_OP_ENV, spec.environment))
        let clearsGroups = if case .subordinate = spec.identity { "1" } else { "0" }
        ops.append(Operation(DEN_OP_EXEC, [
            spec.workingDirectory, spec.fallbackWorkingDirectory, "\(spec.uid)", "\(spec.gid)", clearsGroups,
            spec.nestsUserNamespace ? "1" : "0",
            spec.terminal.map { "\($0.rows) \($0.columns)" } ?? "-",
        ] + spec.command))
        operations = ops
    }

    /// Entering only the user namespace, to delete a tree whose files belong to the env's ids.
    public static func removal(of path: String, identity: SandboxSpec.Identity) -> SandboxPlan {
        var plan = SandboxPlan(operations: [userNamespace(identity)])
        plan.operations.append(Operation(DEN_OP_REMOVE_TREE, [path]))
        return plan
    }

    /// den itself, re-executed on the host's tree inside the user namespace only, as the owner
    /// of the env's system files (see `Sandbox.runHelper`). With `overlay`, in a mount
    /// namespace of its own where that overlay is mounted at its mountpoint (a layer being
    /// built, seen merged with the layers below it).
    public static func helper(
        _ arguments: [String], identity: SandboxSpec.Identity, environment: [String], overlay: SandboxSpec.Overlay? = nil
    ) -> SandboxPlan {
        let (uid, gid): (UInt32, UInt32) = switch identity {
        case .subordinate: (0, 0)
        case .single(let uid, let gid): (uid, gid)
        }
        let clearsGroups = if case .subordinate = identity { "1" } else { "0" }
        var ops = [userNamespace(identity)]
        if let overlay {
            ops.append(Operation(DEN_OP_NAMESPACES, ["\(DEN_CLONE_NEWNS)"]))
            ops.append(rootOverlay(overlay, owner: (uid, gid)))
        }
        ops.append(Operation(DEN_OP_ENV, environment))
        ops.append(Operation(DEN_OP_EXEC, ["/", "/", "\(uid)", "\(gid)", clearsGroups, "0", "-", "/proc/self/exe"] + arguments))
        return SandboxPlan(operations: ops)
    }

    private static func rootOverlay(_ overlay: SandboxSpec.Overlay, owner: (uid: UInt32, gid: UInt32)) -> Operation {
        let options = [
            "lowerdir=\(join(overlay.lowerDirectories.map(Self.escapeOverlayPath), separator: ":"))",
            "upperdir=\(Self.escapeOverlayPath(overlay.upperDirectory))",
            "workdir=\(Self.escapeOverlayPath(overlay.workDirectory))",
            // Unprivileged overlay keeps its metadata in user.* xattrs (trusted.* needs real root).
            "userxattr",
        ]
        return Operation(DEN_OP_ROOT_OVERLAY, [overlay.mountpoint, join(options, separator: ","), "\(owner.uid)", "\(owner.gid)"])
    }

    init(operations: [Operation]) {
        self.operations = operations
    }

    static func userNamespace(_ identity: SandboxSpec.Identity) -> Operation {
        switch identity {
        case .subordinate: Operation(DEN_OP_USERNS_HELPER, ["0", "0"])
        case .single(let uid, let gid): Operation(DEN_OP_USERNS_SINGLE, ["\(uid)", "\(uid)", "\(gid)", "\(gid)"])
        }
    }

    /// A new env: namespaces, the root filesystem and the system mounts, the session socket.
    private static func setup(_ spec: SandboxSpec, socketDirectory: String, socketName: String) -> [Operation] {
        var ops = [userNamespace(spec.identity)]
        // The last mount's "work" would be emptied and recreated by this one, on the way in:
        // moved aside instead, and deleted while the command runs (see sandbox.c).
        ops.append(Operation(DEN_OP_SET_ASIDE, [spec.overlay.workDirectory, "work", "old"]))
        var flags = DEN_CLONE_NEWNS | DEN_CLONE_NEWPID | DEN_CLONE_NEWUTS | DEN_CLONE_NEWIPC
        if spec.isolatesNetwork { flags |= DEN_CLONE_NEWNET }
        ops.append(Operation(DEN_OP_NAMESPACES, ["\(flags)"]))

        ops.append(Self.rootOverlay(spec.overlay, owner: spec.rootOwner))

        let nosuidNodev = DEN_MS_NOSUID | DEN_MS_NODEV
        ops.append(Operation(DEN_OP_MOUNT, ["proc", "/proc", "\(nosuidNodev | DEN_MS_NOEXEC)", ""]))
        // sysfs can only be mounted by the owner of the network namespace: bind the host's, read-only.
        ops.append(Operation(DEN_OP_BIND, ["/sys", "/sys", "\(DEN_BIND_READONLY | DEN_BIND_RECURSIVE)"]))
        ops.append(Operation(DEN_OP_MOUNT, ["tmpfs", "/dev", "\(DEN_MS_NOSUID | DEN_MS_NOEXEC)", "mode=0755,size=1m"]))
        for device in Self.devices {
            ops.append(Operation(DEN_OP_BIND, ["/dev/\(device)", "/dev/\(device)", "0"]))
        }
        // A private devpts: ptys opened inside are the env's own, not the host's.
        var ptsOptions = "newinstance,ptmxmode=0666,mode=0620"
        if spec.identity.mapsGID(5) { ptsOptions += ",gid=5" }  // Debian's tty group
        ops.append(Operation(DEN_OP_MOUNT, ["devpts", "/dev/pts", "\(DEN_MS_NOSUID | DEN_MS_NOEXEC)", ptsOptions]))
        ops.append(Operation(DEN_OP_SYMLINK, ["pts/ptmx", "/dev/ptmx"]))
        ops.append(Operation(DEN_OP_MOUNT, ["tmpfs", "/dev/shm", "\(nosuidNodev)", "mode=1777"]))
        for (name, target) in [("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"), ("stdout", "/proc/self/fd/1"),
                               ("stderr", "/proc/self/fd/2")] {
            ops.append(Operation(DEN_OP_SYMLINK, [target, "/dev/\(name)"]))
        }
        ops.append(Operation(DEN_OP_MOUNT, ["tmpfs", "/tmp", "\(nosuidNodev)", "mode=1777"]))
        // A build writes a layer: no mount point of den's own may be left in it.
        if spec.purpose == .environment {
            ops.append(Operation(DEN_OP_MOUNT, ["tmpfs", "/run/den", "\(nosuidNodev)", "mode=0755"]))
            for file in ["/etc/resolv.conf", "/etc/hosts"] {
                ops.append(Operation(DEN_OP_BIND, [file, file, "\(DEN_BIND_READONLY | DEN_BIND_OPTIONAL)"]))
            }
        }
        for bind in spec.binds {
            var bindFlags = DEN_BIND_RECURSIVE
            if bind.isReadOnly { bindFlags |= DEN_BIND_READONLY }
            if bind.isOptional { bindFlags |= DEN_BIND_OPTIONAL }
            ops.append(Operation(DEN_OP_BIND, [bind.source, bind.target, "\(bindFlags)"]))
        }
        // A build is not joined: no session socket.
        if spec.purpose == .build { return ops }
        // The socket belongs to the user (their own id is mapped to itself in both modes).
        let owner = spec.socketOwner
        ops.append(Operation(DEN_OP_LISTEN, [socketDirectory, socketName, "\(owner.uid)", "\(owner.gid)"]))
        return ops
    }

    /// The wire form read by `read_plan` in sandbox.c.
    public func encoded() -> [UInt8] {
        var bytes = Array("DEN1".utf8)
        func append(_ value: UInt32) {
            withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
        }
        for operation in operations {
            append(UInt32(operation.code))
            append(UInt32(operation.arguments.count))
            for argument in operation.arguments {
                let utf8 = Array(argument.utf8)
                append(UInt32(utf8.count))
                bytes.append(contentsOf: utf8)
            }
        }
        var framed: [UInt8] = []
        withUnsafeBytes(of: UInt32(bytes.count).littleEndian) { framed.append(contentsOf: $0) }
        return framed + bytes
    }

    /// `parts` with `separator` between them. Not joined(separator:), which finds [String]'s
    /// Collection conformance at run time the first time, by scanning every conformance in
    /// the binary: ~0.1 ms of each env entry.
    static func join(_ parts: [String], separator: String) -> String {
        var text = ""
        for part in parts {
            if !text.isEmpty { text += separator }
            text += part
        }
        return text
    }

    /// overlayfs splits its options on ',' and lowerdir on ':'; both may be escaped with '\'.
    static func escapeOverlayPath(_ path: String) -> String {
        var escaped = ""
        for character in path {
            if character == "," || character == ":" || character == "\\" { escaped.append("\\") }
            escaped.append(character)
        }
        return escaped
    }
}
