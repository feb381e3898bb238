import DenFetch
import DenOCI
import DenSandbox
#if canImport(Glibc)
import Glibc
#endif

/// A registry repository where a team shares built envs (den.toml's `cache`): each is the
/// image `den export` makes, tagged by its den.lock, so a build of that lock pulls it instead
/// of building it.
public enum RegistryCache {
    /// `den-` and the lock's SHA-256 (a tag holds at most 128 characters).
    public static func tag(for lock: Lockfile) -> String {
        "den-" + SHA256.hash(Array(lock.rendered().utf8))
    }
}

extension ProjectBuild {
    /// The env of `lock` pulled from den.toml's cache and imported, when the cache is trusted
    /// and has it; nil (and a notice when something stood in the way) otherwise, and the build
    /// goes on as without a cache.
    func pullFromCache(_ lock: Lockfile, events: @escaping @Sendable (Event) -> Void) -> [String]? {
        guard let cache = manifest.cache, let registry = cache.registry else { return nil }
        guard Trust(store: store).granted(for: project).contains(Trust.cacheGrant(cache.description)) else {
            events(.notice("den.toml names the cache \(cache), which you have not trusted: building instead (`den trust` to use it)"))
            return nil
        }
        let reference = ImageReference(registry: registry, repository: cache.repository, tag: RegistryCache.tag(for: lock), digest: nil)
        // One fetcher for resolving and downloading: the import reads through it.
        let fetcher = Fetcher(configuration: FetchConfiguration())
        defer { _ = try? blocking { await fetcher.shutdown() } }
        let client: RegistryClient
        let image: ResolvedImage
        do {
            client = try registryClient()(fetcher)
            image = try blocking { try await client.resolve(reference, platform: .host) }
        } catch ImageError.notFound {
            return nil
        } catch {
            events(.notice("cannot read the cache \(cache) (\(error)): building instead"))
            return nil
        }
        let labels = image.configuration.config?.labels ?? [:]
        guard labels[EnvironmentExport.lockLabel] == lock.rendered() else {
            events(.notice("the cache's \(reference) was not built from this den.lock: building instead"))
            return nil
        }
        // Files of a single-id build all belong to one id: not what a full map should show.
        if case .subordinate = idMapping, labels[EnvironmentExport.mappingLabel] == "single" {
            events(.notice("the cache's \(reference) was built without subordinate ids: building instead"))
            return nil
        }
        events(.pulling(cache: reference.description))
        do {
            let source = RegistryRepository(client: client, registry: registry, repository: cache.repository)
            let result = try EnvironmentImport(store: store, user: user, idMapping: idMapping)
                .importImage(image, source: source, origin: reference.description)
            return [LayerStore(store: store).tree(of: result.digest)]
        } catch {
            events(.notice("cannot pull \(reference) (\(error)): building instead"))
            return nil
        }
    }

    /// `den push`: the built env, as `den export` makes it, into den.toml's cache under its
    /// den.lock's tag. Builds first when needed. Call from the main thread.
    public func pushToCache(events: @escaping @Sendable (Event) -> Void) throws -> String {
        guard let cache = manifest.cache, let registry = cache.registry else { throw CacheError.noCache }
        let environment = try prepareEnvironment(forceLock: false, events: events)
        guard let lock = try readLock() else { throw CacheError.noCache }
        let identity = idMapping.identity(for: user)
        let scratch = "\(store.cacheDirectory)/tmp/push-\(getpid())"
        if FileSystem.exists(scratch) { try Sandbox.removeTree(scratch, identity: identity) }
        try Store.makeDirectory(scratch)
        defer { try? Sandbox.removeTree(scratch, identity: identity) }
        let image = try EnvironmentExport(environment: environment, lock: lock, store: store, identity: identity, includesChanges: false)
            .makeImage(scratch: scratch)
        let configPath = "\(scratch)/config.json"
        try FileSystem.writeAtomically(configPath, contents: image.configuration, mode: 0o644)
        let tag = RegistryCache.tag(for: lock)
        let client = registryClient()
        try withFetcher { fetcher in
            try await client(fetcher).push(
                registry: registry, repository: cache.repository,
                blobs: [(image.layer, image.layerPath), (image.configDescriptor, configPath)],
                manifest: image.manifest, mediaType: MediaType.ociManifest, tag: tag)
        }
        return "\(cache):\(tag)"
    }
}

public enum CacheError: Error, Sendable, Equatable {
    /// `den push` in a project whose den.toml names no cache.
    case noCache
}
