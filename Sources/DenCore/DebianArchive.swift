import DenArchive
import DenDebian
import DenFetch
#if canImport(Glibc)
import Glibc
#endif

/// One suite of a Debian archive as den reads it: InRelease verified with gpgv against the
/// archive keyring, then the Packages index it lists, checked against its SHA-256.
public struct DebianArchive: Sendable {
    public var mirror: String
    public var keyring: String
    public var architecture: String
    /// Downloaded indexes, named by their SHA-256.
    public var cacheDirectory: String

    public static let defaultKeyring = "/usr/share/keyrings/debian-archive-keyring.gpg"

    public init(mirror: String, keyring: String?, architecture: String, cacheDirectory: String) {
        self.mirror = mirror.hasSuffix("/") ? String(mirror.dropLast()) : mirror
        self.keyring = keyring ?? Self.defaultKeyring
        self.architecture = architecture
        self.cacheDirectory = cacheDirectory
    }

    public struct Index: Sendable {
        public var release: ReleaseFile
        public var inReleaseSHA256: String
        public var packages: PackagesIndex
        /// The files as apt keeps them in /var/lib/apt/lists (see `lists`).
        public var lists: Lists
    }

    /// The verified InRelease and the Packages index it names, both in the cache: what an
    /// env's apt needs to install packages without an `apt-get update` first.
    public struct Lists: Sendable {
        public var inReleasePath: String
        /// The compressed index as the archive serves it.
        public var packagesPath: String
        /// Its path below `dists/SUITE/` (`main/binary-amd64/Packages.xz`).
        public var packagesName: String
    }

    /// The architecture name Debian uses for this machine.
    public static var hostArchitecture: String {
        var name = utsname()
        uname(&name)
        let machine = withUnsafeBytes(of: name.machine) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        return ["x86_64": "amd64", "aarch64": "arm64", "armv7l": "armhf", "i686": "i386", "ppc64le": "ppc64el",
                "s390x": "s390x", "riscv64": "riscv64"][machine] ?? machine
    }

    /// Fetches and verifies `dists/SUITE/InRelease`, then the suite's main Packages index.
    /// A version (`12`) is not a directory of the archive: it is found by reading the Release
    /// files of the release aliases, whose `Version` says which release each one is now.
    public func index(suite: String, fetcher: Fetcher) async throws -> Index {
        do {
            return try await index(distribution: suite, fetcher: fetcher)
        } catch DebianArchiveError.fetch(.http(_, 404)) where !suite.isEmpty && suite.allSatisfy(\.isNumber) {
            for alias in ["stable", "oldstable", "oldoldstable", "testing"] {
                guard let index = try? await index(distribution: alias, fetcher: fetcher) else { continue }
                let major = index.release.version?.split(separator: ".").first.map(String.init)
                guard major == suite, let codename = index.release.codename else { continue }
                return try await self.index(distribution: codename, fetcher: fetcher)
            }
            throw DebianArchiveError.unknownVersion(suite)
        }
    }

    private func index(distribution suite: String, fetcher: Fetcher) async throws -> Index {
        let inReleaseURL = "\(mirror)/dists/\(suite)/InRelease"
        let inRelease: [UInt8]
        do {
            inRelease = try await fetcher.fetchData(inReleaseURL, limit: 32 << 20)
        } catch {
            throw DebianArchiveError.fetch(error)
        }
        try Store.makeDirectory(cacheDirectory)
        var hasher = SHA256()
        hasher.update(inRelease)
        let inReleaseSHA256 = hasher.finalize()
        let inReleasePath = "\(cacheDirectory)/\(inReleaseSHA256).InRelease"
        let release = try verify(inRelease, url: inReleaseURL, keepingAt: inReleasePath)

        // xz first (smallest), then gzip, as apt prefers.
        let base = "main/binary-\(architecture)/Packages"
        guard let file = [".xz", ".gz", ""].lazy.compactMap({ release.indexFile(at: base + $0) }).first else {
            throw DebianArchiveError.noPackagesIndex(suite: suite, architecture: architecture)
        }
        let lists = Lists(inReleasePath: inReleasePath, packagesPath: "\(cacheDirectory)/\(file.sha256)", packagesName: file.path)
        let directory = file.path.split(separator: "/").dropLast().joined(separator: "/")
        // By hash when the archive offers it: the file cannot change under us mid-update.
        let path = release.acquireByHash ? "\(directory)/by-hash/SHA256/\(file.sha256)" : file.path
        let url = "\(mirror)/dists/\(suite)/\(path)"
        let destination = "\(cacheDirectory)/\(file.sha256)"
        do {
            try await fetcher.fetch([DownloadRequest(url: url, destination: destination, expectedSize: Int64(file.size),
                                                     expectedSHA256: file.sha256)], progress: { _ in })
        } catch {
            throw DebianArchiveError.fetch(error)
        }
        let bytes: [UInt8]
        do {
            bytes = try ArchiveReader.decompress(path: destination, limit: 1 << 30)
        } catch {
            throw DebianArchiveError.invalidIndex(url: url, reason: "\(error)")
        }
        do {
            return Index(release: release, inReleaseSHA256: inReleaseSHA256, packages: try PackagesIndex(bytes), lists: lists)
        } catch {
            throw DebianArchiveError.invalidIndex(url: url, reason: error.description)
        }
    }

    /// The lists of the snapshot whose InRelease hashes to `inReleaseSHA256`, when an earlier
    /// `den lock` left them in the cache; verified again (signature and index hash) before use.
    public func cachedLists(inReleaseSHA256: String) -> Lists? {
        let inReleasePath = "\(cacheDirectory)/\(inReleaseSHA256).InRelease"
        guard let inRelease = try? FileSystem.read(inReleasePath),
              let release = try? verify(inRelease, url: inReleasePath, keepingAt: nil)
        else { return nil }
        let base = "main/binary-\(architecture)/Packages"
        guard let file = [".xz", ".gz", ""].lazy.compactMap({ release.indexFile(at: base + $0) }).first else { return nil }
        let packagesPath = "\(cacheDirectory)/\(file.sha256)"
        guard let bytes = try? FileSystem.read(packagesPath), bytes.count == file.size else { return nil }
        var hasher = SHA256()
        hasher.update(bytes)
        guard hasher.finalize() == file.sha256 else { return nil }
        return Lists(inReleasePath: inReleasePath, packagesPath: packagesPath, packagesName: file.path)
    }

    /// gpgv checks the clear-signed InRelease against the keyring; only then is its text used.
    /// The verified file is kept at `keepingAt` (the cache) for the env's apt.
    private func verify(_ inRelease: [UInt8], url: String, keepingAt kept: String?) throws -> ReleaseFile {
        guard FileSystem.isRegularFile(keyring) else { throw DebianArchiveError.missingKeyring(keyring) }
        let path = "\(cacheDirectory)/.inrelease-\(getpid())"
        try FileSystem.writeAtomically(path, contents: inRelease, mode: 0o600)
        defer { unlink(path) }
        let result: Subprocess.Result
        do {
            result = try Subprocess.run(["gpgv", "--keyring", keyring, path])
        } catch {
            throw DebianArchiveError.gpgvMissing(error)
        }
        guard result.status == 0 else {
            throw DebianArchiveError.badSignature(url: url, keyring: keyring, gpgv: result.error)
        }
        let release: ReleaseFile
        do {
            release = try ReleaseFile(try ClearSigned(inRelease).signedText)
        } catch {
            throw DebianArchiveError.invalidIndex(url: url, reason: "\(error)")
        }
        if let kept { try FileSystem.writeAtomically(kept, contents: inRelease, mode: 0o644) }
        return release
    }
}

public enum DebianArchiveError: Error, Sendable {
    case fetch(FetchError)
    case missingKeyring(String)
    case gpgvMissing(SystemError)
    case badSignature(url: String, keyring: String, gpgv: String)
    case invalidIndex(url: String, reason: String)
    case noPackagesIndex(suite: String, architecture: String)
    /// No release alias of the archive has this version.
    case unknownVersion(String)
}
