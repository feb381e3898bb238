extension ResolverError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .unknownPackage(let name, let suggestion):
            if let suggestion {
                return "unknown package \"\(name)\"; did you mean \"\(suggestion)\"?"
            }
            return "unknown package \"\(name)\""
        case .versionNotFound(let name, let version, let available):
            let versions = available.map { "\"\($0)\"" }.joined(separator: ", ")
            return "package \"\(name)\" has no version \"\(version)\"; available: \(versions)"
        case .virtualPackage(let name, let providers):
            let names = providers.map { "\"\($0)\"" }.joined(separator: ", ")
            return "\"\(name)\" is a virtual package provided by \(names); request one of them"
        case .unsatisfiable(let chain, let dependency, let rejections):
            let group = dependency.map(\.description).joined(separator: " | ")
            var text = (chain + [group]).joined(separator: " → ") + ": no candidate"
            if !rejections.isEmpty {
                text += " (" + rejections.map(\.description).joined(separator: "; ") + ")"
            }
            return text
        case .searchLimitExceeded(let attempts):
            return "the dependency search gave up after \(attempts) candidates"
        }
    }
}

extension ResolverError.Candidate: CustomStringConvertible {
    public var description: String {
        if let architecture {
            return "\(name):\(architecture) \(version)"
        }
        return "\(name) \(version)"
    }
}

extension ResolverError.Rejection: CustomStringConvertible {
    public var description: String {
        switch self {
        case .notFound(let name):
            return "no package named \(name)"
        case .versionMismatch(let name, let available, let constraint):
            let versions = available.map(\.description).joined(separator: ", ")
            switch constraint.op {
            case .greaterOrEqual, .greaterThan: return "\(name) has only \(versions), too old"
            case .lessOrEqual, .lessThan: return "\(name) has only \(versions), too new"
            case .equal: return "\(name) has only \(versions)"
            }
        case .noMatchingProvides(let name, let providers, _):
            return "\(name) is provided only by \(providers.joined(separator: ", ")), without a matching version"
        case .architectureMismatch(let candidate, let multiArch, let qualifier):
            if qualifier == .any {
                return "\(candidate) is \"Multi-Arch: \(multiArch.rawValue)\", but \":any\" needs \"allowed\""
            }
            return "\(candidate) is for another architecture"
        case .otherVersionChosen(_, let chosen):
            return "\(chosen) is already chosen"
        case .conflict(let candidate, let other, let field, let declaredByCandidate):
            let verb = field == .conflicts ? "conflicts with" : "breaks"
            return declaredByCandidate ? "\(candidate) \(verb) \(other)" : "\(other) \(verb) \(candidate)"
        }
    }
}
