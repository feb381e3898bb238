import CDenShim
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Runs commands in a sandbox by re-executing den (see `sandbox.c`): this side spawns,
/// feeds the plan, writes id maps on request and waits.
public enum Sandbox {
    /// Runs `spec`'s command and waits for it. Call from the main thread: the child's
    /// parent-death signal is tied to the thread that spawned it.
    /// `onRunning` is called once the command runs (and an env being created serves its
    /// session socket), or when starting it failed.
    public static func run(
        _ spec: SandboxSpec, idMapHelpers: IDMapHelpers = .standard, output: SandboxOutput = .inherit,
        onRunning: () -> Void = {}
    ) throws(SandboxError) -> SandboxOutcome {
        try execute(SandboxPlan(spec), identity: spec.identity, idMapHelpers: idMapHelpers, output: output, cgroup: spec.cgroup,
                    onRunning: onRunning)
    }

    /// Runs den itself (`arguments` after the program name) on the host's tree, inside a user
    /// namespace with `identity`, as the id that owns the env's system files: work on a tree
    /// whose files must belong to the env's ids (unpacking a layer) without entering it.
    public static func runHelper(
        _ arguments: [String], identity: SandboxSpec.Identity, environment: [String], overlay: SandboxSpec.Overlay? = nil,
        output: SandboxOutput
    ) throws(SandboxError) -> SandboxOutcome {
        try execute(SandboxPlan.helper(arguments, identity: identity, environment: environment, overlay: overlay),
                    identity: identity, idMapHelpers: .standard, output: output, onRunning: {})
    }

    /// Deletes the directory tree at `path` from inside a user namespace with `identity`:
    /// files the env's root made belong to subordinate ids the user cannot touch from outside.
    /// Symlinks are not followed and mount points not crossed.
    public static func removeTree(_ path: String, identity: SandboxSpec.Identity) throws(SandboxError) {
        let outcome = try execute(SandboxPlan.removal(of: path, identity: identity), identity: identity,
                                  idMapHelpers: .standard, output: .discard, onRunning: {})
        guard outcome == .finished(.exited(0)) else {
            throw SandboxError(stage: .protocolError, errno: EIO, detail: "removing '\(path)' ended with \(outcome)")
        }
    }

    /// Gives the child forked at den's start (see sandbox.c) its user namespace now, and has
    /// newuidmap and newgidmap write its maps while den goes on: they cost ~1.5 ms, the
    /// slowest step of starting an env, and need nothing from the manifest. The next sandbox
    /// of a new env with `identity` that keeps den's stdio uses that child; unused, it leaves
    /// when den does. A single map costs the child nothing to write itself: nothing to start
    /// early.
    public static func prepareUserNamespace(_ identity: SandboxSpec.Identity, idMapHelpers: IDMapHelpers = .standard) {
        guard case .subordinate = identity else { return }
        var control: Int32 = -1, report: Int32 = -1
        let pid = den_take_preforked(&control, &report)
        guard pid > 0 else { return }
        let step = SandboxPlan.userNamespace(identity)
        var record = den_report()
        var receivedFD: Int32 = -1
        // Anything unexpected: let the child go, and the ordinary start says what is wrong.
        guard writeAll(control, SandboxPlan(operations: [step]).encoded()),
              den_read_report(report, &record, &receivedFD) == 1, record.kind == DEN_REPORT_NEED_MAPS,
              let maps = try? idMapHelpers.start(identity, pid: record.value)
        else {
            if receivedFD >= 0 { close(receivedFD) }
            close(control)
            close(report)
            _ = wait(for: pid)
            return
        }
        earlyChild.withLock {
            $0 = EarlyChild(pid: pid, control: control, report: report, identity: identity, step: step, maps: maps)
        }
    }

    /// The child `prepareUserNamespace` started, until a sandbox takes it.
    private struct EarlyChild: Sendable {
        var pid: pid_t
        var control: Int32
        var report: Int32
        var identity: SandboxSpec.Identity
        var step: SandboxPlan.Operation
        var maps: PendingMaps
    }

    private static let earlyChild = Mutex<EarlyChild?>(nil)

    static func execute(
        _ plan: SandboxPlan, identity: SandboxSpec.Identity, idMapHelpers: IDMapHelpers, output: SandboxOutput,
        cgroup: String? = nil, onRunning: () -> Void
    ) throws(SandboxError) -> SandboxOutcome {
        var control: [Int32] = [-1, -1], report: [Int32] = [-1, -1]
        var child: pid_t = -1
        var plan = plan
        // Its maps written, the early child wants the rest of a plan that starts as its did
        // (a build's helpers, which come first, leave it alone; unused, it ends with den).
        var mapsFailure: SandboxError?
        let early = earlyChild.withLock { slot -> EarlyChild? in
            guard let waiting = slot, output == .inherit, identity == waiting.identity, plan.operations.first == waiting.step
            else { return nil }
            slot = nil
            return waiting
        }
        if let early {
            (child, control[1], report[0]) = (early.pid, early.control, early.report)
            plan.operations.removeFirst()
            do {
                try early.maps.finish()
                _ = writeAll(early.control, [1])
            } catch {
                mapsFailure = error
                _ = writeAll(early.control, [0])
            }
        }
        // Otherwise the child forked at den's start serves the first sandbox that keeps den's
        // stdio, and any later one is den re-executed.
        if child <= 0, output == .inherit { child = den_take_preforked(&control[1], &report[0]) }
        if child <= 0 {
            var rc = den_pipe(&control)
            guard rc == 0 else { throw SandboxError(stage: .spawn, errno: -rc, detail: "pipe") }
            // A socket, not a pipe: the child hands over `den shell`'s terminal on it.
            rc = den_socketpair(&report)
            guard rc == 0 else {
                close(control[0])
                close(control[1])
                throw SandboxError(stage: .spawn, errno: -rc, detail: "pipe")
            }
            child = den_spawn_sandbox(control[0], report[1], environ, output.descriptor)
            close(control[0])
            close(report[1])
        }
        defer {
            close(control[1])
            close(report[0])
        }
        guard child > 0 else { throw SandboxError(stage: .spawn, errno: -child, detail: "/proc/self/exe") }
        // The child waits for its plan: placed now, everything it starts is in the cgroup.
        if let cgroup {
            let procs = "\(cgroup)/cgroup.procs"
            let fd = open(procs, O_WRONLY | O_CLOEXEC)
            let placed = fd >= 0 && "\(child)".withCString { Glibc.write(fd, $0, strlen($0)) } >= 0
            let code = errno
            if fd >= 0 { close(fd) }
            guard placed else {
                kill(child, SIGKILL)
                _ = wait(for: child)
                throw SandboxError(stage: .cgroup, errno: code, detail: procs)
            }
        }

        den_forward_signals(child)
        defer { den_restore_signals() }

        // A child that dies early closes its end: the write fails (EPIPE, SIGPIPE is ignored)
        // and the report pipe says why.
        _ = writeAll(control[1], plan.encoded())

        var failure = mapsFailure
        var commandFailure: (command: String, errno: Int32)?
        var exited: Termination?
        var record = den_report()
        var announced = false
        defer { if !announced { onRunning() } }
        var receivedFD: Int32 = -1
        // `den shell`'s pseudo-terminal, relayed between reports while the command runs.
        var terminal: Int32 = -1
        defer {
            if terminal >= 0 {
                den_relay_terminal(terminal, -1, 1)
                den_terminal_end()
                close(terminal)
            }
        }
        var isTerminalOpen = false
        reading: while true {
            // Relay until a report arrives (or every process has closed the terminal).
            if isTerminalOpen, den_relay_terminal(terminal, report[0], 0) == 0 { isTerminalOpen = false }
            guard den_read_report(report[0], &record, &receivedFD) == 1 else { break }
            if record.kind == DEN_REPORT_TERMINAL, receivedFD >= 0, terminal < 0 {
                terminal = receivedFD
                isTerminalOpen = true
                den_terminal_begin(terminal)
                continue
            } else if receivedFD >= 0 {
                close(receivedFD)
            }
            let detail = withUnsafeBytes(of: record.detail) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            switch Int(record.kind) {
            case DEN_REPORT_NEED_MAPS:
                do {
                    try idMapHelpers.write(identity, pid: record.value)
                    _ = writeAll(control[1], [1])
                } catch {
                    failure = error
                    _ = writeAll(control[1], [0])
                }
            case DEN_REPORT_ERROR:
                failure = failure ?? SandboxError(operation: record.op, errno: record.error, detail: detail)
            case DEN_REPORT_RUNNING:
                announced = true
                onRunning()
            case DEN_REPORT_EXEC_FAILED:
                commandFailure = (detail, record.error)
            case DEN_REPORT_EXITED:
                exited = record.error > 0 ? .signalled(record.error) : .exited(record.value)
                break reading
            default:
                break
            }
        }
        if let failure {
            _ = wait(for: child)
            throw failure
        }
        if let commandFailure { return .commandFailed(command: commandFailure.command, errno: commandFailure.errno) }
        // Once the command has exited its status is all den reports: the env either goes on
        // for other sessions or is being torn down by the kernel, and den need not wait.
        if let exited { return .finished(exited) }
        let termination = wait(for: child)
        // Setup exits with 125 only after reporting; without a report the child was killed
        // or broke the protocol before the command ran.
        return .finished(termination)
    }

    static func wait(for pid: pid_t) -> Termination {
        (try? Termination.waiting(for: pid)) ?? .exited(125)
    }

    @discardableResult
    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let count = bytes.withUnsafeBytes { buffer in
                buffer.baseAddress.map { write(fd, $0 + offset, bytes.count - offset) } ?? -1
            }
            if count < 0, errno == EINTR { continue }
            if count <= 0 { return false }
            offset += count
        }
        return true
    }
}

/// Where a sandboxed command's stdio goes.
public enum SandboxOutput: Sendable, Equatable {
    /// den's own stdin, stdout and stderr, untouched.
    case inherit
    /// /dev/null for all three (probes).
    case discard
    /// stdout and stderr into this open descriptor (a build log); stdin is /dev/null.
    case file(Int32)

    var descriptor: Int32 {
        switch self {
        case .inherit: Int32(DEN_OUTPUT_INHERIT)
        case .discard: Int32(DEN_OUTPUT_DISCARD)
        case .file(let fd): fd
        }
    }
}
