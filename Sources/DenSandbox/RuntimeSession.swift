import CDenShim
#if canImport(Glibc)
import Glibc
#endif

/// A connection to a running env's init over its session socket
/// (`<runtime directory>/<env id>.sock`, served by init.c).
public struct RuntimeSession: ~Copyable {
    public let initPID: Int32
    private let fd: Int32

    public enum Request {
        /// Join: the connection counts as a session until it closes.
        case join
        /// Ask for the number of sessions.
        case query
        /// Stop the env: SIGTERM to its processes, SIGKILL after `grace` seconds.
        case stop(grace: UInt8)
        /// Nothing: whether anyone answers (the init drops the connection).
        case probe

        var bytes: [UInt8] {
            switch self {
            case .join: [UInt8(ascii: "S")]
            case .query: [UInt8(ascii: "Q")]
            case .stop(let grace): [UInt8(ascii: "X"), grace]
            case .probe: []
            }
        }
    }

    /// The name of the env's session socket in the runtime directory: its init listens there.
    public static func socketName(environmentID: String) -> String {
        "\(environmentID).sock"
    }

    /// nil when the env is not running (no socket, or nobody listening on the one an ended
    /// env left).
    public init?(directory: String, environmentID: String, request: Request) throws(SessionSocketError) {
        var pid: Int32 = 0
        let bytes = request.bytes
        let name = Self.socketName(environmentID: environmentID)
        let result = bytes.withUnsafeBufferPointer { buffer in
            den_connect_env(directory, name, buffer.baseAddress, Int32(buffer.count), &pid)
        }
        if result == -ENOENT || result == -ECONNREFUSED { return nil }
        guard result >= 0 else { throw SessionSocketError(path: "\(directory)/\(name)", errno: -result) }
        fd = result
        initPID = pid
    }

    /// Reads the init's answer to a query, or waits for it to close the connection (a stop
    /// request is answered by the env ending). nil on timeout.
    public func readToEnd(timeoutMilliseconds: Int32) -> String? {
        var collected: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 256)
        var pollFD = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        while true {
            let ready = poll(&pollFD, 1, timeoutMilliseconds)
            if ready < 0, errno == EINTR { continue }
            guard ready > 0 else { return nil }
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            if count <= 0 { return String(decoding: collected, as: UTF8.self) }
            collected += buffer[0..<count]
        }
    }

    deinit { close(fd) }
}

/// The session socket exists but could not be used.
public struct SessionSocketError: Error, Sendable, Equatable {
    public var path: String
    public var errno: Int32
}
