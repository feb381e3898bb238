import DenSandbox
import DenTOML
#if canImport(Glibc)
import Glibc
#endif

/// `packages` on an image base (Debian, Ubuntu…), installed with the image's own apt into a
/// second layer. `den lock` lets that apt resolve them against the image's sources (with the
/// network) and pins what it would download: name, version, URL, size and SHA-256. A build
/// from the lock downloads exactly those files into the package cache, checks them, and has
/// apt install them from there with no network and no resolution of its own.
extension ImageBuild {
    /// The locked packages of the image's apt.
    public var packages: [Lockfile.LockedPackage] { lock.packages(in: .image) }

    static let scriptEnvironment = [
        "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root", "LC_ALL=C",
        "DEBIAN_FRONTEND=noninteractive", "DEBCONF_NONINTERACTIVE_SEEN=true",
    ]
    /// apt drops to `_apt` to download; with a single-id map (ownership calls faked) that check
    /// fails, and in a build nothing is downloaded anyway.
    static let apt = "apt-get -o APT::Sandbox::User=root"
    static let noAptStatus: Int32 = 100

    /// Asks the image's apt what installing `manifest`'s packages takes (after `apt-get update`
    /// against the image's own sources). The image's layer must be built. Call from the main thread.
    public func resolvePackages(_ manifest: Manifest, scratch: String) throws -> [Lockfile.LockedPackage] {
        let names = manifest.packages.map(\.description)
        guard !names.isEmpty else { return [] }
        try Store.makeDirectory(scratch)
        let staging = "\(scratch)/resolve-\(getpid())"
        if FileSystem.exists(staging) { try Sandbox.removeTree(staging, identity: identity) }
        try Store.makeDirectory(staging)
        defer { try? Sandbox.removeTree(staging, identity: identity) }
        let script = [
            "set -e",
            "command -v apt-get >/dev/null 2>&1 || exit \(Self.noAptStatus)",
            "\(Self.apt) update -qq",
            // ForceHash: apt would print the file's MD5 otherwise.
            "\(Self.apt) -o Acquire::ForceHash=SHA256 install -qq -y --print-uris \(manifest.installsRecommends ? "" : "--no-install-recommends ")\(names.joined(separator: " "))",
        ].joined(separator: "\n")
        // The image's sources need names resolved: the host's resolver files, as in an env.
        let binds = ["/etc/resolv.conf", "/etc/hosts"].map {
            SandboxSpec.Bind(source: $0, target: $0, isReadOnly: true, isOptional: true)
        }
        let spec = packagesSpec(staging: staging, script: script, isolatesNetwork: false, binds: binds)
        let logPath = "\(staging)/build.log"
        let log = open(logPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard log >= 0 else { throw SystemError("create", path: logPath, errno: errno) }
        defer { close(log) }
        let outcome = try Sandbox.run(spec, output: .file(log))
        if outcome == .finished(.exited(Self.noAptStatus)) { throw ImageBuildError.noApt(reference: pin.reference) }
        guard outcome == .finished(.exited(0)) else {
            throw stageFailure("resolving den.toml's packages with the image's apt", outcome: outcome, logPath: logPath, name: "image-packages")
        }
        let output = (try? FileSystem.readText(logPath)).flatMap { $0 } ?? ""
        return try Self.parseURIs(output)
    }

    /// apt's `--print-uris` lines: `'URL' NAME_VERSION_ARCH.deb SIZE SHA256:HEX`.
    static func parseURIs(_ output: String) throws(ImageBuildError) -> [Lockfile.LockedPackage] {
        var packages: [Lockfile.LockedPackage] = []
        for line in output.split(separator: "\n") where line.hasPrefix("'") {
            let fields = line.split(separator: " ")
            guard fields.count >= 4, fields[0].count > 2, fields[0].hasSuffix("'"), let size = Int64(fields[2]),
                  fields[3].hasPrefix("SHA256:")
            else { throw .unexpectedAptOutput(String(line)) }
            let url = String(fields[0].dropFirst().dropLast())
            let parts = fields[1].dropLast(".deb".count).split(separator: "_").map { Self.percentDecoded(String($0)) }
            let sha256 = String(fields[3].dropFirst("SHA256:".count)).lowercased()
            guard fields[1].hasSuffix(".deb"), parts.count == 3, sha256.count == 64 else { throw .unexpectedAptOutput(String(line)) }
            packages.append(Lockfile.LockedPackage(name: parts[0], version: parts[1], architecture: parts[2], path: url,
                                                   size: size, sha256: sha256, layer: .image))
        }
        return packages
    }

    /// apt writes a version's `:` as `%3a` in file names.
    static func percentDecoded(_ text: String) -> String {
        var bytes: [UInt8] = []
        var utf8 = Array(text.utf8)[...]
        while let byte = utf8.popFirst() {
            if byte == UInt8(ascii: "%"), utf8.count >= 2, let value = UInt8(String(decoding: utf8.prefix(2), as: UTF8.self), radix: 16) {
                bytes.append(value)
                utf8 = utf8.dropFirst(2)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Installs the locked packages from the cache (after `PackageCache.fetch`) into the
    /// packages layer. Runs a sandbox: call from the main thread.
    public func assemblePackages(cache: PackageCache, progress: (DebianBuild.Step) -> Void) throws {
        guard let packagesDigest else { return }
        let made = try layers.make(packagesDigest, identity: identity) { staging in
            progress(.installing(layer: "image-packages", packages: packages.count))
            let inside = "/tmp/den-debs"
            let files = packages.map { "\(inside)/\($0.sha256).deb" }
            let script = [
                "set -e",
                // No service may start while a layer is built (policy-rc.d(8)); the image's own stays.
                "made=; if [ ! -e /usr/sbin/policy-rc.d ]; then printf '#!/bin/sh\\nexit 101\\n' > /usr/sbin/policy-rc.d; "
                    + "chmod 755 /usr/sbin/policy-rc.d; made=1; fi",
                "\(Self.apt) install -y -qq --no-install-recommends \(files.joined(separator: " "))",
                "if [ -n \"$made\" ]; then rm -f /usr/sbin/policy-rc.d; fi",
                // Logs and caches that record when, not what: two builds must give one tree.
                "rm -f /var/log/dpkg.log /var/log/alternatives.log /var/log/apt/history.log /var/log/apt/term.log "
                    + "/var/cache/ldconfig/aux-cache /var/cache/apt/pkgcache.bin /var/cache/apt/srcpkgcache.bin",
            ].joined(separator: "\n")
            let binds = [SandboxSpec.Bind(source: cache.directory, target: inside, isReadOnly: true)]
            let spec = packagesSpec(staging: staging, script: script, isolatesNetwork: true, binds: binds)
            try runStage(spec, staging: staging, stage: "installing den.toml's packages with the image's apt", name: "image-packages")
            var metadata = TOMLTable()
            metadata.set("kind", .string("image-packages"))
            metadata.set("id-mapping", .string(mappingKind))
            metadata.set("image", .string(pin.digest))
            metadata.set("packages", .array(packages.map { TOMLNode(.string("\($0.name)=\($0.version)")) }))
            metadata.set("tree", .string("sha256:\(try treeDigest(of: "\(staging)/tree", scratch: staging))"))
            return metadata
        }
        if made { progress(.built(layer: "image-packages", digest: packagesDigest)) }
    }

    /// A root shell over the image's layer, the changes going to `staging/tree`.
    func packagesSpec(staging: String, script: String, isolatesNetwork: Bool, binds: [SandboxSpec.Bind]) -> SandboxSpec {
        var spec = SandboxSpec(
            identity: identity, session: .create(socketDirectory: staging, socketName: "build.sock"),
            overlay: overlaySpec(staging: staging, below: [layers.tree(of: digest)]),
            hostname: "den-build", isolatesNetwork: isolatesNetwork, binds: binds, directories: [], files: [], uid: 0, gid: 0,
            workingDirectory: "/", fallbackWorkingDirectory: "/", command: ["/bin/sh", "-c", script],
            environment: Self.scriptEnvironment)
        spec.purpose = .build
        return spec
    }
}
