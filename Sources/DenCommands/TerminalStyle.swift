#if canImport(Glibc)
import Glibc
#endif

/// Colour for a stream only when it is a terminal and `NO_COLOR` is unset (no-color.org).
struct TerminalStyle: Sendable {
    var isEnabled: Bool

    static func forStandardError() -> TerminalStyle {
        TerminalStyle(isEnabled: isatty(STDERR_FILENO) == 1 && getenv("NO_COLOR") == nil
                      && getenv("TERM").map { String(cString: $0) } != "dumb")
    }

    static func forStandardOutput() -> TerminalStyle {
        TerminalStyle(isEnabled: isatty(STDOUT_FILENO) == 1 && getenv("NO_COLOR") == nil)
    }

    private func wrap(_ text: String, _ code: String) -> String {
        isEnabled ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }

    func error(_ text: String) -> String { wrap(text, "1;31") }
    func warning(_ text: String) -> String { wrap(text, "1;33") }
    func bold(_ text: String) -> String { wrap(text, "1") }
    func dim(_ text: String) -> String { wrap(text, "2") }
    func accent(_ text: String) -> String { wrap(text, "36") }
}

/// Diagnostics go to standard error, unbuffered, so they interleave correctly with a child's.
enum StandardError {
    static func write(_ text: String) {
        // What den printed before must come out first: with both streams on one pipe
        // (`den init 2>&1 | tee log`), standard output is block-buffered and would otherwise
        // land after every diagnostic written since.
        fflush(nil)
        var text = text
        if !text.hasSuffix("\n") { text += "\n" }
        text.withCString { pointer in
            var offset = 0
            let count = strlen(pointer)
            while offset < count {
                let written = Glibc.write(STDERR_FILENO, pointer + offset, count - offset)
                if written < 0 { if errno == EINTR { continue }; return }
                offset += written
            }
        }
    }
}
