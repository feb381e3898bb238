import DenTestSupport
import Foundation
import Testing

/// `packages` on a Debian image, installed with the image's own apt: the image is the
/// mmdebstrap tree of `DebianRootfsTests` (bookworm minbase from the host's mirror, its apt
/// sources pointing there), pushed to the test registry. Needs the real archive.
@Suite struct ImagePackagesTests {
    /// The mmdebstrap tree as a one-layer image on the open test registry.
    static let image: Result<String, TestFailure> = Result {
        let registry = try TestRegistry.shared()
        let root = try DebianRootfsTests.rootfs.get()
        let user = try TestUser.withRanges
        // mmdebstrap's unshare mode left the tree owned by the user's subordinate ids: the
        // layer gets the ids as the image's own root sees them.
        let line = try String(contentsOfFile: "/etc/subuid", encoding: .utf8).split(separator: "\n")
            .first { $0.hasPrefix("\(user.name):") }
        let start = try #require(line.flatMap { Int($0.split(separator: ":")[1]) })
        let layout = try user.makeTemporaryDirectory("debian-image")
        let made = try ProcessRunner.run("/usr/bin/python3", ["-c", Self.script, root, "\(layout)/layout", "\(start)"], timeout: .seconds(300))
        guard made.status == 0 else { throw TestFailure("making the Debian image failed: \(made)") }
        let reference = "\(registry.open)/den/bookworm:1"
        try TestRegistry.push("\(layout)/layout:1", to: reference)
        return reference
    }.mapError { ($0 as? TestFailure) ?? TestFailure("\($0)") }

    static let script = #"""
        import gzip, hashlib, io, json, os, sys, tarfile
        root, out, start = sys.argv[1], sys.argv[2], int(sys.argv[3])
        def shift(info):
            info.uid = info.uid - start if info.uid >= start else info.uid
            info.gid = info.gid - start if info.gid >= start else info.gid
            info.uname = info.gname = ""
            return None if info.isdev() else info
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
            for name in sorted(os.listdir(root)):
                tar.add(os.path.join(root, name), arcname=name, filter=shift)
        raw = buffer.getvalue()
        os.makedirs(f"{out}/blobs/sha256")
        def blob(data, media):
            digest = hashlib.sha256(data).hexdigest()
            open(f"{out}/blobs/sha256/{digest}", "wb").write(data)
            return {"mediaType": media, "digest": "sha256:" + digest, "size": len(data)}
        layer = blob(gzip.compress(raw, 1, mtime=0), "application/vnd.oci.image.layer.v1.tar+gzip")
        config = {"architecture": "amd64", "os": "linux", "config": {"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]},
                  "rootfs": {"type": "layers", "diff_ids": ["sha256:" + hashlib.sha256(raw).hexdigest()]}}
        manifest = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                    "config": blob(json.dumps(config).encode(), "application/vnd.oci.image.config.v1+json"), "layers": [layer]}
        entry = blob(json.dumps(manifest).encode(), "application/vnd.oci.image.manifest.v1+json")
        entry["annotations"] = {"org.opencontainers.image.ref.name": "1"}
        json.dump({"imageLayoutVersion": "1.0.0"}, open(f"{out}/oci-layout", "w"))
        json.dump({"schemaVersion": 2, "manifests": [entry]}, open(f"{out}/index.json", "w"))
        """#

    func project(base: String, packages: [String], user: TestUser) throws -> (project: String, environment: [String: String]) {
        let directory = try user.makeTemporaryDirectory("image-packages")
        var environment: [String: String] = [:]
        for (key, name) in [("XDG_DATA_HOME", "data"), ("XDG_CACHE_HOME", "cache"), ("HOME", "project")] {
            try FileManager.default.createDirectory(atPath: "\(directory)/\(name)", withIntermediateDirectories: true)
            try user.chown("\(directory)/\(name)")
            if key != "HOME" { environment[key] = "\(directory)/\(name)" }
        }
        let list = packages.map { "\"\($0)\"" }.joined(separator: ", ")
        try write("name = \"apt-image\"\nbase = \"\(base)\"\nssh-agent = false\npackages = [\(list)]\n",
                  to: "\(directory)/project/den.toml", as: user)
        return ("\(directory)/project", environment)
    }

    @Test func theImagesAptInstallsLockedPackagesAndABuildFromTheLockNeedsNoResolution() throws {
        let image = try Self.image.get()
        let user = try TestUser.withRanges
        let (project, environment) = try project(base: image, packages: ["hello"], user: user)
        let first = try user.den(["run", "--", "sh", "-c", "hello; dpkg-query -W -f '${db:Status-Abbrev} ${Version}' hello"],
                                 in: project, environment: environment, timeout: .seconds(600))
        #expect(first.status == 0, "\(first)")
        #expect(first.standardOutput.hasPrefix("Hello, world!\nii  "), "\(first)")
        #expect(first.standardError.contains("resolving 1 package with the image's apt"), "\(first)")
        let lock = try String(contentsOfFile: "\(project)/den.lock", encoding: .utf8)
        #expect(lock.contains("name = \"hello\"") && lock.contains("layer = \"image\"") && lock.contains("/pool/main/h/hello/hello_"),
                "\(lock)")
        // dpkg's database says which version: the locked one.
        let version = first.standardOutput.split(separator: "\n").last.map { String($0.dropFirst(4)) } ?? ""
        #expect(lock.contains("version = \"\(version)\""), "\(version) \(lock)")

        // A teammate with the committed lock (and only their own id: single-id mode) gets the
        // same packages by their locked files, with no apt-get update.
        let teammate = try TestUser.withoutRanges
        let (clone, cloneEnvironment) = try self.project(base: image, packages: ["hello"], user: teammate)
        try write(lock, to: "\(clone)/den.lock", as: teammate)
        let built = try teammate.den(["run", "--", "hello"], in: clone, environment: cloneEnvironment, timeout: .seconds(600))
        #expect(built.status == 0 && built.standardOutput == "Hello, world!\n", "\(built)")
        #expect(!built.standardError.contains("resolving"), "\(built)")
        #expect(try String(contentsOfFile: "\(clone)/den.lock", encoding: .utf8) == lock)
        let verified = try teammate.den(["verify"], in: clone, environment: cloneEnvironment)
        #expect(verified.status == 0 && verified.standardOutput.contains("image-packages"), "\(verified)")
    }

    @Test func anImageWithoutAptSaysSo() throws {
        let registry = try TestRegistry.shared()
        let user = try TestUser.withRanges
        let (project, environment) = try project(base: registry.layersImage, packages: ["hello"], user: user)
        let result = try user.den(["lock"], in: project, environment: environment, timeout: .seconds(120))
        #expect(result.status == 1, "\(result)")
        #expect(result.standardError.contains("has no apt-get"), "\(result)")
        #expect(!FileManager.default.fileExists(atPath: "\(project)/den.lock"))
    }
}
