#if canImport(Glibc)
import Glibc
#endif

/// Runs a host program (gpgv, say) and collects what it printed. Used for short-lived
/// tools only: output is kept in memory.
public enum Subprocess {
    public struct Result: Sendable, Equatable {
        public var status: Int32
        public var output: String
        public var error: String
    }

    public static func run(_ arguments: [String], environment: [String]? = nil) throws(SystemError) -> Result {
        guard let executable = arguments.first else { throw SystemError("run", errno: EINVAL) }
        var outputPipe: [Int32] = [-1, -1], errorPipe: [Int32] = [-1, -1]
        guard pipe(&outputPipe) == 0 else { throw SystemError("pipe", errno: errno) }
        guard pipe(&errorPipe) == 0 else {
            let saved = errno
            close(outputPipe[0]); close(outputPipe[1])
            throw SystemError("pipe", errno: saved)
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, outputPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errorPipe[1], 2)
        posix_spawn_file_actions_addclose(&actions, outputPipe[0])
        posix_spawn_file_actions_addclose(&actions, errorPipe[0])
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        var envp: [UnsafeMutablePointer<CChar>?] = (environment ?? []).map { strdup($0) } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let spawned = environment == nil
            ? posix_spawnp(&pid, executable, &actions, nil, &argv, environ)
            : posix_spawnp(&pid, executable, &actions, nil, &argv, &envp)
        close(outputPipe[1])
        close(errorPipe[1])
        defer {
            close(outputPipe[0])
            close(errorPipe[0])
        }
        guard spawned == 0 else { throw SystemError("run", path: executable, errno: spawned) }
        // Read both streams together so neither fills up and stalls the tool.
        var output: [UInt8] = [], error: [UInt8] = []
        var open = [true, true]
        var buffer = [UInt8](repeating: 0, count: 65536)
        while open[0] || open[1] {
            var fds = [pollfd(fd: open[0] ? outputPipe[0] : -1, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: open[1] ? errorPipe[0] : -1, events: Int16(POLLIN), revents: 0)]
            if poll(&fds, 2, -1) < 0 {
                if errno == EINTR { continue }
                break
            }
            for index in 0..<2 where fds[index].revents != 0 {
                let count = buffer.withUnsafeMutableBytes { read(fds[index].fd, $0.baseAddress, $0.count) }
                if count > 0 {
                    if index == 0 { output += buffer[0..<count] } else { error += buffer[0..<count] }
                } else if !(count < 0 && errno == EINTR) {
                    open[index] = false
                }
            }
        }
        let termination: Termination
        do {
            termination = try Termination.waiting(for: pid)
        } catch {
            throw SystemError("wait", path: executable, errno: error.errno)
        }
        return Result(status: termination.exitCode, output: String(decoding: output, as: UTF8.self), error: String(decoding: error, as: UTF8.self))
    }
}
