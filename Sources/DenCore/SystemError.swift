#if canImport(Glibc)
import Glibc
#endif

/// A failed system call, with the errno read at once and the path it was about.
public struct SystemError: Error, Sendable, Equatable, CustomStringConvertible {
    public var operation: String
    public var path: String?
    public var errno: Int32

    public init(_ operation: String, path: String? = nil, errno: Int32) {
        self.operation = operation
        self.path = path
        self.errno = errno
    }

    /// `strerror` text, lowercased the way den writes messages.
    public var reason: String {
        guard let text = strerror(errno) else { return "errno \(errno)" }
        let message = String(cString: text)
        return message.prefix(1).lowercased() + message.dropFirst()
    }

    public var description: String {
        "\(operation)\(path.map { " '\($0)'" } ?? ""): \(reason)"
    }
}
