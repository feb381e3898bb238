import Foundation

/// Two container registries on 127.0.0.1, Debian's `docker-registry` (the distribution
/// project's reference server), made for the test process and stopped with it: one open to
/// anonymous pulls, one behind basic authentication. The test images are made as OCI layouts
/// by a script here and pushed with `skopeo`, as a team would push its own.
public final class TestRegistry: Sendable {
    public static func shared() throws -> TestRegistry {
        try instance.get()
    }

    private static let instance = Result<TestRegistry, any Error> { try TestRegistry() }

    /// `127.0.0.1:PORT` of the open registry and of the one that needs `credentials`.
    public let open: String
    public let protected: String
    public let credentials = (user: "den", password: "s3cret-den")
    /// `127.0.0.1:PORT` of a registry that speaks the bearer-token protocol as public
    /// registries do: every request needs a token from its /token service, and blobs are
    /// answered with a redirect to a storage path. It serves the layouts as `den/NAME:TAG`.
    public let tokenRegistry: String
    /// One line per token the token registry handed out: `token SCOPE`.
    public let tokenLog: String

    /// The images on the open registry (also on the protected one, as `den/private:1`).
    /// `den/layers:1`: busybox and three layers (gzip, zstd, plain tar) with whiteouts and an
    /// opaque directory. `den/multi:1`: an index with an amd64 and an arm64 image.
    /// `den/layers:2`: the same as `:1` plus one layer, for a tag that moves.
    public let layersImage: String
    public let multiImage: String
    public let movedImage: String
    public let privateImage: String
    /// `den/tamper:1`: one layer no other image has, for a test to damage in the storage.
    public let tamperImage: String
    /// The layouts the images were pushed from (`layers`, `multi`, `moved`, `tamper`), and
    /// `plain`: the first and third layer of `layers` only (no zstd).
    public let layouts: String
    /// The open registry's blob storage (`sha256/XX/HEX/data`).
    public let openBlobs: String

    private let servers: [RegistryServer]

    private init() throws {
        let base = try makeRegistryDirectory()
        let rootfs = "\(base)/rootfs"
        try BusyboxRootfs.make(at: rootfs)
        let make = try ProcessRunner.run("/usr/bin/python3", ["-c", TestImages.script, "\(base)/layouts", rootfs])
        guard make.status == 0 else { throw TestFailure("making the test images failed: \(make)") }
        layouts = "\(base)/layouts"
        openBlobs = "\(base)/open/data/docker/registry/v2/blobs"

        let open = try RegistryServer(directory: "\(base)/open", htpasswd: nil)
        let hash = try ProcessRunner.run("/usr/bin/python3", [
            "-W", "ignore", "-c",
            "import crypt, sys; print(crypt.crypt(sys.argv[1], crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=16)))",
            credentials.password,
        ])
        guard hash.status == 0 else { throw TestFailure("bcrypt failed: \(hash)") }
        let protected = try RegistryServer(
            directory: "\(base)/protected", htpasswd: "\(credentials.user):\(hash.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines))\n")
        tokenLog = "\(base)/token.log"
        let token = try RegistryServer(script: TokenRegistry.script, arguments: ["\(base)/layouts", tokenLog],
                                       directory: "\(base)/token", what: "the token registry")
        servers = [open, protected, token]
        self.open = "127.0.0.1:\(open.port)"
        self.protected = "127.0.0.1:\(protected.port)"
        self.tokenRegistry = "127.0.0.1:\(token.port)"

        layersImage = "\(self.open)/den/layers:1"
        multiImage = "\(self.open)/den/multi:1"
        movedImage = "\(self.open)/den/layers:2"
        privateImage = "\(self.protected)/den/private:1"
        tamperImage = "\(self.open)/den/tamper:1"
        try Self.push("\(layouts)/tamper:1", to: tamperImage)
        try Self.push("\(layouts)/layers:1", to: layersImage)
        try Self.push("\(layouts)/multi:1", to: multiImage, all: true)
        try Self.push("\(layouts)/moved:2", to: movedImage)
        try Self.push("\(layouts)/layers:1", to: privateImage, credentials: "\(credentials.user):\(credentials.password)")
    }

    /// The blob file of `digest` in a registry's storage.
    public func storedBlob(_ digest: String) -> String {
        let hex = digest.replacingOccurrences(of: "sha256:", with: "")
        return "\(openBlobs)/sha256/\(hex.prefix(2))/\(hex)/data"
    }

    /// Pushes an OCI layout's tagged image (`DIR:TAG`) to `reference` with skopeo.
    public static func push(_ layout: String, to reference: String, all: Bool = false, credentials: String? = nil) throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/skopeo") else {
            throw TestFailure("skopeo is missing (`make deps`)")
        }
        var arguments = ["copy", "--quiet", "--preserve-digests", "--dest-tls-verify=false"]
        if all { arguments.append("--all") }
        if let credentials { arguments += ["--dest-creds", credentials] }
        arguments += ["oci:\(layout)", "docker://\(reference)"]
        // skopeo wants a policy; the host may have none, and the test must not depend on it.
        let policy = NSTemporaryDirectory() + "/den-skopeo-policy.json"
        try #"{"default":[{"type":"insecureAcceptAnything"}]}"#.write(toFile: policy, atomically: true, encoding: .utf8)
        let result = try ProcessRunner.run("/usr/bin/skopeo", ["--policy", policy] + arguments,
                                           environment: ["PATH": "/usr/bin:/bin", "HOME": NSTemporaryDirectory()])
        guard result.status == 0 else { throw TestFailure("skopeo \(arguments.joined(separator: " ")) failed: \(result)") }
    }

    /// The digest a registry gives a reference now (skopeo's view: an oracle for den's lock).
    public static func digest(of reference: String) throws -> String {
        let policy = NSTemporaryDirectory() + "/den-skopeo-policy.json"
        let result = try ProcessRunner.run("/usr/bin/skopeo", [
            "--policy", policy, "inspect", "--tls-verify=false", "--raw", "docker://\(reference)",
        ], environment: ["PATH": "/usr/bin:/bin", "HOME": NSTemporaryDirectory()])
        guard result.status == 0 else { throw TestFailure("skopeo inspect \(reference) failed: \(result)") }
        return "sha256:" + sha256Hex(Data(result.standardOutput.utf8))
    }
}

private func sha256Hex(_ data: Data) -> String {
    let file = NSTemporaryDirectory() + "/den-sha-\(getpid())-\(UUID().uuidString)"
    FileManager.default.createFile(atPath: file, contents: data)
    defer { try? FileManager.default.removeItem(atPath: file) }
    let result = try? ProcessRunner.run("/usr/bin/sha256sum", [file])
    return String(result?.standardOutput.prefix(64) ?? "")
}

/// One `docker-registry serve`, kept by a small python supervisor that stops it when this
/// process's end closes the supervisor's stdin.
private final class RegistryServer: @unchecked Sendable {
    // Unchecked: set once in init and never touched again, only kept alive.
    let process = Process()
    let input = Pipe()
    let output = Pipe()
    let port: Int

    static let script = #"""
    import os, socket, subprocess, sys, time, urllib.request

    directory, htpasswd = sys.argv[1], sys.argv[2]
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    auth = ""
    if htpasswd:
        with open(os.path.join(directory, "htpasswd"), "w") as file:
            file.write(htpasswd)
        auth = "auth:\n  htpasswd:\n    realm: den-test\n    path: %s\n" % os.path.join(directory, "htpasswd")
    config = os.path.join(directory, "config.yml")
    with open(config, "w") as file:
        file.write("version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: %s\n"
                   "  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:%d\n%s" % (os.path.join(directory, "data"), port, auth))
    registry = subprocess.Popen(["/usr/bin/docker-registry", "serve", config],
                                stdout=subprocess.DEVNULL, stderr=open(os.path.join(directory, "log"), "w"))
    for _ in range(200):
        try:
            urllib.request.urlopen("http://127.0.0.1:%d/v2/" % port, timeout=1)
            break
        except urllib.error.HTTPError:
            break
        except Exception:
            if registry.poll() is not None:
                sys.exit("docker-registry exited: see %s/log" % directory)
            time.sleep(0.05)
    print(port, flush=True)
    sys.stdin.buffer.read()
    registry.kill()
    """#

    convenience init(directory: String, htpasswd: String?) throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/docker-registry") else {
            throw TestFailure("docker-registry is missing (`make deps`)")
        }
        try self.init(script: Self.script, arguments: [directory, htpasswd ?? ""], directory: directory,
                      what: "the test registry (see \(directory)/log)")
    }

    init(script: String, arguments: [String], directory: String, what: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for handle in [input.fileHandleForWriting, output.fileHandleForReading] {
            _ = fcntl(handle.fileDescriptor, F_SETFD, FD_CLOEXEC)
        }
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = ["-c", script] + arguments
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        port = try readPort(from: output, server: what)
    }
}

private func makeRegistryDirectory() throws -> String {
    var template = Array("/tmp/den-test-registry-XXXXXX".utf8CString)
    guard let pointer = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
        throw TestFailure("mkdtemp: \(String(cString: strerror(errno)))")
    }
    let path = String(cString: pointer)
    chmod(path, 0o755)
    registryDirectoryToRemove = path
    atexit { if let path = registryDirectoryToRemove { try? FileManager.default.removeItem(atPath: path) } }
    return path
}

private nonisolated(unsafe) var registryDirectoryToRemove: String?

/// A registry in a few lines of python that does what public registries do and
/// docker-registry (without a token service) cannot: bearer tokens and blob redirects.
enum TokenRegistry {
    static let script = #"""
    import http.server, json, os, re, sys, threading, urllib.parse

    layouts, log = sys.argv[1], sys.argv[2]
    TOKEN = "den-test-token"

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        def log_message(self, *arguments):
            pass
        def send(self, code, body=b"", headers=None):
            self.send_response(code)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
        def challenge(self, scope):
            value = 'Bearer realm="http://%s/token",service="den-test"' % self.headers["Host"]
            if scope:
                value += ',scope="%s"' % scope
            self.send(401, b'{"errors":[{"code":"UNAUTHORIZED"}]}', {"WWW-Authenticate": value, "Content-Type": "application/json"})
        def blob(self, name, digest):
            return os.path.join(layouts, name, "blobs", "sha256", digest.split(":", 1)[1])
        def do_HEAD(self):
            self.do_GET()
        def do_GET(self):
            url = urllib.parse.urlparse(self.path)
            if url.path == "/token":
                scope = urllib.parse.parse_qs(url.query).get("scope", [""])[0]
                with open(log, "a") as f:
                    f.write("token %s\n" % scope)
                return self.send(200, json.dumps({"token": TOKEN}).encode(), {"Content-Type": "application/json"})
            storage = re.match(r"^/storage/([a-z0-9-]+)/(sha256:[0-9a-f]{64})$", url.path)
            if storage:
                with open(self.blob(*storage.groups()), "rb") as f:
                    return self.send(200, f.read(), {"Content-Type": "application/octet-stream"})
            authorized = self.headers.get("Authorization") == "Bearer " + TOKEN
            if url.path == "/v2/":
                return self.send(200, b"{}") if authorized else self.challenge("")
            match = re.match(r"^/v2/den/([a-z0-9-]+)/(manifests|blobs)/(.+)$", url.path)
            if not match:
                return self.send(404)
            name, kind, reference = match.groups()
            if not authorized:
                return self.challenge("repository:den/%s:pull" % name)
            if kind == "blobs":
                return self.send(307, b"", {"Location": "/storage/%s/%s" % (name, reference)})
            digest = reference
            if not reference.startswith("sha256:"):
                if not os.path.exists(os.path.join(layouts, name, "index.json")):
                    return self.send(404)
                with open(os.path.join(layouts, name, "index.json")) as f:
                    entries = [m for m in json.load(f)["manifests"]
                               if m.get("annotations", {}).get("org.opencontainers.image.ref.name") == reference]
                if not entries:
                    return self.send(404)
                digest = entries[0]["digest"]
            try:
                with open(self.blob(name, digest), "rb") as f:
                    data = f.read()
            except FileNotFoundError:
                return self.send(404)
            media = json.loads(data).get("mediaType", "application/vnd.oci.image.manifest.v1+json")
            self.send(200, data, {"Content-Type": media, "Docker-Content-Digest": digest})

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    print(server.server_address[1], flush=True)
    def watch():
        sys.stdin.buffer.read()
        os._exit(0)
    threading.Thread(target=watch, daemon=True).start()
    server.serve_forever()
    """#
}

/// The script that writes the test images as OCI layouts (image-layout spec): blobs by
/// digest, an index.json whose entries carry the tag as `org.opencontainers.image.ref.name`.
public enum TestImages {
    /// What the layers leave, for tests to check: present and absent paths.
    public static let present = ["/opt/keep/b", "/opt/opaque/new", "/opt/owned", "/usr/bin/hello", "/etc/os-release"]
    public static let absent = ["/opt/gone", "/opt/keep/a", "/opt/opaque/old1", "/opt/opaque/old2"]

    static let script = #"""
    import gzip, hashlib, io, json, os, subprocess, sys, tarfile

    out, rootfs = sys.argv[1], sys.argv[2]
    EPOCH = 1761955200

    def tar_bytes(entries):
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
            for entry in entries:
                entry(tar)
        return buffer.getvalue()

    def file(name, data=b"", mode=0o644, uid=0, gid=0):
        def add(tar):
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.uid, info.gid, info.mtime = len(data), mode, uid, gid, EPOCH
            tar.addfile(info, io.BytesIO(data))
        return add

    def directory(name, mode=0o755):
        def add(tar):
            info = tarfile.TarInfo(name)
            info.type, info.mode, info.mtime = tarfile.DIRTYPE, mode, EPOCH
            tar.addfile(info)
        return add

    def tree(path):
        def add(tar):
            def reset(info):
                info.uid = info.gid = 0
                info.uname = info.gname = "root"
                info.mtime = EPOCH
                return info
            for name in sorted(os.listdir(path)):
                tar.add(os.path.join(path, name), arcname=name, filter=reset)
        return add

    def compress(data, kind):
        if kind == "gzip":
            return gzip.compress(data, mtime=0), "application/vnd.oci.image.layer.v1.tar+gzip"
        if kind == "zstd":
            return subprocess.run(["zstd", "-q", "-c"], input=data, stdout=subprocess.PIPE, check=True).stdout, \
                "application/vnd.oci.image.layer.v1.tar+zstd"
        return data, "application/vnd.oci.image.layer.v1.tar"

    class Layout:
        def __init__(self, path):
            self.path = path
            os.makedirs(os.path.join(path, "blobs", "sha256"), exist_ok=True)
            with open(os.path.join(path, "oci-layout"), "w") as f:
                json.dump({"imageLayoutVersion": "1.0.0"}, f)
            self.entries = []

        def blob(self, data, media_type):
            digest = hashlib.sha256(data).hexdigest()
            with open(os.path.join(self.path, "blobs", "sha256", digest), "wb") as f:
                f.write(data)
            return {"mediaType": media_type, "digest": "sha256:" + digest, "size": len(data)}

        def image(self, layers, architecture="amd64", variant=None, env=None):
            descriptors, diff_ids = [], []
            for data, kind in layers:
                compressed, media_type = compress(data, kind)
                descriptors.append(self.blob(compressed, media_type))
                diff_ids.append("sha256:" + hashlib.sha256(data).hexdigest())
            config = {"architecture": architecture, "os": "linux",
                      "config": {"Env": env or ["PATH=/usr/local/bin:/usr/bin:/bin"], "Cmd": ["/bin/sh"]},
                      "rootfs": {"type": "layers", "diff_ids": diff_ids}}
            if variant:
                config["variant"] = variant
            manifest = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                        "config": self.blob(json.dumps(config).encode(), "application/vnd.oci.image.config.v1+json"),
                        "layers": descriptors}
            return self.blob(json.dumps(manifest).encode(), "application/vnd.oci.image.manifest.v1+json")

        def tag(self, descriptor, tag):
            entry = dict(descriptor)
            entry["annotations"] = {"org.opencontainers.image.ref.name": tag}
            self.entries.append(entry)
            with open(os.path.join(self.path, "index.json"), "w") as f:
                json.dump({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
                           "manifests": self.entries}, f)

    base = tar_bytes([tree(rootfs),
                      file("etc/os-release", b'NAME="den test image"\nID=dentest\n'),
                      directory("opt"), directory("opt/keep"), file("opt/keep/a", b"a\n"), file("opt/keep/b", b"b\n"),
                      directory("opt/gone"), file("opt/gone/x", b"x\n"),
                      directory("opt/opaque"), file("opt/opaque/old1", b"1\n"), file("opt/opaque/old2", b"2\n"),
                      file("opt/owned", b"owned\n", uid=101, gid=102)])
    # The opaque marker comes after a file this layer writes there: that file must stay.
    second = tar_bytes([file("opt/.wh.gone"), directory("opt/opaque"), file("opt/opaque/new", b"new\n"),
                        file("opt/opaque/.wh..wh..opq")])
    third = tar_bytes([file("opt/keep/.wh.a"), file("usr/bin/hello", b"#!/bin/sh\necho hello from the image\n", mode=0o755)])
    env = ["PATH=/usr/local/bin:/usr/bin:/bin:/opt/image/bin", "DEN_IMAGE_VAR=from-image", "HOME=/nowhere"]
    layers = [(base, "gzip"), (second, "zstd"), (third, "plain")]

    single = Layout(os.path.join(out, "layers"))
    single.tag(single.image(layers, env=env), "1")

    moved = Layout(os.path.join(out, "moved"))
    moved.tag(moved.image(layers + [(tar_bytes([file("etc/moved", b"2\n")]), "gzip")], env=env), "2")

    multi = Layout(os.path.join(out, "multi"))
    amd64 = multi.image(layers, env=env)
    amd64["platform"] = {"architecture": "amd64", "os": "linux"}
    arm64 = multi.image([(tar_bytes([file("etc/arch", b"arm64\n")]), "gzip")], architecture="arm64", variant="v8")
    arm64["platform"] = {"architecture": "arm64", "os": "linux", "variant": "v8"}
    index = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": [arm64, amd64]}
    multi.tag(multi.blob(json.dumps(index).encode(), "application/vnd.oci.image.index.v1+json"), "1")

    # No zstd layer: docker archives cannot hold one.
    plain = Layout(os.path.join(out, "plain"))
    plain.tag(plain.image([(base, "gzip"), (third, "plain")], env=env), "1")

    tamper = Layout(os.path.join(out, "tamper"))
    tamper.tag(tamper.image([(tar_bytes([file("etc/tamper", hashlib.sha256(b"den tamper").hexdigest().encode() * 64)]), "gzip")]), "1")
    """#
}
