import DenTestSupport
import Foundation
import Testing

/// Image bases pulled from real registries on 127.0.0.1 (`TestRegistry`: Debian's
/// docker-registry, images pushed by skopeo), entered by the real den as unprivileged users.
/// Every test has a store and a cache of its own.
@Suite struct ImageTests {
    struct Setup {
        var user: TestUser
        var registry: TestRegistry
        var directory: String
        var project: String { "\(directory)/project" }
        var environment: [String: String]

        func den(_ arguments: [String], environment extra: [String: String] = [:]) throws -> ProcessResult {
            try user.den(arguments, in: project, environment: environment.merging(extra) { $1 }, timeout: .seconds(180))
        }

        func run(_ script: String, environment extra: [String: String] = [:]) throws -> ProcessResult {
            try den(["run", "--", "sh", "-c", script], environment: extra)
        }

        func write(base: String, extra: String = "") throws {
            try IntegrationTests.write("name = \"img\"\nbase = \"\(base)\"\n\(extra)", to: "\(project)/den.toml", as: user)
        }

        var lock: String { (try? String(contentsOfFile: "\(project)/den.lock", encoding: .utf8)) ?? "" }
        var cache: String { "\(directory)/cache/den" }
        var layers: String { "\(directory)/data/den/layers" }

        /// The `digest = ` of the lock's [image] table.
        var lockedDigest: String? {
            guard let table = lock.components(separatedBy: "[image]").dropFirst().first else { return nil }
            return table.split(separator: "\n").first { $0.hasPrefix("digest = ") }
                .map { $0.dropFirst("digest = ".count).trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
        }
    }

    func setup(base: String, user: TestUser? = nil) throws -> Setup {
        let user = try user ?? TestUser.withRanges
        let directory = try user.makeTemporaryDirectory("image")
        var environment: [String: String] = [:]
        for (key, name) in [("XDG_DATA_HOME", "data"), ("XDG_CACHE_HOME", "cache"), ("XDG_CONFIG_HOME", "config"), ("HOME", "project")] {
            try FileManager.default.createDirectory(atPath: "\(directory)/\(name)", withIntermediateDirectories: true)
            try user.chown("\(directory)/\(name)")
            if key != "HOME" { environment[key] = "\(directory)/\(name)" }
        }
        let setup = Setup(user: user, registry: try TestRegistry.shared(), directory: directory, environment: environment)
        try setup.write(base: base)
        return setup
    }

    /// A check of what the three test layers leave, run inside the env.
    static let layersScript = (TestImages.present.map { "test -e \($0) || echo missing \($0)" }
        + TestImages.absent.map { "test -e \($0) && echo present \($0)" }).joined(separator: "; ") + "; true"

    @Test func pullsPinsAndAppliesLayersWithWhiteouts() throws {
        let registry = try TestRegistry.shared()
        let setup = try setup(base: registry.layersImage)
        let result = try setup.run(Self.layersScript + "; cat /opt/opaque/new; hello; stat -c '%u:%g' /opt/owned; "
            + "echo \"$DEN_IMAGE_VAR $PATH $HOME\"; id -u")
        #expect(result.status == 0, "\(result)")
        let lines = result.standardOutput.split(separator: "\n").map(String.init)
        #expect(!lines.contains { $0.hasPrefix("missing ") || $0.hasPrefix("present ") }, "\(result)")
        #expect(lines.contains("new"))
        #expect(lines.contains("hello from the image"))
        // Owners from the layer, under the full mapping.
        #expect(lines.contains("101:102"), "\(result)")
        // The image's Env applies, but HOME is the user's own.
        #expect(lines.contains("from-image /usr/local/bin:/usr/bin:/bin:/opt/image/bin /home/\(setup.user.name)"), "\(result)")
        #expect(lines.last == "\(setup.user.uid)")
        // The lock pins what the registry serves for the tag (skopeo as the oracle), with
        // every layer's digest and the platform.
        #expect(setup.lockedDigest == (try TestRegistry.digest(of: registry.layersImage)))
        #expect(setup.lock.contains("platform = \"linux/amd64\""))
        #expect(setup.lock.components(separatedBy: "[[image.layer]]").count == 4)
        for type in ["tar+gzip", "tar+zstd", "layer.v1.tar\""] { #expect(setup.lock.contains(type), "\(type)") }
        #expect(result.standardError.contains("applying 3 image layers"))

        // Entering again uses the built layer: nothing is fetched or built.
        let again = try setup.run("true")
        #expect(again.status == 0 && again.standardError.isEmpty, "\(again)")
    }

    @Test func bearerTokensAreFetchedAndBlobRedirectsFollowed() throws {
        let registry = try TestRegistry.shared()
        let setup = try setup(base: "\(registry.tokenRegistry)/den/layers:1")
        let result = try setup.run("cat /opt/keep/b /opt/opaque/new")
        #expect(result.status == 0 && result.standardOutput == "b\nnew\n", "\(result)")
        let log = (try? String(contentsOfFile: registry.tokenLog, encoding: .utf8)) ?? ""
        #expect(log.contains("token repository:den/layers:pull\n"), "\(log)")
        // The pin is the layout's own manifest digest, as skopeo sees it on the real registry.
        #expect(setup.lockedDigest == (try TestRegistry.digest(of: registry.layersImage)))
        // An unknown repository is a 404 after authenticating, not an authentication error.
        try setup.write(base: "\(registry.tokenRegistry)/den/nothing:1")
        let missing = try setup.den(["lock"])
        #expect(missing.status == 1 && missing.standardError.contains("does not exist"), "\(missing)")
    }

    @Test func anIndexGivesThisMachinesImage() throws {
        let registry = try TestRegistry.shared()
        let setup = try setup(base: registry.multiImage)
        let result = try setup.run("test -e /etc/arch && echo arm; cat /opt/keep/b")
        #expect(result.status == 0, "\(result)")
        #expect(result.standardOutput == "b\n")
        // The lock records the index the tag named and the amd64 manifest in it.
        #expect(setup.lock.contains("index = \"\(try TestRegistry.digest(of: registry.multiImage))\""), "\(setup.lock)")
        #expect(setup.lockedDigest == (try TestRegistry.digest(of: "\(registry.open)/den/multi@\(setup.lockedDigest ?? "")")))
        #expect(setup.lockedDigest == (try TestRegistry.digest(of: registry.layersImage)))
    }

    @Test func aMovedTagChangesNothingUntilUpdate() throws {
        let registry = try TestRegistry.shared()
        let moving = "\(registry.open)/den/moving:1"
        try TestRegistry.push("\(registry.layouts)/layers:1", to: moving)
        let setup = try setup(base: moving)
        #expect(try setup.run("true").status == 0)
        let pinned = try #require(setup.lockedDigest)

        try TestRegistry.push("\(registry.layouts)/moved:2", to: moving)
        let moved = try TestRegistry.digest(of: moving)
        #expect(moved != pinned)
        // Neither this env nor a teammate's fresh build from the committed lock sees the move:
        // the build pulls the locked digest.
        #expect(try setup.run("test -e /etc/moved").status == 1)
        let teammate = try self.setup(base: moving, user: try TestUser.withoutRanges)
        try IntegrationTests.write(setup.lock, to: "\(teammate.project)/den.lock", as: teammate.user)
        let built = try teammate.run("test -e /etc/moved || echo old; cat /opt/owned")
        #expect(built.status == 0 && built.standardOutput == "old\nowned\n", "\(built)")
        #expect(teammate.lockedDigest == pinned)

        let update = try setup.den(["update"])
        #expect(update.status == 0, "\(update)")
        #expect(update.standardError.contains("~ \(moving) \(pinned) -> \(moved)"), "\(update)")
        #expect(setup.lockedDigest == moved)
        #expect(try setup.run("cat /etc/moved").standardOutput == "2\n")
    }

    @Test func aTamperedBlobIsRejectedAndNothingIsKept() throws {
        let registry = try TestRegistry.shared()
        let setup = try setup(base: registry.tamperImage)
        let lock = try setup.den(["lock"])
        #expect(lock.status == 0, "\(lock)")
        let layer = try #require(setup.lock.components(separatedBy: "[[image.layer]]").last?
            .split(separator: "\n").first { $0.hasPrefix("digest = ") }
            .map { $0.dropFirst("digest = ".count).trimmingCharacters(in: CharacterSet(charactersIn: "\"")) })
        let stored = registry.storedBlob(layer)
        var bytes = try Data(contentsOf: URL(fileURLWithPath: stored))
        bytes[bytes.count / 2] ^= 0xff
        try bytes.write(to: URL(fileURLWithPath: stored))

        let result = try setup.den(["build"])
        #expect(result.status == 1, "\(result)")
        #expect(result.standardError.contains("sha256"), "\(result)")
        let blobs = (try? FileManager.default.contentsOfDirectory(atPath: "\(setup.cache)/blobs")) ?? []
        #expect(!blobs.contains(String(layer.dropFirst("sha256:".count))))
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: setup.layers)) ?? []).filter { !$0.hasPrefix(".") }.isEmpty)
    }

    @Test func credentialsAreUsedAndWrongOnesAreNamed() throws {
        let registry = try TestRegistry.shared()
        let setup = try setup(base: registry.privateImage)
        let anonymous = try setup.den(["lock"])
        #expect(anonymous.status == 1)
        #expect(anonymous.standardError.contains("requires authentication"), "\(anonymous)")

        let authFile = "\(setup.directory)/config/auth.json"
        func writeAuth(_ password: String) throws {
            let token = Data("\(registry.credentials.user):\(password)".utf8).base64EncodedString()
            try IntegrationTests.write(#"{"auths":{"\#(registry.protected)":{"auth":"\#(token)"}}}"#, to: authFile, as: setup.user)
        }
        try writeAuth("wrong")
        let wrong = try setup.den(["lock"], environment: ["REGISTRY_AUTH_FILE": authFile])
        #expect(wrong.status == 1)
        #expect(wrong.standardError.contains("refused the credentials") && wrong.standardError.contains(authFile), "\(wrong)")

        try writeAuth(registry.credentials.password)
        let right = try setup.den(["run", "--", "cat", "/opt/keep/b"], environment: ["REGISTRY_AUTH_FILE": authFile])
        #expect(right.status == 0 && right.standardOutput == "b\n", "\(right)")
    }

    @Test func aRegistryThatIsDownOrLacksTheImageGivesAClearError() throws {
        let registry = try TestRegistry.shared()
        let setup = try setup(base: "127.0.0.1:1/den/layers:1")
        let down = try setup.den(["lock"])
        #expect(down.status == 1, "\(down)")
        #expect(down.standardError.contains("cannot download the image") && down.standardError.contains("127.0.0.1:1"), "\(down)")
        #expect(!FileManager.default.fileExists(atPath: "\(setup.project)/den.lock"))

        try setup.write(base: "\(registry.open)/den/layers:no-such-tag")
        let missing = try setup.den(["lock"])
        #expect(missing.status == 1)
        #expect(missing.standardError.contains("does not exist"), "\(missing)")
    }

    @Test func shortNamesUseTheConfiguredRegistry() throws {
        let registry = try TestRegistry.shared()
        try TestRegistry.push("\(registry.layouts)/layers:1", to: "\(registry.open)/library/busy:1")
        let setup = try setup(base: "busy:1")
        // The user's registries.conf replaces the system's; this one names no search registry.
        let containers = "\(setup.directory)/config/containers"
        try FileManager.default.createDirectory(atPath: containers, withIntermediateDirectories: true)
        try setup.user.chown(containers)
        try IntegrationTests.write("# no search registries\n", to: "\(containers)/registries.conf", as: setup.user)
        let unconfigured = try setup.den(["lock"])
        #expect(unconfigured.status == 1)
        #expect(unconfigured.standardError.contains("names no registry") && unconfigured.standardError.contains("DEN_REGISTRY"), "\(unconfigured)")
        let result = try setup.den(["run", "--", "cat", "/opt/keep/b"], environment: ["DEN_REGISTRY": registry.open])
        #expect(result.status == 0 && result.standardOutput == "b\n", "\(result)")
        #expect(setup.lock.contains("reference = \"\(registry.open)/library/busy:1\""), "\(setup.lock)")

        // An alias, as containers-common ships them.
        try IntegrationTests.write("[aliases]\n\"layered\" = \"\(registry.open)/den/layers\"\n",
                                   to: "\(containers)/registries.conf", as: setup.user)
        try setup.write(base: "layered:1")
        let aliased = try setup.den(["run", "--", "cat", "/opt/keep/b"])
        #expect(aliased.status == 0 && aliased.standardOutput == "b\n", "\(aliased)")

        // A [[registry]] location: the name in den.toml (which resolves nowhere) is fetched from
        // the local registry, and the lock keeps the name.
        try IntegrationTests.write("[[registry]]\nprefix = \"registry.den.invalid\"\nlocation = \"\(registry.open)\"\n",
                                   to: "\(containers)/registries.conf", as: setup.user)
        try setup.write(base: "registry.den.invalid/den/layers:1")
        let moved = try setup.den(["run", "--", "cat", "/opt/keep/b"])
        #expect(moved.status == 0 && moved.standardOutput == "b\n", "\(moved)")
        #expect(setup.lock.contains("reference = \"registry.den.invalid/den/layers:1\""), "\(setup.lock)")
    }

    @Test func gcKeepsTheBlobsOfLockedImagesAndRemovesTheRest() throws {
        let registry = try TestRegistry.shared()
        let setup = try setup(base: registry.layersImage)
        #expect(try setup.run("true").status == 0)
        let blobs = try FileManager.default.contentsOfDirectory(atPath: "\(setup.cache)/blobs").sorted()
        // The manifest, the configuration and three layers.
        #expect(blobs.count == 5, "\(blobs)")
        try IntegrationTests.write("stray", to: "\(setup.cache)/blobs/" + String(repeating: "0", count: 64), as: setup.user)
        let gc = try setup.den(["gc"])
        #expect(gc.status == 0, "\(gc)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: "\(setup.cache)/blobs").sorted() == blobs)
    }

    /// Every file below `directory` with its content's hash, to show den changed nothing there.
    static func fingerprint(_ directory: String) throws -> [String: Data] {
        var result: [String: Data] = [:]
        for case let path as String in FileManager.default.enumerator(atPath: directory) ?? FileManager.default.enumerator(atPath: "/nonexistent")! {
            result[path] = FileManager.default.contents(atPath: "\(directory)/\(path)") ?? Data()
        }
        return result
    }

    @Test func anOCILayoutInTheProjectIsABase() throws {
        let registry = try TestRegistry.shared()
        let setup = try setup(base: "oci-layout:image:1")
        let copied = try ProcessRunner.run("/bin/cp", ["-r", "\(registry.layouts)/layers", "\(setup.project)/image"])
        #expect(copied.status == 0)
        _ = try ProcessRunner.run("/bin/chown", ["-R", "\(setup.user.uid):\(setup.user.gid)", "\(setup.project)/image"])
        let before = try Self.fingerprint("\(setup.project)/image")
        let result = try setup.run(Self.layersScript + "; cat /opt/opaque/new; stat -c '%u:%g' /opt/owned")
        #expect(result.status == 0 && result.standardOutput == "new\n101:102\n", "\(result)")
        #expect(setup.lock.contains("reference = \"oci-layout:image:1\""), "\(setup.lock)")
        // The layout's own manifest is what the lock pins: the same digest the registry gives.
        #expect(setup.lockedDigest == (try TestRegistry.digest(of: registry.layersImage)))
        #expect(try Self.fingerprint("\(setup.project)/image") == before, "den changed the layout in the project")

        let unknown = try self.setup(base: "oci-layout:\(registry.layouts)/layers:9")
        let missing = try unknown.den(["lock"])
        #expect(missing.status == 1 && missing.standardError.contains("does not exist"), "\(missing)")
    }

    @Test func aDockerSaveArchiveIsABase() throws {
        let registry = try TestRegistry.shared()
        let setup = try setup(base: "docker-archive:saved.tar")
        // skopeo writes what `docker save` writes: manifest.json, the configuration, layer tars.
        let archive = "\(setup.project)/saved.tar"
        let saved = try ProcessRunner.run("/usr/bin/skopeo", [
            "--policy", NSTemporaryDirectory() + "/den-skopeo-policy.json", "copy", "--quiet",
            "oci:\(registry.layouts)/plain:1", "docker-archive:\(archive):den/plain:1",
        ], environment: ["PATH": "/usr/bin:/bin", "HOME": NSTemporaryDirectory()])
        #expect(saved.status == 0, "\(saved)")
        _ = try ProcessRunner.run("/bin/chown", ["\(setup.user.uid):\(setup.user.gid)", archive])
        let before = try Data(contentsOf: URL(fileURLWithPath: archive))
        let result = try setup.run("hello; cat /opt/keep/b; test -e /opt/keep/a || echo whited-out")
        #expect(result.status == 0 && result.standardOutput == "hello from the image\nb\nwhited-out\n", "\(result)")
        let pinned = try #require(setup.lockedDigest)
        // The archive has no manifest of its own: the one den writes for it is stable.
        #expect(try setup.den(["update"]).status == 0)
        #expect(setup.lockedDigest == pinned)
        #expect(try Data(contentsOf: URL(fileURLWithPath: archive)) == before)
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: setup.project)) ?? []).sorted() == ["den.lock", "den.toml", "saved.tar"])

        try IntegrationTests.write("not a tar", to: "\(setup.project)/broken.tar", as: setup.user)
        try setup.write(base: "docker-archive:broken.tar")
        let broken = try setup.den(["lock"])
        #expect(broken.status == 1 && broken.standardError.contains("docker archive"), "\(broken)")
    }

    /// `podman ARGUMENTS` as the user, rootless, with a storage of its own (runc and no
    /// cgroups of its own: crun refuses this machine's hybrid cgroups).
    func podman(_ arguments: [String], as setup: Setup) throws -> ProcessResult {
        let root = "\(setup.directory)/podman"
        return try setup.user.run("/usr/bin/podman", [
            "--root", "\(root)/storage", "--runroot", "\(root)/run", "--storage-driver", "vfs", "--runtime", "runc",
            "--cgroup-manager", "cgroupfs",
        ] + arguments, environment: ["XDG_RUNTIME_DIR": "\(root)/xdg"], timeout: .seconds(180))
    }

    @Test func exportsLoadInPodmanAndRootfsHoldsTheTree() throws {
        let registry = try TestRegistry.shared()
        let setup = try setup(base: registry.layersImage)
        let podmanRoot = "\(setup.directory)/podman"
        try FileManager.default.createDirectory(atPath: "\(podmanRoot)/xdg", withIntermediateDirectories: true)
        _ = try ProcessRunner.run("/bin/chown", ["-R", "\(setup.user.uid):\(setup.user.gid)", podmanRoot])
        #expect(try setup.run("echo changed > /home/\(setup.user.name)/mine").status == 0)
        for format in ["oci-archive", "docker-archive"] {
            let file = "\(setup.directory)/cache/env.\(format).tar"
            let exported = try setup.den(["export", "--format", format, "-o", file])
            #expect(exported.status == 0, "\(exported)")
            let loaded = try podman(["load", "-q", "-i", file], as: setup)
            #expect(loaded.status == 0 && loaded.standardOutput.contains("localhost/den/img:latest"), "\(loaded)")
            let ran = try podman(["run", "--rm", "--network", "none", "localhost/den/img:latest", "sh", "-c",
                                  "cat /etc/os-release /opt/keep/b; echo $DEN_IMAGE_VAR; test -e /opt/keep/a || echo whited-out"], as: setup)
            #expect(ran.status == 0, "\(ran)")
            #expect(ran.standardOutput == "NAME=\"den test image\"\nID=dentest\nb\nfrom-image\nwhited-out\n", "\(ran)")
        }
        // rootfs: a .tar.zst of the tree (tar itself is the oracle), the env's changes only when asked.
        for (flags, hasChange) in [([String](), false), (["--include-changes"], true)] {
            let file = "\(setup.directory)/cache/rootfs-\(hasChange).tar.zst"
            #expect(try setup.den(["export", "--format", "rootfs", "-o", file] + flags).status == 0)
            let listing = try ProcessRunner.run("/bin/tar", ["--zstd", "-tvf", file])
            #expect(listing.status == 0, "\(listing)")
            let lines = listing.standardOutput.split(separator: "\n")
            #expect(lines.contains { $0.hasSuffix(" opt/keep/b") && $0.contains(" 0/0 ") }, "\(listing)")
            #expect(lines.contains { $0.hasSuffix(" opt/owned") && $0.contains(" 101/102 ") }, "\(listing)")
            #expect(!lines.contains { $0.hasSuffix(" opt/keep/a") })
            #expect(lines.contains { $0.hasSuffix("/mine") } == hasChange, "\(listing)")
        }
    }
}
