import DenTestSupport
import Foundation
import Testing

/// Images whose top layer is crafted to get out of the layer or to hurt the machine, pushed
/// to the test registry and built by den as the unprivileged test users. Each is refused with
/// a message that says why, or neutralised; in every case a bait directory outside the store
/// is byte for byte what it was, and no layer is left that looks complete.
@Suite(.serialized) struct HostileImageTests {
    struct Images {
        var references: [String: String]
        /// A directory of the test user's that the layers aim at: nothing may change there.
        var bait: String
    }

    static let images: Result<Images, TestFailure> = Result {
        let registry = try TestRegistry.shared()
        let user = try TestUser.withRanges
        let work = try user.makeTemporaryDirectory("hostile-images")
        let bait = try user.makeTemporaryDirectory("bait")
        try write("secret\n", to: "\(bait)/secret", as: user)
        let rootfs = "\(work)/rootfs"
        try BusyboxRootfs.make(at: rootfs)
        let made = try ProcessRunner.run("/usr/bin/python3", ["-c", Self.script, "\(work)/layouts", rootfs, bait], timeout: .seconds(300))
        guard made.status == 0 else { throw TestFailure("making the hostile images failed: \(made)") }
        var references: [String: String] = [:]
        for name in made.standardOutput.split(separator: "\n").map(String.init) {
            let reference = "\(registry.open)/hostile/\(name):1"
            try TestRegistry.push("\(work)/layouts/\(name):1", to: reference)
            references[name] = reference
        }
        return Images(references: references, bait: bait)
    }.mapError { ($0 as? TestFailure) ?? TestFailure("\($0)") }

    /// One layout per case: busybox (gzip), then the hostile layer. Prints the case names.
    static let script = #"""
        import gzip, hashlib, io, json, os, subprocess, sys, tarfile
        out, rootfs, bait = sys.argv[1], sys.argv[2], sys.argv[3]
        up = "../" * 40

        def tar(entries):
            buffer = io.BytesIO()
            with tarfile.open(fileobj=buffer, mode="w", format=tarfile.GNU_FORMAT) as t:
                for info, data in entries:
                    t.addfile(info, io.BytesIO(data) if data is not None else None)
            return buffer.getvalue()

        def entry(name, kind=tarfile.REGTYPE, data=b"", mode=0o644, link=""):
            info = tarfile.TarInfo(name)
            info.type, info.mode, info.linkname = kind, mode, link
            info.size = len(data) if kind == tarfile.REGTYPE else 0
            if kind == tarfile.CHRTYPE:
                info.devmajor, info.devminor = 1, 3
            return info, data if kind == tarfile.REGTYPE else None

        base_buffer = io.BytesIO()
        with tarfile.open(fileobj=base_buffer, mode="w", format=tarfile.PAX_FORMAT) as t:
            for name in sorted(os.listdir(rootfs)):
                t.add(os.path.join(rootfs, name), arcname=name)
        base = gzip.compress(base_buffer.getvalue(), 1, mtime=0)

        bomb = os.path.join(out, "bomb.file")
        os.makedirs(out, exist_ok=True)
        with open(bomb, "wb") as f:
            f.truncate(5 << 30)
        zeros = subprocess.run("tar -C '%s' -cf - bomb.file | zstd -1 -q -c" % out, shell=True, check=True,
                               stdout=subprocess.PIPE).stdout
        os.remove(bomb)
        plain = tar([entry("etc/plain", data=b"p" * 65536)])

        cases = {
            "escape": (tar([entry(up + bait.lstrip("/") + "/escaped", data=b"x\n")]), "tar"),
            "absolute": (tar([entry(bait + "/absolute", data=b"x\n")]), "tar"),
            "symlink-out": (tar([entry("link", tarfile.SYMTYPE, link=bait), entry("link/planted", data=b"x\n")]), "tar"),
            "symlink-in": (tar([entry("link", tarfile.SYMTYPE, link="/etc"), entry("link/planted", data=b"x\n")]), "tar"),
            "hardlink-out": (tar([entry("hl", tarfile.LNKTYPE, link=up + bait.lstrip("/") + "/secret")]), "tar"),
            "device": (tar([entry("dev-null", tarfile.CHRTYPE), entry("ok", data=b"ok\n")]), "tar"),
            "setuid": (tar([entry("suid", data=b"#!/bin/sh\n", mode=0o4755)]), "tar"),
            "long-name": (tar([entry("x" * 300, data=b"x\n")]), "tar"),
            "bomb": (zeros, "zstd"),
            "truncated": (gzip.compress(plain[:len(plain) // 3], 1, mtime=0), "gzip"),
            "garbage": (hashlib.sha512(b"den").digest() * 64, "gzip"),
        }
        media = {"tar": "application/vnd.oci.image.layer.v1.tar", "gzip": "application/vnd.oci.image.layer.v1.tar+gzip",
                 "zstd": "application/vnd.oci.image.layer.v1.tar+zstd"}
        for name, (layer, kind) in cases.items():
            path = os.path.join(out, name)
            os.makedirs(os.path.join(path, "blobs", "sha256"))
            def blob(data, media_type):
                digest = hashlib.sha256(data).hexdigest()
                with open(os.path.join(path, "blobs", "sha256", digest), "wb") as f:
                    f.write(data)
                return {"mediaType": media_type, "digest": "sha256:" + digest, "size": len(data)}
            config = {"architecture": "amd64", "os": "linux", "config": {"Env": ["PATH=/usr/bin:/bin"]},
                      "rootfs": {"type": "layers", "diff_ids": ["sha256:" + "0" * 64, "sha256:" + "1" * 64]}}
            manifest = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                        "config": blob(json.dumps(config).encode(), "application/vnd.oci.image.config.v1+json"),
                        "layers": [blob(base, media["gzip"]), blob(layer, media[kind])]}
            entry_ = blob(json.dumps(manifest).encode(), "application/vnd.oci.image.manifest.v1+json")
            entry_["annotations"] = {"org.opencontainers.image.ref.name": "1"}
            json.dump({"imageLayoutVersion": "1.0.0"}, open(os.path.join(path, "oci-layout"), "w"))
            json.dump({"schemaVersion": 2, "manifests": [entry_]}, open(os.path.join(path, "index.json"), "w"))
            print(name)
        """#

    /// Every file below `directory`, with its content and mode.
    static func snapshot(_ directory: String) throws -> [String: String] {
        var result: [String: String] = [:]
        guard let enumerator = FileManager.default.enumerator(atPath: directory) else { return [:] }
        for case let path as String in enumerator {
            let full = "\(directory)/\(path)"
            let attributes = try FileManager.default.attributesOfItem(atPath: full)
            let content = FileManager.default.contents(atPath: full).map { String(decoding: $0, as: UTF8.self) } ?? ""
            result[path] = "\(attributes[.posixPermissions] ?? 0) \(content)"
        }
        return result
    }

    func project(_ name: String, user: TestUser) throws -> (project: String, environment: [String: String], layers: String) {
        let images = try Self.images.get()
        let reference = try #require(images.references[name])
        let directory = try user.makeTemporaryDirectory("hostile-\(name)")
        var environment: [String: String] = [:]
        for (key, sub) in [("XDG_DATA_HOME", "data"), ("XDG_CACHE_HOME", "cache"), ("HOME", "project")] {
            try FileManager.default.createDirectory(atPath: "\(directory)/\(sub)", withIntermediateDirectories: true)
            try user.chown("\(directory)/\(sub)")
            if key != "HOME" { environment[key] = "\(directory)/\(sub)" }
        }
        try write("name = \"hostile\"\nbase = \"\(reference)\"\nssh-agent = false\n", to: "\(directory)/project/den.toml", as: user)
        return ("\(directory)/project", environment, "\(directory)/data/den/layers")
    }

    /// The layers that look complete (a layer directory is complete or absent).
    static func completeLayers(_ directory: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { !$0.hasPrefix(".") }
    }

    @Test(arguments: [
        ("escape", "the path contains \"..\""),
        ("absolute", "the path is absolute"),
        ("hardlink-out", "refusing hard link \"hl\""),
        ("symlink-out", "symlink \"link\" points at nothing inside the root"),
        ("long-name", "longer than 255 bytes"),
        ("bomb", "past the limit of 4294967296 bytes"),
        ("truncated", "libarchive failed"),
        ("garbage", "libarchive failed"),
    ])
    func isRefusedAndNothingOutsideChanges(name: String, reason: String) throws {
        let user = try TestUser.withRanges
        let bait = try Self.images.get().bait
        let before = try Self.snapshot(bait)
        let (project, environment, layers) = try project(name, user: user)
        let result = try user.den(["run", "--", "true"], in: project, environment: environment, timeout: .seconds(300))
        #expect(result.status == 1, "\(result)")
        #expect(result.standardError.contains("cannot apply the image layer") || result.standardError.contains("the build failed"),
                "\(result)")
        #expect(result.standardError.contains(reason), "\(result)")
        #expect(try Self.snapshot(bait) == before)
        #expect(Self.completeLayers(layers).isEmpty, "\(Self.completeLayers(layers))")
    }

    @Test func aSymlinkIsFollowedInsideTheRootNeverOut() throws {
        let user = try TestUser.withRanges
        let images = try Self.images.get()
        let before = try Self.snapshot(images.bait)
        let (project, environment, _) = try project("symlink-in", user: user)
        // An absolute link is read as the env will see it: the file lands in the env's /etc.
        let result = try user.den(["run", "--", "cat", "/etc/planted"], in: project, environment: environment)
        #expect(result.status == 0 && result.standardOutput == "x\n", "\(result)")
        #expect(try Self.snapshot(images.bait) == before)
    }

    @Test func deviceNodesAreSkippedAndSetuidNeedsSubordinateIDs() throws {
        let user = try TestUser.withRanges
        let (project, environment, _) = try project("device", user: user)
        let device = try user.den(["run", "--", "sh", "-c", "cat /ok; test -e /dev-null || echo skipped"], in: project, environment: environment)
        #expect(device.status == 0 && device.standardOutput == "ok\nskipped\n", "\(device)")

        for (tester, expected) in [(user, "4755"), (try TestUser.withoutRanges, "755")] {
            let (setuid, setuidEnvironment, _) = try self.project("setuid", user: tester)
            let mode = try tester.den(["run", "--", "stat", "-c", "%a", "/suid"], in: setuid, environment: setuidEnvironment)
            // With one id mapped, a setuid bit would give the user's rights to whoever runs it.
            #expect(mode.status == 0 && mode.standardOutput == "\(expected)\n", "\(tester.name): \(mode)")
        }
    }
}
