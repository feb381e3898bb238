import DenCore

extension MirrorError: UserErrorConvertible {
    var userError: UserError {
        switch self {
        case .invalidURL(let text, let origin):
            return UserError("the mirror '\(text)' is not an http, https or file URL", why: "it comes from \(origin)", fix: fix)
        case .unreadableSources(let error):
            return UserError("cannot read the host's apt sources", why: error.description, fix: fix, file: error.path)
        case .invalidSources(let file, let cause):
            return UserError("cannot read the host's apt sources", why: cause.description, fix: fix, file: file)
        case .notFound(let directory, let files) where files.isEmpty:
            return UserError(
                "no Debian mirror is configured",
                why: "\(MirrorSelection.environmentVariable) is not set, den.toml has no `mirror`, and the host has no apt sources "
                    + "(searched \(MirrorSelection.searchedPatterns(aptDirectory: directory)))",
                fix: fix)
        case .notFound(_, let files):
            return UserError(
                "no Debian mirror is configured",
                why: "\(MirrorSelection.environmentVariable) is not set, den.toml has no `mirror`, and none of "
                    + files.map { "'\($0)'" }.joined(separator: ", ")
                    + " has an enabled `deb` entry with an http, https or file URI, a release suite and `main`",
                fix: fix)
        }
    }
}
