import DenFetch

/// Downloaded `.deb`s, named by their SHA-256 (`<cache>/debs/<sha256>.deb`): the same file is
/// fetched once for every project and every layer that needs it. A file is renamed into place
/// only once its size and hash match, and is hashed again each time it is reused.
public struct PackageCache: Sendable {
    public var directory: String

    public init(store: Store) {
        directory = "\(store.cacheDirectory)/debs"
    }

    public func path(of package: Lockfile.LockedPackage) -> String {
        "\(directory)/\(package.sha256).deb"
    }

    /// Puts every package in the cache, downloading those missing from `mirror` (8 at a time,
    /// with retries). A package the mirror no longer carries is named in the error.
    public func fetch(
        _ packages: [Lockfile.LockedPackage], mirror: String, fetcher: Fetcher,
        progress: @escaping @Sendable (DownloadProgress) -> Void
    ) async throws {
        try Store.makeDirectory(directory)
        let base = mirror.hasSuffix("/") ? String(mirror.dropLast()) : mirror
        var byURL: [String: Lockfile.LockedPackage] = [:]
        let requests = packages.map { package in
            // Packages of an image's apt are locked with the URL that apt gave.
            let url = package.path.contains("://") ? package.path : "\(base)/\(package.path)"
            byURL[url] = package
            return DownloadRequest(url: url, destination: path(of: package), expectedSize: package.size,
                                   expectedSHA256: package.sha256)
        }
        do {
            try await fetcher.fetch(requests, progress: progress)
        } catch {
            if case .http(let url, 404) = error, let package = byURL[url] {
                throw BuildError.packageGone(name: package.name, version: package.version, url: url)
            }
            throw BuildError.fetch(error)
        }
    }
}
