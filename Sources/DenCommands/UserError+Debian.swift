import DenCore
#if canImport(Glibc)
import Glibc
#endif

extension DebianArchiveError: UserErrorConvertible {
    var userError: UserError {
        switch self {
        case .fetch(let error):
            return UserError("cannot download from the Debian mirror", why: "\(error)",
                             fix: "check the mirror (DEN_MIRROR, den.toml's `mirror`, or the host's apt sources) and your network or proxy")
        case .missingKeyring(let path):
            return UserError("the archive keyring '\(path)' does not exist",
                             fix: "`sudo apt-get install debian-archive-keyring`, or point `keyring` in den.toml at the archive's key")
        case .gpgvMissing(let error):
            return UserError("cannot run gpgv to verify the archive's signature", why: error.description,
                             fix: "`sudo apt-get install gpgv`")
        case .badSignature(let url, let keyring, let gpgv):
            return UserError("the signature of '\(url)' does not verify against '\(keyring)'",
                             why: gpgv.split(separator: "\n").last.map(String.init) ?? "gpgv refused it",
                             fix: "make sure the mirror serves Debian's archive and the keyring is current; den never uses an unverified index")
        case .invalidIndex(let url, let reason):
            return UserError("the archive index '\(url)' is malformed", why: reason, fix: "try another mirror")
        case .unknownVersion(let version):
            return UserError("the archive has no Debian \(version)",
                             why: "none of stable, oldstable, oldoldstable and testing has that version number",
                             fix: "name the release by its codename (e.g. debian:bookworm); a release older than oldoldstable is on archive mirrors only")
        case .noPackagesIndex(let suite, let architecture):
            return UserError("suite '\(suite)' has no Packages index for '\(architecture)'",
                             fix: "check the suite name in `base` and that the mirror carries \(architecture)")
        }
    }
}

extension ResolverError: UserErrorConvertible {
    var userError: UserError {
        UserError("cannot resolve the packages", why: description,
                  fix: "check the names and pins in `packages` (`apt-cache policy NAME` on a Debian system shows the versions)")
    }
}

extension DebianError: UserErrorConvertible {
    var userError: UserError {
        UserError("invalid Debian data", why: description)
    }
}

extension LockfileError: UserErrorConvertible {
    var userError: UserError {
        UserError("cannot read '\(file)'\(line.map { " (line \($0))" } ?? "")", why: message,
                  fix: "run `den lock` to write it afresh")
    }
}

extension LockingError: UserErrorConvertible {
    var userError: UserError {
        switch self {
        case .replacesBasePackage(let name, let version):
            UserError("the packages in den.toml need '\(name)' (\(version)) of the base system removed or replaced",
                      why: "the base layer is shared by every env on this snapshot and never changes",
                      fix: "drop the package that conflicts with '\(name)' from `packages`")
        }
    }
}

extension BuildError: UserErrorConvertible {
    var userError: UserError {
        switch self {
        case .fetch(let error):
            if case .filesystem(_, ENOSPC) = error {
                return UserError("cannot download the locked packages", why: "\(error)", fix: UserError.diskFullFix)
            }
            return UserError("cannot download the locked packages", why: "\(error)",
                             fix: "check the mirror (DEN_MIRROR, den.toml's `mirror`, or the host's apt sources) and your network or proxy; what was downloaded stays in the cache")
        case .packageGone(let name, let version, let url):
            return UserError("the mirror no longer has \(name) \(version), which den.lock pins", why: "'\(url)' answered 404 (not found)",
                             fix: "run `den update` to lock the archive's current versions, or set `mirror` to a snapshot mirror that keeps old versions")
        case .unreadablePackage(let name, let path, let reason):
            return UserError("cannot read the package \(name) ('\(path)')", why: reason,
                             fix: "remove the file and run `den build` again to download it afresh")
        case .digestFailed(let tree, let reason):
            return UserError("cannot compute the digest of '\(tree)'", why: reason, fix: "run `den doctor`; if it finds nothing, report this as a bug")
        case .diskFull(let stage, let directory):
            return UserError("the build failed while \(stage)", why: "the disk holding '\(directory)' is full",
                             fix: UserError.diskFullFix)
        case .stageFailed(let stage, let outcome, let log, let tail):
            // The log's last lines are usually dpkg's own reason.
            let lines = tail.isEmpty ? "" : "\n    " + tail.split(separator: "\n").joined(separator: "\n    ")
            return UserError("the build failed while \(stage)", why: "\(outcome); the log is '\(log)'\(lines)",
                             fix: tail.contains("No space left on device") ? UserError.diskFullFix
                                 : "read the log; nothing was kept of the failed layer, so `den build` starts it afresh")
        }
    }
}
