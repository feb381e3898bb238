import DenTestSupport
import Foundation
import Testing

/// `den lock` against the real Debian archive, through the mirror the host's apt uses
/// (CI reaches it). Run as an unprivileged user, as everything else.
@Suite struct LockTests {
    @Test func locksTheBaseAndThePackagesReproducibly() throws {
        let user = try TestUser.withRanges
        let project = try user.makeTemporaryDirectory("lock")
        try write("base = \"debian:bookworm\"\npackages = [\"git\"]\n", to: "\(project)/den.toml", as: user)
        let first = try user.den(["lock"], in: project, timeout: .seconds(300))
        #expect(first.status == 0, "\(first)")
        #expect(first.standardOutput.hasPrefix("locked "))
        #expect(first.standardError.contains("+ git "))
        let lock = try String(contentsOfFile: "\(project)/den.lock", encoding: .utf8)
        for name in ["git", "apt", "dpkg", "base-files", "libc6"] {
            #expect(lock.contains("name = \"\(name)\"\n"), "\(name) is not locked")
        }
        #expect(lock.contains("codename = \"bookworm\""))
        #expect(lock.contains("inrelease = \"sha256:"))
        // Nothing changed upstream in between: the same bytes, and nothing reported.
        let second = try user.den(["lock"], in: project, timeout: .seconds(300))
        #expect(second.status == 0)
        #expect(try String(contentsOfFile: "\(project)/den.lock", encoding: .utf8) == lock)
        #expect(!second.standardError.contains("+ "))

        // den check validates the lock against the manifest.
        let checked = try user.den(["check"], in: project)
        #expect(checked.status == 0)
        #expect(checked.standardOutput.contains("lock        up to date ("))
        try write("base = \"debian:bookworm\"\npackages = [\"git\", \"make\"]\n", to: "\(project)/den.toml", as: user)
        let stale = try user.den(["check"], in: project)
        #expect(stale.status == 1)
        #expect(stale.standardError.contains("is stale"))
    }

    /// A version is no directory of the archive: den finds the alias whose Release has it.
    @Test func aVersionNumberLocksItsCodename() throws {
        let user = try TestUser.withRanges
        let project = try user.makeTemporaryDirectory("lock-version")
        try write("base = \"debian:12\"\n", to: "\(project)/den.toml", as: user)
        let result = try user.den(["lock"], in: project, timeout: .seconds(300))
        #expect(result.status == 0, "\(result)")
        let lock = try String(contentsOfFile: "\(project)/den.lock", encoding: .utf8)
        #expect(lock.contains("suite = \"12\"\ncodename = \"bookworm\"\nversion = \"12."), "\(lock)")
        #expect(result.standardError.contains("packages of the debian:12 base"), "\(result)")
    }

    @Test func unknownPackageSuggestsTheName() throws {
        let user = try TestUser.withRanges
        let project = try user.makeTemporaryDirectory("lock-typo")
        try write("base = \"debian:bookworm\"\npackages = [\"pyhton3\"]\n", to: "\(project)/den.toml", as: user)
        let result = try user.den(["lock"], in: project, timeout: .seconds(300))
        #expect(result.status == 1)
        #expect(result.standardError.contains("pyhton3"))
        #expect(result.standardError.contains("python3"))
        #expect(!FileManager.default.fileExists(atPath: "\(project)/den.lock"))
    }

    @Test func aWrongKeyringIsAHardError() throws {
        let user = try TestUser.withRanges
        let project = try user.makeTemporaryDirectory("lock-key")
        // A valid keyring that did not sign the archive: a key made for this test.
        let home = try user.makeTemporaryDirectory("gnupg")
        let made = try user.run("/usr/bin/gpg", ["--batch", "--quick-generate-key", "--passphrase", "", "den test <test@example.org>"],
                                environment: ["GNUPGHOME": home])
        #expect(made.status == 0, "\(made)")
        let exported = try user.run("/usr/bin/gpg", ["--batch", "--export", "--output", "\(project)/other.gpg"], environment: ["GNUPGHOME": home])
        #expect(exported.status == 0, "\(exported)")
        try write("base = \"debian:bookworm\"\nkeyring = \"other.gpg\"\n", to: "\(project)/den.toml", as: user)
        let result = try user.den(["lock"], in: project, timeout: .seconds(300))
        #expect(result.status == 1)
        #expect(result.standardError.contains("does not verify"), "\(result)")
        #expect(!FileManager.default.fileExists(atPath: "\(project)/den.lock"))
    }
}
