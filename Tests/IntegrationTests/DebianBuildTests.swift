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

    /// The oracle for the whole tree: den's base layer against mmdebstrap's minbase of the
    /// same archive, file by file (path, type, mode, owner, content hash, link target). What
    /// may differ is listed with the reason.
    @Test(.enabled(if: getuid() == 0, "both trees have files only root (or their ids) may read"))
    func theBaseLayerIsMmdebstrapsTreeFileForFile() throws {
        let user = try TestUser.withRanges
        let project = try project("name = \"oracle\"\nbase = \"debian:bookworm\"\n", user: user, label: "oracle")
        #expect(try den(["build"], in: project, as: user).status == 0)
        let layers = "\(try Self.store(for: user)["XDG_DATA_HOME"]!)/den/layers"
        let base = try FileManager.default.contentsOfDirectory(atPath: layers).first {
            (try? String(contentsOfFile: "\(layers)/\($0)/layer.toml", encoding: .utf8))?.contains("kind = \"debian-base\"") == true
        }
        let ours = "\(layers)/\(try #require(base))/tree"
        let compared = try ProcessRunner.run("/usr/bin/python3", ["-c", Self.treeComparison, ours, try DebianRootfsTests.rootfs.get()])
        #expect(compared.status == 0, "\(compared)")
        let allowed: [String: String] = [
            "etc/shadow": "the date of the last password change: den's is the snapshot's (SOURCE_DATE_EPOCH), mmdebstrap's today",
            "var/lib/dpkg/status-old": "dpkg's previous status, from a different order of dpkg runs",
            "var/lib/dpkg/available": "den leaves dpkg's empty available file; mmdebstrap removes it",
            "var/cache/apt/archives/partial": "apt, run by mmdebstrap, makes it _apt's",
            "var/lib/apt/lists/partial": "the same",
            "var/lib/apt/extended_states": "apt's record of what mmdebstrap installed with it",
            "var/cache/apt/archives/lock": "apt's lock, from mmdebstrap's apt runs",
            "var/lib/apt/lists/lock": "the same",
            "etc/apt/sources.list": "mmdebstrap's sources; den's are in the apt layer",
            "etc/fstab": "written by mmdebstrap", "etc/hostname": "written by mmdebstrap", "etc/resolv.conf": "written by mmdebstrap",
            "etc/den-owner-probe": "DebianRootfsTests puts it in the shared mmdebstrap tree",
        ]
        let differences = compared.standardOutput.split(separator: "\n").map(String.init)
        let unexplained = differences.filter { path in allowed[path] == nil && !path.hasPrefix("dev/") && !path.hasSuffix(".pyc") }
        #expect(unexplained.isEmpty, "differences from mmdebstrap: \(unexplained)")
        #expect(differences.count < 40, "\(differences)")
    }

    /// Prints each path that differs between two trees (or is in only one of them).
    static let treeComparison = """
        import hashlib, os, stat, sys
        def walk(root):
            out = {}
            for directory, dirs, files in os.walk(root):
                for name in dirs + files:
                    path = os.path.join(directory, name)
                    info = os.lstat(path)
                    if stat.S_ISREG(info.st_mode):
                        with open(path, 'rb') as f: detail = hashlib.sha256(f.read()).hexdigest()
                    elif stat.S_ISLNK(info.st_mode): detail = os.readlink(path)
                    else: detail = ''
                    out[os.path.relpath(path, root)] = (info.st_mode, info.st_uid, info.st_gid, detail)
            return out
        a, b = walk(sys.argv[1]), walk(sys.argv[2])
        for path in sorted(set(a) | set(b)):
            if a.get(path) != b.get(path): print(path)
        """

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
