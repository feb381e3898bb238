import DenCore

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
