import Foundation

/// A signed Debian archive made on the spot and served on 127.0.0.1, so the Debian builder's
/// tests run offline, in seconds, and against packages whose every edge case is known:
/// version choice, alternatives, virtual packages, conflicts, maintainer scripts, odd
/// ownership, a missing dependency and a pool file that does not match its index.
///
/// The base it offers is the host's own (Debian 12, amd64): the essential packages and what
/// they need, repacked from the installed files without maintainer scripts. It is real
/// enough for dpkg to run inside an env, and needs no download.
///
/// Everything is readable by every user, because the tests drive `den` as unprivileged
/// accounts that read the keyrings and fetch from the server.
public final class TestArchive: Sendable {
    /// The archive is built once per test process, on first use (the build takes seconds and
    /// every test that needs it can share it: nothing in it is ever written after the build).
    public static func shared() throws -> TestArchive {
        try instance.get()
    }

    private static let instance = Result<TestArchive, any Error> { try TestArchive() }

    /// The directory the server serves: `debian/` (the good repo), `corrupt/` and `keys/`.
    public let root: String
    /// The good repository, what a manifest's mirror points at.
    public let url: String
    /// Signed indexes identical to `url`'s, but `den-hello`'s pool file has other bytes of
    /// the same size: only a checksum check, not a size check, can catch it.
    public let corruptURL: String
    /// A binary keyring (as `gpg --export` writes it, like Debian's) with the signing key.
    public let keyring: String
    /// A binary keyring with an unrelated key only: InRelease must not verify against it.
    public let wrongKeyring: String
    /// The Codename (what a `debian:` base names); the Suite is `stable-den`, the Version 99,
    /// so a test can tell which of the three names den wrote down.
    public let suite = "denbook"
    public let architecture = "amd64"

    /// The packages repacked from the host, in the order they were found (closure of `baseSeeds`).
    public let basePackages: [String]
    /// A world-writable directory that the hostile packages (`HostilePackage.names`) aim at:
    /// an escape by any user would leave a file there.
    public let bait: String
    /// How long the build took, for the curious (the server start is not included).
    public let buildDuration: Duration

    private let server: ArchiveServer

    private init() throws {
        let clock = ContinuousClock()
        let start = clock.now
        let base = try makeFreshDirectory(prefix: "den-test-archive")
        // DEN_TEST_KEEP_ARCHIVE=1 keeps it, to look at what a failing test was given.
        if ProcessInfo.processInfo.environment["DEN_TEST_KEEP_ARCHIVE"] != "1" { archiveDirectoryToRemove = base }
        atexit { if let path = archiveDirectoryToRemove { try? FileManager.default.removeItem(atPath: path) } }
        let work = try makeFreshDirectory(prefix: "den-test-archive-build")
        bait = "\(base)-bait"
        try FileManager.default.createDirectory(atPath: bait, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o1777])
        chmod(bait, 0o1777)
        try "secret\n".write(toFile: "\(bait)/secret", atomically: true, encoding: .utf8)
        let baitToRemove = bait
        baitDirectoryToRemove = baitToRemove
        atexit { if let path = baitDirectoryToRemove { try? FileManager.default.removeItem(atPath: path) } }
        let builder = ArchiveBuilder(root: base, work: work, suite: suite, architecture: architecture, bait: bait)
        defer {
            builder.stopAgent()
            try? FileManager.default.removeItem(atPath: work)
        }
        let keys = try builder.makeKeys()
        basePackages = try builder.buildPool()
        try builder.writeIndexes(signingKey: keys.signer)
        try builder.verifySignature(good: keys.keyring, wrong: keys.wrongKeyring)
        try builder.makeCorruptCopy()
        try makeWorldReadable(base)
        buildDuration = clock.now - start

        root = base
        keyring = keys.keyring
        wrongKeyring = keys.wrongKeyring
        server = try ArchiveServer(serving: base)
        url = "http://127.0.0.1:\(server.port)/debian"
        corruptURL = "http://127.0.0.1:\(server.port)/corrupt"
    }

    /// The packages den's build needs to run dpkg and simple scripts inside an env; the
    /// archive holds them and everything they depend on.
    public static let baseSeeds = [
        "dpkg", "dash", "coreutils", "tar", "diffutils", "findutils", "libc-bin", "libc6", "sed", "grep",
        "base-files", "base-passwd",
    ]
}

/// Removed at exit: a test process should leave no archive behind in /tmp (~25 MB each).
private nonisolated(unsafe) var archiveDirectoryToRemove: String?
private nonisolated(unsafe) var baitDirectoryToRemove: String?

// MARK: - Building

/// The steps of the build, kept apart from `TestArchive` so its stored state stays immutable.
private struct ArchiveBuilder {
    let root: String
    let work: String
    let suite: String
    let architecture: String
    let bait: String

    var repo: String { "\(root)/debian" }
    var gnupgHome: String { "\(work)/gnupg" }
    var dists: String { "\(repo)/dists/\(suite)" }
    /// A fixed time for dpkg-deb and Release, so two builds differ only by their keys.
    static let epoch = "1761955200"
    static let date = "Sat, 01 Nov 2025 00:00:00 UTC"
    static let signer = "den test <test@den.invalid>"
    static let stranger = "den wrong key <wrong@den.invalid>"

    // MARK: Keys

    struct Keys {
        var signer: String
        var keyring: String
        var wrongKeyring: String
    }

    func makeKeys() throws -> Keys {
        try FileManager.default.createDirectory(atPath: gnupgHome, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        try FileManager.default.createDirectory(atPath: "\(root)/keys", withIntermediateDirectories: true)
        // ed25519: generated instantly, where RSA can stall a loaded machine for seconds.
        for identity in [Self.signer, Self.stranger] {
            try gpg(["--quick-gen-key", identity, "ed25519", "sign", "never"])
        }
        let keys = Keys(signer: Self.signer, keyring: "\(root)/keys/archive.gpg", wrongKeyring: "\(root)/keys/wrong.gpg")
        try gpg(["--output", keys.keyring, "--export", "=\(Self.signer)"])
        try gpg(["--output", keys.wrongKeyring, "--export", "=\(Self.stranger)"])
        return keys
    }

    @discardableResult
    func gpg(_ arguments: [String]) throws -> String {
        try command("gpg", ["--batch", "--no-tty", "--pinentry-mode", "loopback", "--passphrase", ""] + arguments,
                    environment: gpgEnvironment)
    }

    var gpgEnvironment: [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["GNUPGHOME"] = gnupgHome
        return environment
    }

    // MARK: Pool

    /// Builds every .deb into `pool/` and returns the names of the repacked host packages.
    func buildPool() throws -> [String] {
        let host = try HostPackages()
        let closure = try host.closure(of: TestArchive.baseSeeds)
        var jobs: [@Sendable () throws -> Void] = closure.map { name in { try self.repack(name, host: host) } }
        jobs += SyntheticPackage.all.map { package in { try self.build(package) } }
        jobs.append { try self.buildHostile() }
        try runConcurrently(jobs)
        return closure
    }

    /// Copies `name`'s installed files into a staging tree and packs it again: the host's
    /// control fields (minus its install state), no maintainer scripts.
    func repack(_ name: String, host: HostPackages) throws {
        let staging = "\(work)/stage/\(name)"
        let listed = try command("dpkg", ["-L", name]).split(separator: "\n").map(String.init)
            .filter { $0.hasPrefix("/") && $0 != "/." }
        // A path another listed path lies below is a directory in the package, even where the
        // merged-/usr host made it a symlink (/bin, /lib64). So are the top-level ones without
        // children in the list (base-files ships empty /bin, /lib, /sbin): on bookworm the
        // installer made those links, no package ships them.
        var parents: Set<String> = ["/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"]
        for path in listed {
            var parent = (path as NSString).deletingLastPathComponent
            while parent != "/", parents.insert(parent).inserted { parent = (parent as NSString).deletingLastPathComponent }
        }
        try makeDirectory(staging, mode: 0o755)
        var directoryModes: [(String, mode_t)] = []
        for path in listed.sorted() {
            let target = staging + path
            var info = stat()
            if parents.contains(path) {
                guard stat(path, &info) == 0 else { continue }
                try makeDirectory(target, mode: 0o755)
                directoryModes.append((target, info.st_mode & 0o7777))
                continue
            }
            // lstat resolves the host's /bin -> usr/bin on the way but keeps the entry's own type.
            guard lstat(path, &info) == 0 else { continue }
            try makeDirectory((target as NSString).deletingLastPathComponent, mode: 0o755)
            switch info.st_mode & S_IFMT {
            case S_IFDIR:
                try makeDirectory(target, mode: 0o755)
                directoryModes.append((target, info.st_mode & 0o7777))
            case S_IFLNK:
                let destination = try FileManager.default.destinationOfSymbolicLink(atPath: path)
                try FileManager.default.createSymbolicLink(atPath: target, withDestinationPath: destination)
            case S_IFREG:
                try copyFile(path, to: target, mode: info.st_mode & 0o7777)
            default:
                continue
            }
        }
        // Last and deepest first: a read-only directory must not stop the copies into it.
        for (path, mode) in directoryModes.reversed() { chmod(path, mode) }
        try makeDirectory("\(staging)/DEBIAN", mode: 0o755)
        try host.control(of: name).write(toFile: "\(staging)/DEBIAN/control", atomically: false, encoding: .utf8)
        let fields = try host.fields(of: name)
        try pack(staging, name: name, version: fields["Version"] ?? "0", architecture: fields["Architecture"] ?? architecture)
        try? FileManager.default.removeItem(atPath: staging)
    }

    /// The packages of `HostilePackage`: dpkg-deb refuses to build them, so they are put
    /// together byte by byte (ar, control.tar.gz, data.tar.gz) by a script.
    func buildHostile() throws {
        let pool = "\(repo)/pool/main/d"
        try makeDirectory(pool, mode: 0o755)
        _ = try command("python3", ["-c", HostilePackage.script, pool, bait, architecture])
    }

    func build(_ package: SyntheticPackage) throws {
        let staging = "\(work)/stage/\(package.name)_\(package.version)"
        try makeDirectory("\(staging)/DEBIAN", mode: 0o755)
        try package.control.write(toFile: "\(staging)/DEBIAN/control", atomically: false, encoding: .utf8)
        for (script, text) in package.scripts {
            try write(text, to: "\(staging)/DEBIAN/\(script)", mode: 0o755)
        }
        for file in package.files {
            try makeDirectory(((staging + file.path) as NSString).deletingLastPathComponent, mode: 0o755)
            try write(file.contents, to: staging + file.path, mode: file.mode)
        }
        let owned = package.files.filter { $0.group != nil }
        if owned.isEmpty {
            try pack(staging, name: package.name, version: package.version, architecture: package.architecture)
        } else if getuid() == 0 {
            // Owners are kept as they are on disk: the staging tree is root's, but for these.
            for file in owned {
                guard chown(staging + file.path, 0, file.group!) == 0 else {
                    throw TestFailure("chown \(file.path): \(String(cString: strerror(errno)))")
                }
            }
            try pack(staging, name: package.name, version: package.version, architecture: package.architecture,
                     rootOwned: false)
        } else {
            // Not root (a developer's run): fakeroot records the group dpkg-deb could not set.
            let chowns = owned.map { "chown 0:\($0.group!) '\(staging + $0.path)'" }.joined(separator: " && ")
            let output = poolPath(name: package.name, version: package.version, architecture: package.architecture)
            try makeDirectory(((repo + "/" + output) as NSString).deletingLastPathComponent, mode: 0o755)
            try command("fakeroot", ["sh", "-c", "chown -R 0:0 '\(staging)' && \(chowns) && dpkg-deb -Zgzip -z1 --build '\(staging)' '\(repo)/\(output)'"],
                        environment: debEnvironment)
        }
        try? FileManager.default.removeItem(atPath: staging)
    }

    func pack(_ staging: String, name: String, version: String, architecture: String, rootOwned: Bool = true) throws {
        let output = "\(repo)/\(poolPath(name: name, version: version, architecture: architecture))"
        try makeDirectory((output as NSString).deletingLastPathComponent, mode: 0o755)
        // gzip -1: the fastest compression dpkg accepts everywhere, the pool is thrown away anyway.
        try command("dpkg-deb", (rootOwned ? ["--root-owner-group"] : []) + ["-Zgzip", "-z1", "--build", staging, output],
                    environment: debEnvironment)
    }

    var debEnvironment: [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["SOURCE_DATE_EPOCH"] = Self.epoch
        return environment
    }

    /// Debian's layout (`pool/main/libc/libc6/…`), the epoch left out of the file name as Debian does.
    func poolPath(name: String, version: String, architecture: String) -> String {
        let prefix = name.hasPrefix("lib") ? String(name.prefix(4)) : String(name.prefix(1))
        let bare = version.split(separator: ":", maxSplits: 1).last.map(String.init) ?? version
        return "pool/main/\(prefix)/\(name)/\(name)_\(bare)_\(architecture).deb"
    }

    // MARK: Indexes

    func writeIndexes(signingKey: String) throws {
        let binary = "\(dists)/main/binary-\(architecture)"
        try makeDirectory(binary, mode: 0o755)
        // Run from the repo's top so every Filename is `pool/…`, relative to the mirror URL.
        let packages = try command("apt-ftparchive", ["packages", "pool"], directory: repo)
        try packages.write(toFile: "\(binary)/Packages", atomically: false, encoding: .utf8)
        try command("xz", ["--keep", "--threads=1", "\(binary)/Packages"])
        try command("gzip", ["--keep", "--no-name", "-9", "\(binary)/Packages"])
        let fields = [
            "Origin": "den-tests", "Label": "den-tests", "Suite": "stable-den", "Version": "99", "Codename": suite,
            "Date": Self.date, "Architectures": architecture, "Components": "main",
            "Description": "den's test archive, made by the test suite",
        ]
        let options = fields.sorted { $0.key < $1.key }.flatMap { ["-o", "APT::FTPArchive::Release::\($0.key)=\($0.value)"] }
        let release = try command("apt-ftparchive", options + ["release", "."], directory: dists)
        try release.write(toFile: "\(dists)/Release", atomically: false, encoding: .utf8)
        try gpg(["--local-user", "=\(signingKey)", "--digest-algo", "SHA256", "--output", "\(dists)/InRelease",
                 "--clearsign", "\(dists)/Release"])
    }

    /// The agent gpg started for the keys would outlive the test process.
    func stopAgent() {
        guard FileManager.default.fileExists(atPath: gnupgHome), let gpgconf = try? tool("gpgconf") else { return }
        _ = try? ProcessRunner.run(gpgconf, ["--kill", "all"], environment: gpgEnvironment)
    }

    /// The archive is useless if its signature does not hold, and useless for negative tests
    /// if any key would do: check both before a test relies on them.
    func verifySignature(good: String, wrong: String) throws {
        let gpgv = try tool("gpgv")
        let inRelease = "\(dists)/InRelease"
        let accepted = try ProcessRunner.run(gpgv, ["--keyring", good, inRelease], environment: gpgEnvironment)
        guard accepted.status == 0 else { throw TestFailure("gpgv refuses the test archive's InRelease: \(accepted)") }
        let refused = try ProcessRunner.run(gpgv, ["--keyring", wrong, inRelease], environment: gpgEnvironment)
        guard refused.status != 0 else { throw TestFailure("gpgv accepts InRelease with the wrong keyring: \(refused)") }
    }

    /// `corrupt/`: the good repo's signed indexes and pool, but for den-hello's bytes.
    func makeCorruptCopy() throws {
        let fm = FileManager.default
        let corrupt = "\(root)/corrupt"
        try makeDirectory(corrupt, mode: 0o755)
        try fm.copyItem(atPath: "\(repo)/dists", toPath: "\(corrupt)/dists")
        let hello = poolPath(name: "den-hello", version: "1.0", architecture: architecture)
        guard let files = fm.enumerator(atPath: "\(repo)/pool") else { throw TestFailure("cannot list \(repo)/pool") }
        for case let file as String in files {
            let source = "\(repo)/pool/\(file)", destination = "\(corrupt)/pool/\(file)"
            var info = stat()
            guard lstat(source, &info) == 0 else { continue }
            if info.st_mode & S_IFMT == S_IFDIR {
                try makeDirectory(destination, mode: 0o755)
            } else if "pool/\(file)" == hello {
                var bytes = try Data(contentsOf: URL(fileURLWithPath: source))
                // The middle of the data member: the .deb still looks like one, only its hash differs.
                for index in bytes.count / 2 ..< min(bytes.count, bytes.count / 2 + 16) { bytes[index] ^= 0xff }
                try bytes.write(to: URL(fileURLWithPath: destination))
            } else {
                // Nothing in the pool is written after the build: a link is as good as a copy.
                try fm.linkItem(atPath: source, toPath: destination)
            }
        }
        let good = try Data(contentsOf: URL(fileURLWithPath: "\(repo)/\(hello)"))
        let bad = try Data(contentsOf: URL(fileURLWithPath: "\(corrupt)/\(hello)"))
        guard good.count == bad.count, good != bad else { throw TestFailure("the corrupt den-hello is not corrupt") }
    }

    @discardableResult
    func command(_ name: String, _ arguments: [String], environment: [String: String]? = nil,
                 directory: String? = nil) throws -> String {
        let result = try ProcessRunner.run(try tool(name), arguments, environment: environment, directory: directory)
        guard result.status == 0 else {
            throw TestFailure("building the test archive: '\(name) \(arguments.joined(separator: " "))' failed: \(result)")
        }
        return result.standardOutput
    }
}

// MARK: - Host packages

/// The host's dpkg database, read once: the base is repacked from it.
private struct HostPackages {
    struct Installed {
        var provides: [String]
        var relations: [String]
    }

    var installed: [String: Installed] = [:]
    var providers: [String: [String]] = [:]
    private var paragraphs: [String: [(name: String, value: String)]] = [:]

    init() throws {
        let format = "${Package}\t${Architecture}\t${db:Status-Abbrev}\t${Provides}\t${Pre-Depends}\t${Depends}\n"
        let result = try ProcessRunner.run(try tool("dpkg-query"), ["-W", "-f=\(format)"])
        guard result.status == 0 else { throw TestFailure("dpkg-query -W failed: \(result)") }
        for line in result.standardOutput.split(separator: "\n") {
            let columns = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard columns.count == 6, columns[2].hasPrefix("ii"), ["amd64", "all"].contains(columns[1]) else { continue }
            let provides = columns[3].split(separator: ",").map { relationName(String($0)) }.filter { !$0.isEmpty }
            installed[columns[0]] = Installed(provides: provides, relations: [columns[4], columns[5]])
            for name in provides { providers[name, default: []].append(columns[0]) }
        }
    }

    /// The installed package that satisfies `name`: itself, else its first installed provider.
    func satisfier(_ name: String) -> String? {
        installed[name] != nil ? name : providers[name]?.sorted().first
    }

    /// `seeds` and every installed package their Depends and Pre-Depends reach, taking the
    /// installed alternative of each group (what apt chose on the host, so versions match).
    func closure(of seeds: [String]) throws -> [String] {
        var order: [String] = [], seen = Set<String>(), pending = seeds
        while let name = pending.first {
            pending.removeFirst()
            guard seen.insert(name).inserted else { continue }
            guard let package = installed[name] else {
                throw TestFailure("the test archive needs '\(name)' installed on the host (`apt-get install \(name)`)")
            }
            order.append(name)
            for field in package.relations {
                for group in field.split(separator: ",") {
                    let choice = group.split(separator: "|").lazy.compactMap { satisfier(relationName(String($0))) }.first
                    if let choice { pending.append(choice) }
                }
            }
        }
        return order
    }

    static let keptFields = [
        "Package", "Source", "Version", "Architecture", "Multi-Arch", "Essential", "Priority", "Section",
        "Maintainer", "Installed-Size", "Pre-Depends", "Depends", "Provides", "Conflicts", "Breaks", "Replaces",
        "Homepage", "Description",
    ]

    func fields(of name: String) throws -> [String: String] {
        var fields: [String: String] = [:]
        for (field, value) in try paragraph(of: name) { fields[field] = value }
        return fields
    }

    /// The control file: the host's fields but the install state (Status, Conffiles…), and
    /// any dependency group nothing installed satisfies (there is none on a sane host; the
    /// archive must stay installable all the same).
    func control(of name: String) throws -> String {
        let fields = try self.fields(of: name)
        var text = ""
        for field in Self.keptFields {
            guard var value = fields[field] else { continue }
            if field == "Depends" || field == "Pre-Depends" {
                value = value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                    .filter { group in group.split(separator: "|").contains { satisfier(relationName(String($0))) != nil } }
                    .joined(separator: ", ")
                if value.isEmpty { continue }
            }
            text += "\(field): \(value)\n"
        }
        return text
    }

    private func paragraph(of name: String) throws -> [(name: String, value: String)] {
        let result = try ProcessRunner.run(try tool("dpkg-query"), ["-s", name])
        guard result.status == 0 else { throw TestFailure("dpkg-query -s \(name) failed: \(result)") }
        var fields: [(name: String, value: String)] = []
        for line in result.standardOutput.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix(" ") || line.hasPrefix("\t") {
                if !fields.isEmpty { fields[fields.count - 1].value += "\n" + line }
            } else if let colon = line.firstIndex(of: ":") {
                fields.append((String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
            }
        }
        return fields
    }
}

/// The package name of one relation: `libc6 (>= 2.34)`, `awk`, `python3:any` all name a package first.
private func relationName(_ relation: String) -> String {
    let trimmed = relation.trimmingCharacters(in: .whitespaces)
    return String(trimmed.prefix { !" (:[<".contains($0) })
}

// MARK: - Synthetic packages

/// The made-up packages: each exists for one behaviour of den's resolver or builder.
/// Packages whose data aims outside the root dpkg installs into, as a malicious mirror or a
/// compromised package might. They are in the archive's index like any other.
public enum HostilePackage {
    /// Package name to what it does: `../` out of the root, an absolute path, a symlink to
    /// the bait then a file through it, a hard link to a file outside, a device node.
    public static let names = ["den-evil-escape", "den-evil-absolute", "den-evil-symlink", "den-evil-hardlink", "den-evil-device",
                               "den-evil-bomb"]

    static let script = #"""
        import gzip, io, os, subprocess, sys, tarfile
        pool, bait, arch = sys.argv[1], sys.argv[2], sys.argv[3]
        up = "./" + "../" * 40 + bait.lstrip("/")

        def targz(entries):
            buffer = io.BytesIO()
            with tarfile.open(fileobj=buffer, mode="w", format=tarfile.GNU_FORMAT) as t:
                for name, kind, data, link in entries:
                    info = tarfile.TarInfo(name)
                    info.type, info.linkname, info.mtime = kind, link, 1761955200
                    info.mode = 0o755 if kind == tarfile.DIRTYPE else 0o644
                    if kind == tarfile.CHRTYPE:
                        info.devmajor, info.devminor = 1, 3
                    info.size = len(data) if kind == tarfile.REGTYPE else 0
                    t.addfile(info, io.BytesIO(data) if kind == tarfile.REGTYPE else None)
            return gzip.compress(buffer.getvalue(), 1, mtime=0)

        def ar(members):
            out = b"!<arch>\n"
            for name, data in members:
                header = "%-16s%-12d%-6d%-6d%-8s%-10d`\n" % (name, 1761955200, 0, 0, "100644", len(data))
                out += header.encode() + data + (b"\n" if len(data) % 2 else b"")
            return out

        R, D, L, H, C = tarfile.REGTYPE, tarfile.DIRTYPE, tarfile.SYMTYPE, tarfile.LNKTYPE, tarfile.CHRTYPE
        cases = {
            "den-evil-escape": [("./usr/", D, b"", ""), (up + "/escaped", R, b"x\n", "")],
            "den-evil-absolute": [(bait + "/absolute", R, b"x\n", "")],
            "den-evil-symlink": [("./usr/", D, b"", ""), ("./usr/evil", L, b"", bait), ("./usr/evil/planted", R, b"x\n", "")],
            "den-evil-hardlink": [("./usr/", D, b"", ""), ("./usr/hl", H, b"", up + "/secret")],
            "den-evil-device": [("./usr/", D, b"", ""), ("./usr/evil-null", C, b"", ""), ("./usr/ok", R, b"ok\n", "")],
        }
        # 5 GiB of zeros in about 160 KB of zstd (dpkg reads data.tar.zst since bookworm).
        scratch = os.path.join(pool, "den-evil-bomb-work")
        os.makedirs(os.path.join(scratch, "usr"), exist_ok=True)
        with open(os.path.join(scratch, "usr", "zeros"), "wb") as f:
            f.truncate(5 << 30)
        bomb = subprocess.run("tar -C '%s' -cf - ./usr | zstd -1 -q -c" % scratch, shell=True, check=True,
                              stdout=subprocess.PIPE).stdout
        os.remove(os.path.join(scratch, "usr", "zeros"))
        os.rmdir(os.path.join(scratch, "usr"))
        os.rmdir(scratch)
        cases["den-evil-bomb"] = bomb
        for name, entries in cases.items():
            control = ("Package: %s\nVersion: 1.0\nArchitecture: %s\nMaintainer: den tests <test@den.invalid>\n"
                       "Priority: optional\nSection: misc\nDescription: a hostile package\n Made by den's test suite.\n" % (name, arch))
            data = ("data.tar.zst", entries) if isinstance(entries, bytes) else ("data.tar.gz", targz(entries))
            deb = ar([("debian-binary", b"2.0\n"), ("control.tar.gz", targz([("./control", R, control.encode(), "")])), data])
            directory = os.path.join(pool, name)
            os.makedirs(directory, exist_ok=True)
            with open(os.path.join(directory, "%s_1.0_%s.deb" % (name, arch)), "wb") as f:
                f.write(deb)
        """#
}

private struct SyntheticPackage {
    struct File {
        var path: String
        var contents: String
        var mode: mode_t = 0o644
        /// Set for a file whose group must survive into the env (not root's).
        var group: gid_t? = nil
    }

    var name: String
    var version = "1.0"
    var architecture = "amd64"
    var priority = "optional"
    var relations: [(String, String)] = []
    var files: [File] = []
    var scripts: [(String, String)] = []
    var summary: String

    var control: String {
        var text = "Package: \(name)\nVersion: \(version)\nArchitecture: \(architecture)\n"
        if architecture == "all" { text += "Multi-Arch: foreign\n" }
        text += "Maintainer: den tests <test@den.invalid>\nPriority: \(priority)\nSection: misc\n"
        for (field, value) in relations { text += "\(field): \(value)\n" }
        text += "Description: \(summary)\n Made by den's test suite.\n"
        return text
    }

    static func readme(_ name: String) -> File {
        File(path: "/usr/share/\(name)/README", contents: "\(name): a package of den's test archive\n")
    }

    static let all: [SyntheticPackage] = [
        // Needs a version choice (den-lib 2) and an alternative it must not take.
        SyntheticPackage(
            name: "den-hello", relations: [("Depends", "den-lib (>= 2) | den-lib-compat")],
            files: [File(path: "/usr/bin/den-hello", contents: "#!/bin/sh\necho 'hello from den-hello'\n", mode: 0o755)],
            summary: "prints a greeting"),
        SyntheticPackage(
            name: "den-lib", version: "1.0",
            files: [File(path: "/usr/share/den-lib/version", contents: "1\n")], summary: "the old library"),
        SyntheticPackage(
            name: "den-lib", version: "2.0",
            files: [File(path: "/usr/share/den-lib/version", contents: "2\n")], summary: "the new library"),
        SyntheticPackage(name: "den-lib-compat", files: [readme("den-lib-compat")], summary: "the fallback library"),
        // A virtual package with two providers that cannot be installed together.
        SyntheticPackage(
            name: "den-mta-a", relations: [("Provides", "den-mail-transport-agent"), ("Conflicts", "den-mta-b")],
            files: [readme("den-mta-a")], summary: "one mail transport agent"),
        SyntheticPackage(
            name: "den-mta-b", relations: [("Provides", "den-mail-transport-agent"), ("Conflicts", "den-mta-a")],
            files: [readme("den-mta-b")], summary: "another mail transport agent"),
        SyntheticPackage(
            name: "den-mailer", relations: [("Depends", "den-mail-transport-agent")],
            files: [readme("den-mailer")], summary: "needs any mail transport agent"),
        // Proves maintainer scripts run, and as root inside the env.
        SyntheticPackage(
            name: "den-postinst", files: [readme("den-postinst")],
            scripts: [("postinst", "#!/bin/sh\nset -e\nmkdir -p /var/lib/den-postinst\n: > \"/var/lib/den-postinst/ran-as-$(id -u)\"\n")],
            summary: "records who ran its postinst"),
        // gid 42 is shadow on Debian: a group the unprivileged user's env must map.
        SyntheticPackage(
            name: "den-group-file",
            files: [File(path: "/usr/share/den-group-file/secret", contents: "only root and group 42 read this\n",
                         mode: 0o640, group: 42)],
            summary: "ships a file of group 42"),
        SyntheticPackage(
            name: "den-broken", relations: [("Depends", "den-does-not-exist")], files: [readme("den-broken")],
            summary: "depends on a package no archive has"),
        SyntheticPackage(
            name: "den-conflicts-hello", relations: [("Conflicts", "den-hello")], files: [readme("den-conflicts-hello")],
            summary: "cannot be installed with den-hello"),
        SyntheticPackage(name: "den-arch-all", architecture: "all", files: [readme("den-arch-all")],
                         summary: "an architecture-independent package"),
        // den's resolver always adds apt to the base; the real one would drag in half of Debian.
        SyntheticPackage(
            name: "apt", priority: "important", relations: [("Depends", "dpkg")],
            files: [File(path: "/usr/share/doc/apt/README", contents: "not apt: a stand-in from den's test archive\n")],
            summary: "stand-in for apt"),
    ]
}

// MARK: - Serving

/// The HTTP server, started once per test process. Its stdin is a pipe only this process
/// holds, so the server exits as soon as the test process does, however that ends.
private final class ArchiveServer: @unchecked Sendable {
    // Unchecked: set once in init and never touched again, only kept alive.
    let process = Process()
    let input = Pipe()
    let output = Pipe()
    let port: Int

    static let script = #"""
    import functools, http.server, os, sys, threading

    class Handler(http.server.SimpleHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        def log_message(self, *arguments):
            pass

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Handler, directory=sys.argv[1]))
    server.daemon_threads = True
    print(server.server_address[1], flush=True)

    def watch():
        sys.stdin.buffer.read()
        os._exit(0)

    threading.Thread(target=watch, daemon=True).start()
    server.serve_forever()
    """#

    init(serving directory: String) throws {
        // Not inherited by anything else this process starts: only our exit may close it.
        for handle in [input.fileHandleForWriting, output.fileHandleForReading] {
            _ = fcntl(handle.fileDescriptor, F_SETFD, FD_CLOEXEC)
        }
        let python = "/usr/bin/python3"
        guard FileManager.default.isExecutableFile(atPath: python) else {
            throw TestFailure("\(python) is missing: the test archive is served by python3's http.server")
        }
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-c", Self.script, directory]
        process.standardInput = input
        process.standardOutput = output
        // Clients hanging up mid-transfer make http.server print tracebacks: not our concern.
        process.standardError = FileHandle.nullDevice
        try process.run()
        port = try readPort(from: output, server: "the test archive's HTTP server")
    }
}

/// The first line a server started by the tests prints: the port it listens on.
func readPort(from output: Pipe, server: String) throws -> Int {
    var line = Data()
    while !line.contains(UInt8(ascii: "\n")) {
        let chunk = output.fileHandleForReading.availableData
        guard !chunk.isEmpty else { throw TestFailure("\(server) exited before it listened") }
        line.append(chunk)
    }
    guard let port = Int(String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) else {
        throw TestFailure("\(server) printed no port: \(String(decoding: line, as: UTF8.self))")
    }
    return port
}

// MARK: - Files

private func tool(_ name: String) throws -> String {
    for directory in ["/usr/bin", "/bin", "/usr/sbin", "/sbin"] {
        let path = "\(directory)/\(name)"
        if FileManager.default.isExecutableFile(atPath: path) { return path }
    }
    throw TestFailure("the test archive needs '\(name)' (`make deps`)")
}

private func makeFreshDirectory(prefix: String) throws -> String {
    var template = Array("/tmp/\(prefix)-XXXXXX".utf8CString)
    guard let pointer = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
        throw TestFailure("mkdtemp /tmp/\(prefix): \(String(cString: strerror(errno)))")
    }
    return String(cString: pointer)
}

private func makeDirectory(_ path: String, mode: mode_t) throws {
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true,
                                            attributes: [.posixPermissions: Int(mode)])
}

private func write(_ text: String, to path: String, mode: mode_t) throws {
    try text.write(toFile: path, atomically: false, encoding: .utf8)
    guard chmod(path, mode) == 0 else { throw TestFailure("chmod \(path): \(String(cString: strerror(errno)))") }
}

private func copyFile(_ source: String, to destination: String, mode: mode_t) throws {
    let data = try Data(contentsOf: URL(fileURLWithPath: source))
    try data.write(to: URL(fileURLWithPath: destination))
    // After the write: chmod keeps the setuid bits a write would clear.
    guard chmod(destination, mode) == 0 else { throw TestFailure("chmod \(destination): \(String(cString: strerror(errno)))") }
}

/// 0755 directories and 0644 files: the test users read it all, through the server or directly.
private func makeWorldReadable(_ root: String) throws {
    chmod(root, 0o755)
    guard let entries = FileManager.default.enumerator(atPath: root) else { throw TestFailure("cannot list \(root)") }
    for case let entry as String in entries {
        let path = "\(root)/\(entry)"
        var info = stat()
        guard lstat(path, &info) == 0 else { continue }
        switch info.st_mode & S_IFMT {
        case S_IFDIR: chmod(path, 0o755)
        case S_IFREG: chmod(path, 0o644)
        default: break
        }
    }
}

/// Runs `jobs` on every core and rethrows the first failure once all have ended.
private func runConcurrently(_ jobs: [@Sendable () throws -> Void]) throws {
    let failures = FailureBox()
    DispatchQueue.concurrentPerform(iterations: jobs.count) { index in
        do { try jobs[index]() } catch { failures.record(error) }
    }
    if let error = failures.first { throw error }
}

private final class FailureBox: @unchecked Sendable {
    private let lock = NSLock()
    private var errors: [any Error] = []

    func record(_ error: any Error) { lock.withLock { errors.append(error) } }
    var first: (any Error)? { lock.withLock { errors.first } }
}
