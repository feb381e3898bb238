import DenArchive
import DenOCI
import DenSandbox
import DenTOML
#if canImport(Glibc)
import Glibc
#endif

/// `den import FILE`: an archive written by `den export` (oci-archive or docker-archive) put
/// into this store as one layer that stands in for the layers its den.lock would build here,
/// so an env of that lock enters with no download and no build (a teammate without network).
public struct EnvironmentImport: LayerBuilding, Sendable {
    public var layers: LayerStore
    public var identity: SandboxSpec.Identity
    public var logDirectory: String
    public var store: Store
    public var user: HostUser
    public var idMapping: IDMapping

    public init(store: Store, user: HostUser, idMapping: IDMapping) {
        self.store = store
        self.user = user
        self.idMapping = idMapping
        layers = LayerStore(store: store)
        identity = idMapping.identity(for: user)
        logDirectory = "\(store.cacheDirectory)/logs"
    }

    public struct Imported: Sendable, Equatable {
        public var name: String
        public var digest: String
        /// The den.lock the export was built from.
        public var lock: Lockfile
        public var wasPresent: Bool
    }

    /// Imports `file`. Runs sandboxes: call from the main thread.
    public func importArchive(_ file: String) throws -> Imported {
        let scratch = "\(store.cacheDirectory)/tmp/import-\(getpid())"
        if FileSystem.exists(scratch) { try Sandbox.removeTree(scratch, identity: identity) }
        try Store.makeDirectory(scratch)
        defer { try? Sandbox.removeTree(scratch, identity: identity) }

        let source: any ImageBlobSource
        let image: ResolvedImage
        if try Self.hasMember("manifest.json", in: file) {
            let archive = DockerArchive(file: file)
            source = archive
            image = try archive.resolve(platform: .host).image
        } else {
            // An OCI archive is a layout in a tar: unpacked (safely) to read it as one.
            let layout = "\(scratch)/layout"
            try Store.makeDirectory(layout)
            do {
                let extractor = try SafeExtractor(rootPath: layout, options: ExtractionOptions(symlinkPolicy: .reject))
                try extractor.extract(from: try ArchiveReader(path: file))
            } catch {
                throw ImageError.damagedArchive(path: file, reason: "\(error)")
            }
            source = ImageLayout(directory: layout)
            image = try ImageLayout(directory: layout).resolve(tag: nil, platform: .host)
        }
        return try importImage(image, source: source, origin: file)
    }

    /// Imports an exported env from any source (an archive, a registry cache): its layer
    /// applied into the store and recorded as standing in for its den.lock's layers.
    public func importImage(_ image: ResolvedImage, source: any ImageBlobSource, origin file: String) throws -> Imported {
        let labels = image.configuration.config?.labels ?? [:]
        guard let lockText = labels[EnvironmentExport.lockLabel] else { throw ImportError.notAnExport(file: file) }
        let lock = try Lockfile.parse(lockText, file: "\(file) (label \(EnvironmentExport.lockLabel))")
        let keys: [String]
        if let build = ImageBuild(lock: lock, store: store, user: user, idMapping: idMapping) {
            keys = build.aliasKeys
        } else {
            keys = DebianBuild(lock: lock, store: store, user: user, idMapping: idMapping).aliasKeys
        }
        let digest = DebianBuild.digest(kind: "import", below: nil, mapping: idMapping.kind, architecture: lock.architecture,
                                        packages: [], extra: image.manifest.layers.map { "layer \($0.digest)" })
        let blobDirectory = "\(store.cacheDirectory)/blobs"
        try Store.makeDirectory(blobDirectory)
        let blobPath = { @Sendable (digest: String) in "\(blobDirectory)/\(ImageDigest.hex(digest))" }
        let made = try layers.make(digest, identity: identity) { staging in
            try blocking { try await source.download(image.manifest.layers, destination: { blobPath($0.digest) }, progress: { _ in }) }
            let tree = "\(staging)/tree"
            try applyImageLayers(image.manifest.layers.map { ($0.digest, blobPath($0.digest)) }, staging: staging,
                                 stage: "unpacking the imported env", name: "import")
            var metadata = TOMLTable()
            metadata.set("kind", .string("import"))
            metadata.set("id-mapping", .string(idMapping.kind))
            metadata.set("name", .string(labels[EnvironmentExport.nameLabel] ?? ""))
            metadata.set("stands-for", .array(keys.map { TOMLNode(.string($0)) }))
            metadata.set("env", .array((image.configuration.config?.env ?? []).map { TOMLNode(.string($0)) }))
            metadata.set("tree", .string("sha256:\(try treeDigest(of: tree, scratch: staging))"))
            return metadata
        }
        try layers.recordAlias(for: keys, layer: digest)
        return Imported(name: labels[EnvironmentExport.nameLabel] ?? "", digest: digest, lock: lock, wasPresent: !made)
    }

    /// Whether the tar `file` has a member named `name` (at its top).
    static func hasMember(_ name: String, in file: String) throws -> Bool {
        do {
            let reader = try ArchiveReader(path: file)
            while let entry = try reader.next() {
                if entry.kind == .file, DockerArchive.normalized(entry.path) == name { return true }
            }
            return false
        } catch {
            throw ImageError.damagedArchive(path: file, reason: "\(error)")
        }
    }
}

public enum ImportError: Error, Sendable, Equatable {
    /// An image archive that `den export` did not write: it carries no den.lock.
    case notAnExport(file: String)
}
