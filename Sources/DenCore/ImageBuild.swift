import DenArchive
import DenFetch
import DenOCI
import DenSandbox
import DenTOML
#if canImport(Glibc)
import Glibc
#endif

/// `den lock` for an image base: the reference resolved to this machine's manifest, pinned
/// with its configuration and every layer by digest.
public enum ImageLocking {
    /// The lock of `image`, recorded as `reference` (a qualified reference with its tag, or
    /// the local source as den.toml writes it).
    public static func lock(_ manifest: Manifest, image: ResolvedImage, reference: String) throws(ImageError) -> Lockfile {
        for layer in image.manifest.layers where !MediaType.layers.contains(layer.mediaType) {
            throw .unsupportedLayer(mediaType: layer.mediaType, digest: layer.digest)
        }
        let blob = { (descriptor: Descriptor) in
            Lockfile.ImagePin.Blob(digest: descriptor.digest, size: descriptor.size, mediaType: descriptor.mediaType)
        }
        let pin = Lockfile.ImagePin(
            reference: reference, digest: image.manifestDigest, index: image.indexDigest,
            platform: image.platform.description, config: blob(image.manifest.config), layers: image.manifest.layers.map(blob))
        let architecture = image.platform.architecture
        return Lockfile(base: manifest.base.description, manifestHash: manifest.lockHash(architecture: architecture),
                        architecture: architecture, archive: nil, image: pin, packages: [])
    }
}

/// Builds the layer of an image base from its lock: the manifest is fetched by the locked
/// digest and must list exactly the locked blobs; each blob is downloaded into the cache and
/// checked against its digest as it streams; then den, re-executed in the user namespace,
/// applies the layers in order with their whiteouts into one immutable tree.
public struct ImageBuild: LayerBuilding, Sendable {
    public let lock: Lockfile
    public let pin: Lockfile.ImagePin
    public var layers: LayerStore
    public var identity: SandboxSpec.Identity
    public var mappingKind: String
    public var logDirectory: String
    /// Downloaded blobs, by the hex of their digest: shared by every image that has them.
    public var blobDirectory: String
    /// The layer's key: the manifest digest and the id mapping the tree is made with.
    public let digest: String
    /// The key of the layer of den.toml's packages (see `assemblePackages`), nil without them.
    public let packagesDigest: String?

    public init?(lock: Lockfile, store: Store, user: HostUser, idMapping: IDMapping) {
        guard let pin = lock.image else { return nil }
        self.lock = lock
        self.pin = pin
        layers = LayerStore(store: store)
        identity = idMapping.identity(for: user)
        mappingKind = idMapping.kind
        logDirectory = "\(store.cacheDirectory)/logs"
        blobDirectory = "\(store.cacheDirectory)/blobs"
        var hasher = SHA256()
        hasher.update(Array(["den-layer 1", "kind oci-image", "id-mapping \(idMapping.kind)", "manifest \(pin.digest)"]
            .joined(separator: "\n").utf8))
        digest = hasher.finalize()
        let added = lock.packages(in: .image)
        packagesDigest = added.isEmpty ? nil : DebianBuild.digest(
            kind: "image-packages", below: digest, mapping: idMapping.kind, architecture: lock.architecture, packages: added)
    }

    public var isBuilt: Bool { ([digest] + [packagesDigest].compactMap { $0 }).allSatisfy(layers.contains) }
    /// The layers an imported env may stand in for (see `LayerStore.alias`).
    public var aliasKeys: [String] { [packagesDigest, digest].compactMap { $0 } }
    /// The env's read-only layers, top first.
    public var trees: [String] { ([packagesDigest].compactMap { $0 } + [digest]).map(layers.tree(of:)) }

    public func blobPath(_ digest: String) -> String { "\(blobDirectory)/\(ImageDigest.hex(digest))" }

    /// Checks the locked manifest against the lock and downloads the blobs the cache lacks.
    /// The manifest is content too: kept in the cache by its digest, so a rebuild of a pulled
    /// image needs no network.
    public func fetch(from source: any ImageBlobSource, progress: @escaping @Sendable (DownloadProgress) -> Void) async throws {
        try Store.makeDirectory(blobDirectory)
        let manifestPath = blobPath(pin.digest)
        var bytes = (try? FileSystem.read(manifestPath)) ?? []
        if "sha256:" + SHA256.hash(bytes) != pin.digest {
            bytes = try await source.manifestBytes(digest: pin.digest)
            let actual = "sha256:" + SHA256.hash(bytes)
            guard actual == pin.digest else { throw ImageError.digestMismatch(what: "the manifest", expected: pin.digest, actual: actual) }
            try FileSystem.writeAtomically(manifestPath, contents: bytes, mode: 0o644)
        }
        guard case .manifest(let manifest) = try ImageDocument.decode(bytes, contentType: nil),
              manifest.config.digest == pin.config.digest,
              manifest.layers.map(\.digest) == pin.layers.map(\.digest),
              manifest.layers.map(\.size) == pin.layers.map(\.size)
        else { throw ImageBuildError.lockMismatch(reference: pin.reference, digest: pin.digest) }
        let blobs = ([pin.config] + pin.layers).map { Descriptor(mediaType: $0.mediaType, digest: $0.digest, size: $0.size) }
        // Cached blobs are hashed again here, just before the build reads them.
        let directory = blobDirectory
        try await source.download(blobs, destination: { "\(directory)/\(ImageDigest.hex($0.digest))" }, progress: progress)
    }

    /// Applies the cached layers into the store (after `fetch`). Runs a sandbox: call from the
    /// main thread.
    public func assemble(progress: (DebianBuild.Step) -> Void) throws {
        let made = try layers.make(digest, identity: identity) { staging in
            let tree = "\(staging)/tree"
            let configuration = try verifiedConfiguration()
            progress(.unpacking(layer: "image", packages: pin.layers.count))
            try applyImageLayers(pin.layers.map { ($0.digest, blobPath($0.digest)) }, staging: staging,
                                 stage: "applying the image's layers", name: "image")
            var metadata = TOMLTable()
            metadata.set("kind", .string("oci-image"))
            metadata.set("id-mapping", .string(mappingKind))
            metadata.set("architecture", .string(lock.architecture))
            metadata.set("reference", .string(pin.reference))
            metadata.set("manifest", .string(pin.digest))
            metadata.set("platform", .string(pin.platform))
            metadata.set("env", .array((configuration.config?.env ?? []).map { TOMLNode(.string($0)) }))
            if let directory = configuration.config?.workingDirectory, !directory.isEmpty {
                metadata.set("working-directory", .string(directory))
            }
            metadata.set("tree", .string("sha256:\(try treeDigest(of: tree, scratch: staging))"))
            return metadata
        }
        if made { progress(.built(layer: "image", digest: digest)) }
    }

    /// The `Env` an image layer recorded, without the variables den sets for the user.
    static func variables(of digest: String, in layers: LayerStore) -> [(name: String, value: String)] {
        guard case .array(let nodes)? = layers.metadata(of: digest)?["env"]?.node.value else { return [] }
        let entries: [String] = nodes.compactMap { if case .string(let text) = $0.value { text } else { nil } }
        return ImageConfiguration(architecture: nil, os: nil, environment: entries).environment
            .filter { !["HOME", "USER", "LOGNAME", "SHELL", "HOSTNAME"].contains($0.name) }
    }

    /// The cached configuration, checked against its digest.
    func verifiedConfiguration() throws -> ImageConfiguration {
        let path = blobPath(pin.config.digest)
        guard let bytes = try? FileSystem.read(path) else { throw ImageBuildError.blobMissing(digest: pin.config.digest, path: path) }
        let actual = "sha256:" + SHA256.hash(bytes)
        guard actual == pin.config.digest else {
            throw ImageError.digestMismatch(what: "cached blob \"\(path)\"", expected: pin.config.digest, actual: actual)
        }
        return try ImageConfiguration.decode(bytes)
    }
}

/// `den --internal-apply-image ROOT apply|ignore DIGEST=BLOB…`: applies the layers in order
/// (see `LayerApplier`); `ImageBuild.fetch` has just checked every blob against its digest.
enum ImageLayerHelper {
    static let flag = "--internal-apply-image"


    static func run(_ arguments: [String]) throws {
        guard arguments.count >= 2 else { throw SystemError("apply: missing arguments", errno: EINVAL) }
        let root = arguments[0]
        let applyOwners = arguments[1] == "apply"
        for argument in arguments.dropFirst(2) {
            guard let equals = argument.firstIndex(of: "=") else { throw SystemError("apply: bad layer argument", errno: EINVAL) }
            let digest = String(argument[..<equals])
            let path = String(argument[argument.index(after: equals)...])
            var info = stat()
            guard stat(path, &info) == 0 else { throw SystemError("stat", path: path, errno: errno) }
            let options = ExtractionOptions(
                maxTotalBytes: ExtractionOptions.maximumExpansion(compressedSize: Int64(info.st_size)), symlinkPolicy: .followInsideRoot,
                ownership: applyOwners ? .apply : .ignore, preservesSetIDBits: applyOwners)
            do {
                let extractor = try SafeExtractor(rootPath: root, options: options)
                try LayerApplier(extractor: extractor).apply(try ArchiveReader(path: path))
            } catch {
                throw ImageError.layer(digest: digest, error)
            }
        }
    }
}

public enum ImageBuildError: Error, Sendable, Equatable {
    /// The registry's manifest at the locked digest lists other blobs than the lock.
    case lockMismatch(reference: String, digest: String)
    case blobMissing(digest: String, path: String)
    /// den.toml has `packages` but the image has no apt to install them with.
    case noApt(reference: String)
    /// A line of apt's `--print-uris` that den cannot read.
    case unexpectedAptOutput(String)
}
