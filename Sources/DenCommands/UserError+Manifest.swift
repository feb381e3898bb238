import DenCore
#if canImport(Glibc)
import Glibc
#endif

extension ManifestError: UserErrorConvertible {
    var userError: UserError {
        switch problem {
        case .notFound(let directory):
            return UserError(
                "no \(Manifest.fileName) in '\(directory)' or any directory above it",
                fix: "run `den init` here to create one (`den init --list` shows the templates)")
        case .unreadable(let errno):
            return UserError(
                "cannot read '\(file)'", why: SystemError("open", errno: errno).reason,
                fix: "check the file's permissions")
        case .notUTF8:
            return UserError("'\(file)' is not UTF-8 text", fix: "save it as UTF-8; TOML requires it")
        case .syntax(let message):
            return UserError("invalid TOML: \(message)", fix: hint, file: file, location: location)
        case .unknownKey(let key, let table, _):
            return UserError("unknown key '\(key)'\(table.map { " in [\($0)]" } ?? "")", fix: hint, file: file, location: location)
        case .wrongType(let key, let expected, let found):
            return UserError("'\(key)' must be \(expected), found \(found)", fix: hint, file: file, location: location)
        case .missingKey(let key):
            let what = key.contains(".") ? "missing '\(key)'" : "\(Manifest.fileName) has no '\(key)'"
            return UserError(what, fix: hint, file: file, location: location)
        case .invalidValue(let key, let reason):
            return UserError("invalid '\(key)': \(reason)", fix: hint, file: file, location: location)
        }
    }
}

extension SystemError: UserErrorConvertible {
    var userError: UserError {
        UserError("cannot \(operation)\(path.map { " '\($0)'" } ?? "")", why: reason,
                  fix: errno == ENOSPC ? UserError.diskFullFix : nil)
    }
}

extension UserError {
    /// A full disk: what den wrote is gone again, and what frees space is named.
    static let diskFullFix = "free disk space (`den gc` removes envs, layers and downloads nothing uses) and run the command again; nothing half-written was kept"
}
