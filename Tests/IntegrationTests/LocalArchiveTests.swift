import DenTestSupport
import Foundation
import Testing

/// The Debian builder against the small signed archive on 127.0.0.1 (`TestArchive`): offline,
/// so resolution, trust and failure paths are tested without the real archive. Every test has
/// a store and a package cache of its own.
@Suite struct LocalArchiveTests {
    struct Setup {
        var user: TestUser
        var archive: TestArchive
        var project: String
        var environment: [String: String]

        func den(_ arguments: [String], environment extra: [String: String] = [:]) throws -> ProcessResult {
            try user.den(arguments, in: project, environment: environment.merging(extra) { $1 }, timeout: .seconds(300))
        }

        func write(packages: [String], mirror: String? = nil, keyring: String? = nil) throws {
            let list = packages.map { "\"\($0)\"" }.joined(separator: ", ")
            try IntegrationTests.write("""
                name = "local"
                base = "debian:\(archive.suite)"
                mirror = "\(mirror ?? archive.url)"
                keyring = "\(keyring ?? archive.keyring)"
                packages = [\(list)]

                """, to: "\(project)/den.toml", as: user)
        }

        var lock: String { (try? String(contentsOfFile: "\(project)/den.lock", encoding: .utf8)) ?? "" }
        var cache: String { environment["XDG_CACHE_HOME"]! + "/den" }
        var data: String { environment["XDG_DATA_HOME"]! + "/den" }
    }

    func setup(_ packages: [String] = [], user: TestUser? = nil) throws -> Setup {
        let user = try user ?? TestUser.withRanges
        let directory = try user.makeTemporaryDirectory("local-archive")
        var environment: [String: String] = [:]
        for (key, name) in [("XDG_DATA_HOME", "data"), ("XDG_CACHE_HOME", "cache"), ("HOME", "project")] {
            try FileManager.default.createDirectory(atPath: "\(directory)/\(name)", withIntermediateDirectories: true)
            try user.chown("\(directory)/\(name)")
            if key != "HOME" { environment[key] = "\(directory)/\(name)" }
        }
        let setup = Setup(user: user, archive: try TestArchive.shared(), project: "\(directory)/project", environment: environment)
        try setup.write(packages: packages)
        return setup
    }

    /// `name = "version"` lines of the lock's packages.
    func locked(_ lock: String) -> [String: String] {
        var result: [String: String] = [:]
        for block in lock.components(separatedBy: "[[package]]").dropFirst() {
            let fields = Dictionary(block.split(separator: "\n").compactMap { line -> (String, String)? in
                let parts = line.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                return parts.count == 2 ? (parts[0], parts[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))) : nil
            }, uniquingKeysWith: { a, _ in a })
            if let name = fields["name"], let version = fields["version"] { result[name] = version }
        }
        return result
    }

    @Test func locksAlternativesVersionsAndVirtualPackagesReproducibly() throws {
        let setup = try setup(["den-hello", "den-mailer", "den-arch-all"])
        let first = try setup.den(["lock"])
        #expect(first.status == 0, "\(first)")
        let packages = locked(setup.lock)
        // `den-lib (>= 2) | den-lib-compat`: the first alternative, at the version that meets it.
        #expect(packages["den-lib"] == "2.0")
        #expect(packages["den-lib-compat"] == nil)
        // A virtual package gets exactly one of its providers (they conflict).
        #expect([packages["den-mta-a"], packages["den-mta-b"]].compactMap { $0 }.count == 1)
        #expect(packages["den-arch-all"] == "1.0")
        #expect(packages["dpkg"] != nil && packages["apt"] != nil)
        #expect(setup.lock.contains("codename = \"denbook\"") && setup.lock.contains("suite = \"denbook\""))
        // Same archive, same bytes.
        let text = setup.lock
        #expect(try setup.den(["lock"]).status == 0)
        #expect(setup.lock == text)
    }

    @Test func impossibleRequestsNameTheProblem() throws {
        let setup = try setup(["den-broken"])
        let broken = try setup.den(["lock"])
        #expect(broken.status == 1)
        #expect(broken.standardError.contains("den-does-not-exist"), "\(broken.standardError)")
        try setup.write(packages: ["den-hello", "den-conflicts-hello"])
        let conflict = try setup.den(["lock"])
        #expect(conflict.status == 1)
        #expect(conflict.standardError.contains("den-conflicts-hello") && conflict.standardError.contains("den-hello"), "\(conflict.standardError)")
        try setup.write(packages: ["den-helo"])
        let typo = try setup.den(["lock"])
        #expect(typo.status == 1)
        #expect(typo.standardError.contains("den-hello"), "\(typo.standardError)")
        #expect(!FileManager.default.fileExists(atPath: "\(setup.project)/den.lock"))
    }

    @Test func aSignatureFromAnotherKeyIsAHardError() throws {
        let setup = try setup(["den-hello"])
        try setup.write(packages: ["den-hello"], keyring: setup.archive.wrongKeyring)
        let result = try setup.den(["build"])
        #expect(result.status == 1)
        #expect(result.standardError.contains("does not verify"), "\(result.standardError)")
        #expect(!FileManager.default.fileExists(atPath: "\(setup.project)/den.lock"))
    }

    @Test func buildsFromTheLocalArchiveAndRunsMaintainerScriptsAsRoot() throws {
        let setup = try setup(["den-hello", "den-postinst", "den-group-file"])
        let result = try setup.den(["run", "--", "sh", "-c",
            "den-hello; cat /usr/share/den-lib/version; ls /var/lib/den-postinst; stat -c %u:%g /usr/share/den-group-file/secret; dpkg --audit"])
        #expect(result.status == 0, "\(result)")
        #expect(result.standardOutput == "hello from den-hello\n2\nran-as-0\n0:42\n", "\(result)")
        #expect(result.standardError.contains("built the base layer") && result.standardError.contains("built the packages layer"))
        // The env's apt knows the archive's packages without an update.
        let policy = try setup.den(["run", "--", "sh", "-c", "ls /var/lib/apt/lists/ | grep -c denbook"])
        #expect(policy.standardOutput == "2\n", "\(policy)")
        let verify = try setup.den(["verify"])
        #expect(verify.status == 0 && verify.standardOutput.split(separator: "\n").count == 3, "\(verify)")
    }

    @Test func buildsWithASingleIDMap() throws {
        let user = try TestUser.withoutRanges
        let setup = try setup(["den-hello", "den-postinst", "den-group-file"], user: user)
        let result = try setup.den(["run", "--", "sh", "-c", "den-hello; ls /var/lib/den-postinst; stat -c %u:%g /usr/share/den-group-file/secret"])
        #expect(result.status == 0, "\(result)")
        // One id: every file is the user's, the chown to group 42 was faked.
        #expect(result.standardOutput == "hello from den-hello\nran-as-0\n\(user.uid):\(user.gid)\n", "\(result)")
    }

    @Test func aFileThatDoesNotMatchTheIndexIsRefused() throws {
        let setup = try setup(["den-hello"])
        #expect(try setup.den(["lock"]).status == 0)
        let result = try setup.den(["build"], environment: ["DEN_MIRROR": setup.archive.corruptURL])
        #expect(result.status == 1)
        #expect(result.standardError.contains("cannot download the locked packages"), "\(result.standardError)")
        #expect(result.standardError.contains("den-hello") && result.standardError.contains("sha256 of"), "\(result.standardError)")
        let layers = (try? FileManager.default.contentsOfDirectory(atPath: "\(setup.data)/layers")) ?? []
        #expect(layers.filter { !$0.hasPrefix(".") }.isEmpty, "\(layers)")
    }

    @Test func aCorruptedCacheEntryIsFetchedAgain() throws {
        let setup = try setup(["den-hello"])
        #expect(try setup.den(["build"]).status == 0)
        let debs = try FileManager.default.contentsOfDirectory(atPath: "\(setup.cache)/debs")
        // Flip the middle of every cached file, then make den need them again.
        for name in debs {
            let path = "\(setup.cache)/debs/\(name)"
            var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
            bytes[bytes.count / 2] ^= 0xFF
            try Data(bytes).write(to: URL(fileURLWithPath: path))
        }
        try FileManager.default.removeItem(atPath: "\(setup.data)/layers")
        let again = try setup.den(["build"])
        #expect(again.status == 0, "\(again)")
        #expect(again.standardError.contains("fetched \(debs.count)/\(debs.count) packages") && !again.standardError.contains("cached)"),
                "\(again.standardError)")
        #expect(try setup.den(["run", "--", "den-hello"]).standardOutput == "hello from den-hello\n")
    }

    @Test func aMirrorThatIsDownIsAClearError() throws {
        let setup = try setup(["den-hello"])
        let result = try setup.den(["lock"], environment: ["DEN_MIRROR": "http://127.0.0.1:9/debian"])
        #expect(result.status == 1)
        #expect(result.standardError.contains("cannot download from the Debian mirror"), "\(result.standardError)")
        #expect(result.standardError.contains("127.0.0.1:9"), "\(result.standardError)")
    }

    /// A build from the lock reads no index: a mirror with the pool but no dists still works.
    @Test func buildsFromTheLockWithoutTheIndex() throws {
        let setup = try setup(["den-hello"])
        #expect(try setup.den(["lock"]).status == 0)
        let poolOnly = "\(setup.archive.root)/pool-only-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: poolOnly, withIntermediateDirectories: false)
        try FileManager.default.createSymbolicLink(atPath: "\(poolOnly)/pool", withDestinationPath: "\(setup.archive.root)/debian/pool")
        let mirror = setup.archive.url.replacingOccurrences(of: "/debian", with: "/\(URL(fileURLWithPath: poolOnly).lastPathComponent)")
        let result = try setup.den(["run", "--", "den-hello"], environment: ["DEN_MIRROR": mirror])
        #expect(result.status == 0, "\(result)")
        #expect(result.standardOutput == "hello from den-hello\n")
        #expect(!result.standardError.contains("locking"), "\(result.standardError)")
    }

    @Test func aPackageTheMirrorNoLongerHasIsNamed() throws {
        let setup = try setup(["den-hello"])
        #expect(try setup.den(["lock"]).status == 0)
        let moved = setup.lock.replacingOccurrences(of: "path = \"pool/main/d/den-hello/", with: "path = \"pool/main/gone/")
        #expect(moved != setup.lock, "the lock's path for den-hello is not where the test expects it")
        try IntegrationTests.write(moved, to: "\(setup.project)/den.lock", as: setup.user)
        let result = try setup.den(["build"])
        #expect(result.status == 1)
        #expect(result.standardError.contains("the mirror no longer has den-hello 1.0"), "\(result.standardError)")
        #expect(result.standardError.contains("den update"), "\(result.standardError)")
    }

    @Test func anExportedEnvImportsIntoAnotherStoreWithNoNetwork() throws {
        let setup = try setup(["den-hello"])
        #expect(try setup.den(["build"]).status == 0)
        let archive = "\(setup.environment["XDG_CACHE_HOME"]!)/hello.oci.tar"
        let exported = try setup.den(["export", "--format", "oci-archive", "-o", archive])
        #expect(exported.status == 0, "\(exported)")
        let again = try setup.den(["export", "-o", archive])
        #expect(again.status == 1 && again.standardError.contains("already exists"), "\(again)")

        // A teammate, with only their own id and a mirror that is down, has the project's
        // den.toml and den.lock: without the import nothing can be fetched.
        let teammate = try self.setup(["den-hello"], user: try TestUser.withoutRanges)
        try teammate.write(packages: ["den-hello"], mirror: "http://127.0.0.1:1/debian")
        try IntegrationTests.write(setup.lock, to: "\(teammate.project)/den.lock", as: teammate.user)
        let offline = try teammate.den(["run", "--", "den-hello"])
        #expect(offline.status == 1, "\(offline)")
        let copy = "\(teammate.environment["XDG_CACHE_HOME"]!)/hello.oci.tar"
        _ = try ProcessRunner.run("/bin/cp", [archive, copy])
        try teammate.user.chown(copy)
        let imported = try teammate.den(["import", copy])
        #expect(imported.status == 0 && imported.standardOutput.contains("imported local"), "\(imported)")
        let entered = try teammate.den(["run", "--", "den-hello"])
        #expect(entered.status == 0 && entered.standardOutput == "hello from den-hello\n", "\(entered)")
        #expect(!entered.standardError.contains("fetch") && !entered.standardError.contains("built"), "\(entered)")
        // The env's packages are dpkg's installed ones, as in the exporter's env.
        let status = try teammate.den(["run", "--", "dpkg-query", "-W", "-f", "${db:Status-Abbrev}${Package}\\n", "den-hello"])
        #expect(status.standardOutput == "ii den-hello\n", "\(status)")

        // What den export did not write is refused with the way out.
        let foreign = "\(teammate.environment["XDG_CACHE_HOME"]!)/foreign.tar"
        let saved = try ProcessRunner.run("/usr/bin/skopeo", [
            "--policy", NSTemporaryDirectory() + "/den-skopeo-policy.json", "copy", "--quiet",
            "oci:\(try TestRegistry.shared().layouts)/plain:1", "docker-archive:\(foreign):den/plain:1",
        ], environment: ["PATH": "/usr/bin:/bin", "HOME": NSTemporaryDirectory()])
        #expect(saved.status == 0, "\(saved)")
        try teammate.user.chown(foreign)
        let refused = try teammate.den(["import", foreign])
        #expect(refused.status == 1 && refused.standardError.contains("not written by `den export`"), "\(refused)")
    }

    @Test func aTeamSharesBuiltEnvsThroughTheCache() throws {
        let registry = try TestRegistry.shared()
        let cache = "\(registry.open)/den/cache-\(UUID().uuidString.prefix(8).lowercased())"
        let setup = try setup(["den-hello"])
        try appendLine("cache = \"\(cache)\"", to: "\(setup.project)/den.toml", as: setup.user)
        let pushed = try setup.den(["push"])
        #expect(pushed.status == 0 && pushed.standardOutput.contains("pushed local to \(cache):den-"), "\(pushed)")

        // A teammate (another user, their own store, a mirror that is down) with the project's
        // den.toml and den.lock: an untrusted cache is not used; a trusted one is.
        let teammate = try self.setup(["den-hello"], user: try TestUser.withoutRanges)
        try teammate.write(packages: ["den-hello"], mirror: "http://127.0.0.1:1/debian")
        try appendLine("cache = \"\(cache)\"", to: "\(teammate.project)/den.toml", as: teammate.user)
        try IntegrationTests.write(setup.lock, to: "\(teammate.project)/den.lock", as: teammate.user)
        let untrusted = try teammate.den(["build"])
        #expect(untrusted.status == 1 && untrusted.standardError.contains("which you have not trusted"), "\(untrusted)")
        let trust = try teammate.den(["trust"])
        #expect(trust.status == 0 && trust.standardOutput.contains("pulled from \(cache)"), "\(trust)")
        let built = try teammate.den(["build"])
        #expect(built.status == 0 && built.standardError.contains("pulling the env of den.lock from the cache"), "\(built)")
        #expect(!built.standardError.contains("unpacking"), "\(built)")
        let entered = try teammate.den(["run", "--", "den-hello"])
        #expect(entered.status == 0 && entered.standardOutput == "hello from den-hello\n", "\(entered)")
    }

    /// Everything below `directory` with its mode and content.
    static func snapshot(_ directory: String) throws -> [String: String] {
        guard let enumerator = FileManager.default.enumerator(atPath: directory) else { return [:] }
        var result: [String: String] = [:]
        for case let path as String in enumerator {
            let full = "\(directory)/\(path)"
            let mode = (try FileManager.default.attributesOfItem(atPath: full))[.posixPermissions] ?? 0
            result[path] = "\(mode) " + (FileManager.default.contents(atPath: full).map { String(decoding: $0, as: UTF8.self) } ?? "")
        }
        return result
    }

    @Test(arguments: [
        ("den-evil-escape", "the path contains \"..\""),
        ("den-evil-absolute", "the path is absolute"),
        ("den-evil-symlink", "symlink \"usr/evil\" points at nothing inside the root"),
        ("den-evil-hardlink", "refusing hard link"),
        ("den-evil-bomb", "past the limit of 4294967296 bytes"),
    ])
    func aHostilePackageIsRefusedAndNothingOutsideChanges(package: String, reason: String) throws {
        let setup = try setup([package])
        let before = try Self.snapshot(setup.archive.bait)
        let result = try setup.den(["build"])
        #expect(result.status == 1, "\(result)")
        #expect(result.standardError.contains("unpacking the packages"), "\(result)")
        // The reason is in the build log the error names.
        let log = result.standardError.split(separator: "'").first { $0.hasSuffix(".log") }.map(String.init) ?? ""
        let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? result.standardError
        #expect(text.contains(reason) || result.standardError.contains(reason), "\(result)\n\(text)")
        #expect(try Self.snapshot(setup.archive.bait) == before)
        // The base layer is whole; the packages layer never came to look complete.
        let layers = ((try? FileManager.default.contentsOfDirectory(atPath: "\(setup.data)/layers")) ?? []).filter { !$0.hasPrefix(".") }
        let kinds = layers.compactMap { try? String(contentsOfFile: "\(setup.data)/layers/\($0)/layer.toml", encoding: .utf8) }
        #expect(!kinds.contains { $0.contains("kind = \"debian-packages\"") }, "\(kinds)")
    }

    @Test func aDeviceNodeInAPackageIsSkipped() throws {
        let setup = try setup(["den-evil-device"])
        let result = try setup.den(["run", "--", "sh", "-c", "cat /usr/ok; test -e /usr/evil-null || echo skipped"])
        #expect(result.status == 0 && result.standardOutput == "ok\nskipped\n", "\(result)")
    }
}
