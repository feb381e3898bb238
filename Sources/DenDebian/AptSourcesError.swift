/// Why a source list could not be read. Lines are 1-based, as in apt's own messages.
public enum AptSourcesError: Error, Sendable, Hashable {
    /// A `.sources` file that is not deb822.
    case invalidDeb822(DebianError)
    /// A `.sources` stanza without one of the fields apt requires (`Types`, `URIs`, `Suites`,
    /// and `Components` unless the suite is a flat repository's path); `line` is where the
    /// stanza starts.
    case missingField(String, line: Int)
    /// A `sources.list`-style line apt would call malformed.
    case malformedLine(line: Int, problem: LineProblem)

    public enum LineProblem: Sendable, Hashable {
        case missingURI
        case missingSuite
        /// No component after a suite that is not a flat repository's path (`./`).
        case missingComponent
        /// A `[` of the option list without its `]`.
        case unclosedOptions
        /// A `[` or `"` inside a word (a cdrom label, a quoted URI) that is never closed.
        case unclosedQuote
        /// An option that is not `name=value` (or `name+=value`, `name-=value`).
        case invalidOption(String)
    }
}

extension AptSourcesError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .invalidDeb822(let error):
            return error.description
        case .missingField(let name, let line):
            return "the entry at line \(line) has no \"\(name)\" field"
        case .malformedLine(let line, let problem):
            return "line \(line): \(problem)"
        }
    }
}

extension AptSourcesError.LineProblem: CustomStringConvertible {
    public var description: String {
        switch self {
        case .missingURI: "the entry has no URI"
        case .missingSuite: "the entry has no suite"
        case .missingComponent: "the entry has no component"
        case .unclosedOptions: "the option list has no closing \"]\""
        case .unclosedQuote: "a \"[\" or a quote is never closed"
        case .invalidOption(let option): "the option \"\(option)\" is not of the form name=value"
        }
    }
}
