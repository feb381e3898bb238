import DenArchive
import DenDebian
import DenFetch
import DenSandbox
import DenTOML
#if canImport(Glibc)
import Glibc
#endif

/// Builds the layers of a `debian:` env from its lock, rootless, the way mmdebstrap's unshare
/// mode does: the essential packages are unpacked by den itself inside the user namespace
/// (stage 1), then dpkg installs everything as root inside the sandbox (stage 2). The base set
/// is one layer, shared by every project on the same snapshot; the manifest's packages are a
/// second layer on top of it, shared by identical locks. Nothing is resolved here: the lock
/// says which files, and each is checked against its hash.
public struct DebianBuild: LayerBuilding, Sendable {
    public let lock: Lockfile
    public var layers: LayerStore
    public var cache: PackageCache
    public var identity: SandboxSpec.Identity
    /// "subordinate" or "single": a tree made with one mapping has the wrong owners for the other.
    public var mappingKind: String
    /// Where the log of a failed build is kept.
    public var logDirectory: String

    public init(lock: Lockfile, store: Store, user: HostUser, idMapping: IDMapping) {
        self.lock = lock
        layers = LayerStore(store: store)
        cache = PackageCache(store: store)
        identity = idMapping.identity(for: user)
        mappingKind = idMapping.kind
        logDirectory = "\(store.cacheDirectory)/logs"
        // Keys are worked out once: entering an env asks for them several times.
        let kind = idMapping.kind
        baseDigest = Self.digest(kind: "debian-base", below: nil, mapping: kind, architecture: lock.architecture,
                                 packages: lock.packages(in: .base))
        let added = lock.packages(in: .packages)
        packagesDigest = added.isEmpty ? nil : Self.digest(
            kind: "debian-packages", below: baseDigest, mapping: kind, architecture: lock.architecture, packages: added)
    }

    /// What a build is doing, for the CLI to show.
    public enum Step: Sendable, Equatable {
        case unpacking(layer: String, packages: Int)
        case installing(layer: String, packages: Int)
        case built(layer: String, digest: String)
    }

    public var basePackages: [Lockfile.LockedPackage] { lock.packages(in: .base) }
    public var layerPackages: [Lockfile.LockedPackage] { lock.packages(in: .packages) }

    /// The base layer's key: the exact files of the base set, the architecture and the mapping.
    public let baseDigest: String
    /// The manifest packages' layer's key, nil when the manifest adds none.
    public let packagesDigest: String?

    /// The env's read-only layers, top first: the manifest's packages, apt's sources and
    /// lists for `mirror` (when that layer exists), the base.
    public func trees(mirror: String) -> [String] {
        let apt = aptDigest(mirror: mirror).flatMap { layers.contains($0) ? $0 : nil }
        return [packagesDigest, apt, baseDigest].compactMap { $0 }.map(layers.tree(of:))
    }

    /// The layers an imported env may stand in for (see `LayerStore.alias`): all but apt's,
    /// which depends on the mirror.
    public var aliasKeys: [String] { [packagesDigest, baseDigest].compactMap { $0 } }

    public var isBuilt: Bool {
        ([packagesDigest].compactMap { $0 } + [baseDigest]).allSatisfy(layers.contains)
    }

    /// The `.deb`s the missing layers need (none when everything is built).
    public var neededPackages: [Lockfile.LockedPackage] {
        var needed: [Lockfile.LockedPackage] = []
        if !layers.contains(baseDigest) { needed += basePackages }
        if let packagesDigest, !layers.contains(packagesDigest) { needed += layerPackages }
        return needed
    }

    static func digest(
        kind: String, below: String?, mapping: String, architecture: String, packages: [Lockfile.LockedPackage],
        extra: [String] = []
    ) -> String {
        var lines = ["den-layer 1", "kind \(kind)", "id-mapping \(mapping)", "architecture \(architecture)"]
        if let below { lines.append("below \(below)") }
        lines += extra
        lines += packages.map { "\($0.name) \($0.version) \($0.architecture) \($0.sha256)" }.sorted()
        var hasher = SHA256()
        hasher.update(Array(lines.joined(separator: "\n").utf8))
        return hasher.finalize()
    }

    /// Builds the missing layers from the `.deb`s in the cache (`PackageCache.fetch` first).
    /// Runs sandboxes: call from the main thread.
    public func assemble(progress: (Step) -> Void) throws {
        let madeBase = try layers.make(baseDigest, identity: identity) { staging in
            try build(staging: staging, packages: basePackages, below: [], name: "base", progress: progress)
        }
        if madeBase { progress(.built(layer: "base", digest: baseDigest)) }
        if let packagesDigest {
            let made = try layers.make(packagesDigest, identity: identity) { staging in
                try build(staging: staging, packages: layerPackages, below: [layers.tree(of: baseDigest)], name: "packages",
                          progress: progress)
            }
            if made { progress(.built(layer: "packages", digest: packagesDigest)) }
        }
    }

    private func build(
        staging: String, packages: [Lockfile.LockedPackage], below: [String], name: String, progress: (Step) -> Void
    ) throws -> TOMLTable {
        let (tree, logPath, log) = try openBuildLog(staging: staging)
        defer { close(log) }

        var scriptNames: [String: Set<String>] = [:]
        let controls = try packages.map { package in
            let (control, scripts) = try self.control(of: package)
            scriptNames[package.sha256] = scripts
            return control
        }
        let order = InstallOrder(packages: controls, isOnBase: !below.isEmpty)
        // Unpacked in the order dpkg would install them: a later package's file wins.
        let sequence = order.essential + order.batches.flatMap { $0 }
        let bySHA = Dictionary(packages.map { ($0.sha256, $0) }, uniquingKeysWith: { a, _ in a })

        // Stage 1: den unpacks and registers every package (see `LayerUnpacker`); a layer on
        // top of a base is unpacked into the overlay, to see the base's merged-/usr symlinks.
        progress(.unpacking(layer: name, packages: sequence.count))
        let ownership = if case .subordinate = identity { "apply" } else { "ignore" }
        let database = "\(staging)/\(Self.databaseName)"
        try Store.makeDirectory(database)
        let overlay = below.isEmpty ? nil : overlaySpec(staging: staging, below: below)
        if overlay != nil { try Store.makeDirectory("\(staging)/mnt") }
        let outcome = try Sandbox.runHelper(
            [LayerUnpacker.helperFlag, overlay?.mountpoint ?? tree, ownership, database]
                + sequence.compactMap { bySHA[$0.sha256].map(cache.path(of:)) },
            identity: identity, environment: Self.helperEnvironment, overlay: overlay, output: .file(log))
        guard outcome == .finished(.exited(0)) else {
            throw stageFailure("unpacking the packages", outcome: outcome, logPath: logPath, name: name)
        }
        if let overlay { try Sandbox.removeTree(overlay.workDirectory, identity: identity) }

        // Stage 2: dpkg takes it from there, as after `dpkg --unpack`.
        progress(.installing(layer: name, packages: packages.count))
        var script = [
            "set -e",
            // No service may start while a tree is being built (policy-rc.d(8)).
            "printf '#!/bin/sh\\nexit 101\\n' > /usr/sbin/policy-rc.d",
            "chmod 755 /usr/sbin/policy-rc.d",
            "mkdir -p /var/lib/dpkg/info /var/lib/dpkg/updates /var/lib/dpkg/triggers",
            "cp -a \(Self.databaseInside)/info/. /var/lib/dpkg/info/",
        ]
        if below.isEmpty {
            script += [
                // libc6's postinst re-executes init, then sleeps a second, unless `ischroot`
                // says it runs in a chroot. ischroot compares / with pid 1's root, and in the
                // sandbox pid 1 shares it: a tree being built would pass for a booted system.
                // It is a chroot as debootstrap's and mmdebstrap's are; the real one is back
                // after dpkg.
                "if [ -e /usr/bin/ischroot ]; then mv /usr/bin/ischroot /usr/bin/ischroot.den-real; fi",
                "printf '#!/bin/sh\\nexit 0\\n' > /usr/bin/ischroot",
                "chmod 755 /usr/bin/ischroot",
                "cp \(Self.databaseInside)/status /var/lib/dpkg/status",
                ": > /var/lib/dpkg/available",
                "echo \(lock.architecture) > /var/lib/dpkg/arch",
            ]
        } else {
            script += ["printf '\\n' >> /var/lib/dpkg/status", "cat \(Self.databaseInside)/status >> /var/lib/dpkg/status"]
        }
        // Each preinst as dpkg runs it before unpacking: `preinst install`, from tmp.ci with the
        // package's control archive beside it. The essential set is configured first, all
        // together (its dependencies may form cycles: as mmdebstrap, forced), then the rest,
        // whose preinsts may rely on the essential set.
        func preinsts(_ group: [BinaryPackage]) -> [String] {
            group.filter { scriptNames[$0.sha256]?.contains("preinst") == true }.flatMap { package in [
                "rm -rf /var/lib/dpkg/tmp.ci",
                "cp -a \(Self.databaseInside)/ci/\(Self.dpkgName(package)) /var/lib/dpkg/tmp.ci",
                "DPKG_MAINTSCRIPT_PACKAGE=\(package.name) DPKG_MAINTSCRIPT_ARCH=\(package.architecture) "
                    + "DPKG_MAINTSCRIPT_NAME=preinst DPKG_ADMINDIR=/var/lib/dpkg DPKG_ROOT= /var/lib/dpkg/tmp.ci/preinst install",
            ] } + ["rm -rf /var/lib/dpkg/tmp.ci"]
        }
        if !order.essential.isEmpty {
            script.append(Self.mark("configuring \(order.essential.count) essential packages"))
            script += preinsts(order.essential)
            script.append("dpkg --force-depends --configure \(order.essential.map(Self.dpkgName).joined(separator: " "))")
        }
        let rest = order.batches.flatMap { $0 }
        if !rest.isEmpty {
            script.append(Self.mark("configuring \(rest.count) packages"))
            script += preinsts(rest)
            script.append("dpkg --configure -a")
        }
        // What dpkg's unpack would have triggered (library caches, file indexes…).
        script += [
            "while read -r trigger; do dpkg-trigger --no-await \"$trigger\"; done < \(Self.databaseInside)/triggers",
            "dpkg --triggers-only --pending",
        ]
        if case .single = identity {
            // Every file belongs to the user here: a setuid bit would make a program run as
            // the user for whoever can reach it, and gives nothing inside.
            script.append("find / -xdev -type f \\( -perm -4000 -o -perm -2000 \\) -exec chmod ug-s {} +")
            // apt drops to _apt and checks that it cannot get root back; with ownership calls
            // faked that check fails, so apt keeps root (as in any rootless single-id build).
            if !order.essential.isEmpty {
                script.append("mkdir -p /etc/apt/apt.conf.d")
                script.append("printf 'APT::Sandbox::User \"root\";\\n' > /etc/apt/apt.conf.d/00den-single-id")
            }
        }
        if below.isEmpty {
            script.append("rm /usr/bin/ischroot; if [ -e /usr/bin/ischroot.den-real ]; then mv /usr/bin/ischroot.den-real /usr/bin/ischroot; fi")
        }
        script += [
            "rm -f /usr/sbin/policy-rc.d",
            // Logs and caches that record when and in what order, not what: two builds of the
            // same lock must give the same tree.
            "rm -f /var/log/dpkg.log /var/log/alternatives.log /var/cache/ldconfig/aux-cache",
            "rm -rf /var/log/apt/*",
            Self.mark("done"),
        ]
        let spec = buildSpec(staging: staging, below: below, script: script.joined(separator: "\n"))
        let what = below.isEmpty ? "the base packages" : "den.toml's packages"
        try runStage(spec, staging: staging, stage: "configuring \(what) with dpkg", name: name, log: log)

        var metadata = TOMLTable()
        metadata.set("kind", .string(below.isEmpty ? "debian-base" : "debian-packages"))
        metadata.set("id-mapping", .string(mappingKind))
        metadata.set("architecture", .string(lock.architecture))
        if let archive = lock.archive {
            metadata.set("suite", .string(archive.codename))
            metadata.set("snapshot", .string(archive.date))
        }
        metadata.set("packages", .array(packages.map { TOMLNode(.string("\($0.name)=\($0.version)")) }))
        metadata.set("tree", .string("sha256:\(try treeDigest(of: tree, scratch: staging))"))
        return metadata
    }

    /// A line in the build log with the time, so a slow build shows which step was slow.
    static func mark(_ step: String) -> String {
        "echo \"den: $(date -u +%H:%M:%S.%N) \(step)\""
    }

    /// dpkg's name for a package: with its architecture when it is Multi-Arch: same.
    static func dpkgName(_ package: BinaryPackage) -> String {
        package.multiArch == .same ? "\(package.name):\(package.architecture)" : package.name
    }

    /// The dpkg database stage 1 writes, in the staging directory and as stage 2 sees it
    /// (read-only, on the sandbox's own /tmp).
    static let databaseName = "dpkg-db"
    static let databaseInside = "/tmp/den-db"


    static let helperEnvironment = ["PATH=/usr/bin:/bin", "LANG=C.UTF-8"]

    /// One layer as `den verify` found it.
    public struct LayerCheck: Sendable, Equatable {
        public var kind: String
        public var digest: String
        /// The tree digest recorded when the layer was built (nil: not recorded).
        public var recorded: String?
        public var actual: String
        public var isIntact: Bool { recorded == actual }
    }

    /// See `LayerBuilding.verify(trees:)`: the env's layers for `mirror`.
    public func verify(mirror: String) throws -> [LayerCheck] {
        try verify(trees: trees(mirror: mirror))
    }

    func buildSpec(staging: String, below: [String], script: String) -> SandboxSpec {
        var environment = [
            "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root",
            "DEBIAN_FRONTEND=noninteractive", "DEBCONF_NONINTERACTIVE_SEEN=true",
            "LC_ALL=C.UTF-8", "LANG=C.UTF-8", "LANGUAGE=C.UTF-8",
        ]
        // Dates that tools write into files (shadow's last change…) come from the snapshot.
        if let date = lock.archive.flatMap({ ReleaseDate($0.date) }) {
            environment.append("SOURCE_DATE_EPOCH=\(date.secondsSince1970)")
        }
        var spec = SandboxSpec(
            identity: identity, session: .create(socketDirectory: staging, socketName: "build.sock"),
            overlay: overlaySpec(staging: staging, below: below),
            hostname: "den-build", isolatesNetwork: true,
            binds: [SandboxSpec.Bind(source: "\(staging)/\(Self.databaseName)", target: Self.databaseInside, isReadOnly: true,
                                     isOptional: true)],
            directories: [], files: [], uid: 0, gid: 0, workingDirectory: "/", fallbackWorkingDirectory: "/",
            command: ["/bin/sh", "-c", script], environment: environment)
        spec.purpose = .build
        return spec
    }

    /// The package's control data and the names of its maintainer scripts, read from the
    /// cached `.deb` (hashed by the fetch just before).
    private func control(of package: Lockfile.LockedPackage) throws -> (BinaryPackage, Set<String>) {
        let path = cache.path(of: package)
        do {
            let archive = try DebianPackageArchive(path: path)
            let control = try BinaryPackage(control: archive.control.control, filename: package.path, size: Int(package.size),
                                            sha256: package.sha256)
            return (control, Set(archive.control.maintainerScripts.keys))
        } catch {
            throw BuildError.unreadablePackage(name: package.name, path: path, reason: "\(error)")
        }
    }


}

public enum BuildError: Error, Sendable {
    case fetch(FetchError)
    /// The mirror answered 404 for a locked file.
    case packageGone(name: String, version: String, url: String)
    case unreadablePackage(name: String, path: String, reason: String)
    /// A stage ended badly; `log` has dpkg's output, `tail` its last lines.
    case stageFailed(stage: String, outcome: String, log: String, tail: String)
    case digestFailed(tree: String, reason: String)
    /// A stage failed with (almost) no space left where layers are built.
    case diskFull(stage: String, directory: String)
}
