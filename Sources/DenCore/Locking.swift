import DenDebian
import DenFetch

extension Manifest {
    /// SHA-256 of what decides the resolution: the base, the packages (in any order), the
    /// Recommends switch and the architecture. Comments, vars, mounts or the mirror do not
    /// make a lock stale.
    public func lockHash(architecture: String) -> String {
        let lines = [
            "base=\(base)", "architecture=\(architecture)", "recommends=\(installsRecommends)",
            "packages=\(packages.map(\.description).sorted().joined(separator: ","))",
        ]
        var hasher = SHA256()
        hasher.update(Array(lines.joined(separator: "\n").utf8))
        return hasher.finalize()
    }
}

/// `den lock` for a Debian base: read the archive, resolve the base set and the manifest's
/// packages exactly as apt would, and pin every file.
public enum Locking {
    public static func lock(
        _ manifest: Manifest, suite: String, archive: DebianArchive, fetcher: Fetcher
    ) async throws -> Lockfile {
        let index = try await archive.index(suite: suite, fetcher: fetcher)
        var requests: [InstallRequest] = []
        for package in manifest.packages {
            let version: DebianVersion? = try package.version.map { text throws -> DebianVersion in try DebianVersion(text) }
            requests.append(InstallRequest(name: package.name, version: version))
        }
        let resolver = DependencyResolver(indexes: [index.packages], architecture: archive.architecture)
        // The base set alone is the shared base layer; the manifest's packages go on top of it.
        let base = try resolver.resolve([], includesBase: true, installsRecommends: false)
        let resolution = requests.isEmpty
            ? base : try resolver.resolve(requests, includesBase: true, installsRecommends: manifest.installsRecommends)
        let chosen = Set(resolution.packages.map(\.sha256))
        if let replaced = base.packages.first(where: { !chosen.contains($0.sha256) }) {
            throw LockingError.replacesBasePackage(replaced.name, version: replaced.version.description)
        }
        let baseFiles = Set(base.packages.map(\.sha256))
        let packages = resolution.packages.map {
            Lockfile.LockedPackage(name: $0.name, version: $0.version.description, architecture: $0.architecture,
                                   path: $0.filename, size: Int64($0.size), sha256: $0.sha256,
                                   layer: baseFiles.contains($0.sha256) ? .base : .packages)
        }
        let release = index.release
        let snapshot = Lockfile.ArchiveSnapshot(
            suite: suite, codename: release.codename ?? suite, version: release.version, date: release.date ?? "",
            inReleaseSHA256: index.inReleaseSHA256)
        return Lockfile(base: manifest.base.description, manifestHash: manifest.lockHash(architecture: archive.architecture),
                        architecture: archive.architecture, archive: snapshot, packages: packages)
    }
}

extension Lockfile {
    /// What changed from `old` to this lock, one line a package: `+ name version`,
    /// `- name version`, `~ name old -> new`.
    public func changes(from old: Lockfile?) -> [String] {
        let before = Dictionary((old?.packages ?? []).map { ("\($0.name):\($0.architecture)", $0) }, uniquingKeysWith: { a, _ in a })
        let after = Dictionary(packages.map { ("\($0.name):\($0.architecture)", $0) }, uniquingKeysWith: { a, _ in a })
        var lines: [String] = []
        for key in Set(before.keys).union(after.keys).sorted() {
            switch (before[key], after[key]) {
            case (nil, let new?): lines.append("+ \(new.name) \(new.version)")
            case (let gone?, nil): lines.append("- \(gone.name) \(gone.version)")
            case (let was?, let now?) where was.version != now.version || was.sha256 != now.sha256:
                lines.append("~ \(now.name) \(was.version) -> \(now.version)")
            default: break
            }
        }
        return lines
    }
}

public enum LockingError: Error, Sendable, Equatable {
    /// The manifest's packages need a base package removed or replaced (a Conflicts): the base
    /// layer is shared and immutable, so den cannot.
    case replacesBasePackage(String, version: String)
}
