import DenTestSupport
import Foundation
import Testing

/// `debian:bookworm` built by den itself from the real archive (the mirror of the host's apt
/// sources), as the unprivileged test users. The suite shares one data directory per user,
/// so the base is built once and later tests see it reused; the package cache is the user's.
@Suite(.serialized) struct DebianBuildTests {
    /// A fresh data directory (XDG_DATA_HOME) for this run of the suite, per user.
    static let stores: Result<[String: String], TestFailure> = Result {
        var stores: [String: String] = [:]
        for user in [try TestUser.withRanges, try TestUser.withoutRanges] {
            stores[user.name] = try user.makeTemporaryDirectory("debian-build-store")
        }
        return stores
    }.mapError { ($0 as? TestFailure) ?? TestFailure("\($0)") }

    static func store(for user: TestUser) throws -> [String: String] {
        ["XDG_DATA_HOME": try #require(try stores.get()[user.name])]
    }

    func project(_ manifest: String, user: TestUser, label: String) throws -> String {
        let directory = try user.makeTemporaryDirectory(label)
        try write(manifest, to: "\(directory)/den.toml", as: user)
        return directory
    }

    func den(_ arguments: [String], in project: String, as user: TestUser, environment: [String: String] = [:]) throws -> ProcessResult {
        try user.den(arguments, in: project, environment: try Self.store(for: user).merging(environment) { $1 },
                     timeout: .seconds(600))
    }

    /// Names of the installed packages in a dpkg status file.
    static func installedPackages(status: String) -> [String] {
        status.components(separatedBy: "\n\n").compactMap { stanza -> String? in
            let lines = stanza.split(separator: "\n")
            guard lines.contains(where: { $0.hasPrefix("Status:") && $0.hasSuffix(" installed") }) else { return nil }
            return lines.first { $0.hasPrefix("Package: ") }.map { String($0.dropFirst("Package: ".count)) }
        }.sorted()
    }

    @Test func firstRunLocksBuildsAndMatchesMmdebstrap() throws {
        let user = try TestUser.withRanges
        let project = try project("name = \"bookworm\"\nbase = \"debian:bookworm\"\n", user: user, label: "bookworm")
        // No den.lock: `den run` locks, fetches and builds before running the command.
        let first = try den(["run", "--", "sh", "-c", "cat /etc/debian_version; dpkg --audit; apt-get --version | head -n 1"],
                            in: project, as: user)
        #expect(first.status == 0, "\(first)")
        #expect(first.standardError.contains("den.lock is missing"), "\(first.standardError)")
        #expect(first.standardOutput.hasPrefix("12."), "\(first.standardOutput)")
        #expect(first.standardOutput.contains("apt 2."), "\(first.standardOutput)")
        #expect(FileManager.default.fileExists(atPath: "\(project)/den.lock"))

        // The same package set as mmdebstrap --variant=minbase (dpkg's own database as oracle).
        let listed = try den(["run", "--", "dpkg-query", "-W", "-f", "${db:Status-Abbrev} ${Package}\\n"], in: project, as: user)
        let ours = listed.standardOutput.split(separator: "\n").filter { $0.hasPrefix("ii ") }.map { String($0.dropFirst(4)) }.sorted()
        let reference = Self.installedPackages(status: try String(
            contentsOfFile: "\(try DebianRootfsTests.rootfs.get())/var/lib/dpkg/status", encoding: .utf8))
        #expect(ours.count > 80)
        #expect(ours == reference)

        // Entering a built env does no build work and prints nothing of den's.
        let again = try den(["run", "--", "true"], in: project, as: user)
        #expect(again.status == 0 && again.standardError.isEmpty, "\(again)")
    }

    @Test func rootInstallsPackagesWithAptInside() throws {
        let user = try TestUser.withRanges
        let project = try project("name = \"apt\"\nbase = \"debian:bookworm\"\n", user: user, label: "apt")
        // The env's apt has the locked snapshot's lists: no `apt-get update` first.
        let install = try den(["run", "--root", "--", "apt-get", "install", "-y", "--no-install-recommends", "hello"], in: project, as: user)
        #expect(install.status == 0, "\(install)")
        let hello = try den(["run", "--", "hello"], in: project, as: user)
        #expect(hello.standardOutput == "Hello, world!\n", "\(hello)")
    }

    @Test func secondProjectReusesTheBaseAndBuildsOnlyItsPackages() throws {
        let user = try TestUser.withRanges
        let base = try project("name = \"one\"\nbase = \"debian:bookworm\"\n", user: user, label: "one")
        #expect(try den(["build"], in: base, as: user).status == 0)
        let project = try project("name = \"two\"\nbase = \"debian:bookworm\"\npackages = [\"hello\"]\n", user: user, label: "two")
        let build = try den(["build"], in: project, as: user)
        #expect(build.status == 0, "\(build)")
        #expect(!build.standardError.contains("base layer"), "\(build.standardError)")
        #expect(build.standardError.contains("built the packages layer"), "\(build.standardError)")
        // One base on disk, and the packages layer holds only what hello adds.
        let layers = "\(try Self.store(for: user)["XDG_DATA_HOME"]!)/den/layers"
        let kinds = try FileManager.default.contentsOfDirectory(atPath: layers).filter { !$0.hasPrefix(".") }.compactMap {
            try? String(contentsOfFile: "\(layers)/\($0)/layer.toml", encoding: .utf8)
        }
        #expect(kinds.filter { $0.contains("kind = \"debian-base\"") }.count == 1)
        let hello = try den(["run", "--", "sh", "-c", "hello && dpkg-query -W -f '${Status}' hello"], in: project, as: user)
        #expect(hello.standardOutput == "Hello, world!\ninstall ok installed", "\(hello)")
        let packageLayer = kinds.first { $0.contains("kind = \"debian-packages\"") && $0.contains("\"hello=") }
        #expect(packageLayer != nil)

        // A changed manifest makes the lock stale: the next entry locks again and says what changed.
        try write("name = \"two\"\nbase = \"debian:bookworm\"\npackages = [\"hello\", \"lsb-release\"]\n", to: "\(project)/den.toml", as: user)
        let changed = try den(["run", "--", "lsb_release", "-cs"], in: project, as: user)
        #expect(changed.standardError.contains("den.toml changed"), "\(changed.standardError)")
        #expect(changed.standardError.contains("+ lsb-release "), "\(changed.standardError)")
        #expect(changed.standardOutput == "bookworm\n", "\(changed)")
    }

    /// The same lock built in two stores gives the same trees, digest for digest.
    @Test func twoBuildsOfTheSameLockAreIdentical() throws {
        let user = try TestUser.withRanges
        let project = try project("name = \"twice\"\nbase = \"debian:bookworm\"\n", user: user, label: "twice")
        #expect(try den(["build"], in: project, as: user).status == 0)
        let first = try den(["verify"], in: project, as: user)
        #expect(first.status == 0, "\(first)")
        let other = try user.makeTemporaryDirectory("other-store")
        let second = try den(["build"], in: project, as: user, environment: ["XDG_DATA_HOME": other])
        #expect(second.standardError.contains("built the base layer"), "\(second)")
        let verified = try den(["verify"], in: project, as: user, environment: ["XDG_DATA_HOME": other])
        #expect(verified.status == 0, "\(verified)")
        #expect(verified.standardOutput == first.standardOutput)
        #expect(first.standardOutput.contains("debian-base") && first.standardOutput.contains(" ok"))
    }

    @Test func aLayerChangedOnDiskFailsVerify() throws {
        let user = try TestUser.withRanges
        let project = try project("name = \"tamper\"\nbase = \"debian:bookworm\"\n", user: user, label: "tamper")
        #expect(try den(["build"], in: project, as: user).status == 0)
        let layers = "\(try Self.store(for: user)["XDG_DATA_HOME"]!)/den/layers"
        let apt = try FileManager.default.contentsOfDirectory(atPath: layers).first {
            (try? String(contentsOfFile: "\(layers)/\($0)/layer.toml", encoding: .utf8))?.contains("kind = \"apt-lists\"") == true
        }
        let sources = "\(layers)/\(try #require(apt))/tree/etc/apt/sources.list.d/debian.sources"
        let original = try String(contentsOfFile: sources, encoding: .utf8)
        defer { try? original.write(toFile: sources, atomically: false, encoding: .utf8) }
        try (original + "# tampered\n").write(toFile: sources, atomically: false, encoding: .utf8)
        let verified = try den(["verify"], in: project, as: user)
        #expect(verified.status == 1, "\(verified)")
        #expect(verified.standardOutput.contains("CHANGED"), "\(verified)")
    }

    /// Without subordinate ids the build still succeeds: ownership changes are faked.
    @Test func buildsWithASingleID() throws {
        let user = try TestUser.withoutRanges
        let project = try project("name = \"flat\"\nbase = \"debian:bookworm\"\npackages = [\"hello\"]\n", user: user, label: "flat")
        let run = try den(["run", "--", "sh", "-c", "hello; dpkg --audit; stat -c %u /usr/bin/passwd; find / -xdev -perm -4000 | wc -l"],
                          in: project, as: user)
        #expect(run.status == 0, "\(run)")
        // Everything is the user's; no setuid file is left for the user's id to be borrowed by.
        #expect(run.standardOutput == "Hello, world!\n\(user.uid)\n0\n", "\(run)")
        let install = try den(["run", "--root", "--", "apt-get", "install", "-y", "--no-install-recommends", "cowsay"], in: project, as: user)
        #expect(install.status == 0, "\(install)")
    }
}
