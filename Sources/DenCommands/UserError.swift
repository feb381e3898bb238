import DenCore

/// The one error shape users see: what failed, why, and what to do next, optionally with the
/// place in a file it is about. Components throw their own typed errors; each is mapped to
/// this in one place (`UserError+Component.swift`).
public struct UserError: Error, Sendable {
    public var what: String
    public var why: String?
    public var fix: String?
    public var file: String?
    public var location: SourceLocation?
    public var exitCode: Int32

    public init(_ what: String, why: String? = nil, fix: String? = nil, file: String? = nil,
                location: SourceLocation? = nil, exitCode: Int32 = 1) {
        self.what = what
        self.why = why
        self.fix = fix
        self.file = file
        self.location = location
        self.exitCode = exitCode
    }
}

/// A component error that knows its user-facing form.
protocol UserErrorConvertible: Error {
    var userError: UserError { get }
}

extension UserError {
    /// The rendered text, in the rustc/swiftc style: a caret under the offending token.
    func rendered(style: TerminalStyle) -> String {
        var lines = ["\(style.error("error:")) \(style.bold(what))"]
        if let location {
            let number = String(location.line)
            let gutter = String(repeating: " ", count: number.count)
            lines.append("\(gutter)\(style.dim("-->")) \(file ?? ""):\(location.line):\(location.column)")
            lines.append("\(gutter) \(style.dim("|"))")
            lines.append("\(style.dim(number)) \(style.dim("|")) \(location.lineText)")
            let padding = location.lineText.unicodeScalars.prefix(location.column - 1).map { $0 == "\t" ? "\t" : " " }.joined()
            lines.append("\(gutter) \(style.dim("|")) \(padding)\(style.error(String(repeating: "^", count: location.length)))")
        } else if let file {
            lines.append("  \(style.dim("-->")) \(file)")
        }
        if let why { lines.append("  \(style.dim("why:")) \(why)") }
        if let fix { lines.append("  \(style.dim("fix:")) \(fix)") }
        return lines.joined(separator: "\n")
    }
}
