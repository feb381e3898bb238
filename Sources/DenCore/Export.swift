import DenArchive
import DenFetch
import DenOCI
import DenSandbox
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif

/// `den export`: the built env as one image layer (its layers merged as the env sees them),
/// in a form podman and docker load, or as a plain root filesystem. The image carries
/// den.lock in a label, so `den import` can put it into another store in place of the layers
/// that lock would build.
public struct EnvironmentExport: Sendable {
    public enum Format: String, Sendable, CaseIterable {
        case ociArchive = "oci-archive"
        case dockerArchive = "docker-archive"
        case rootfs
    }

    public static let lockLabel = "dev.den.lock"
    public static let nameLabel = "dev.den.name"
    /// "subordinate" or "single": a single-id env has lost its files' owners.
    public static let mappingLabel = "dev.den.id-mapping"

    public var environment: Environment
    public var lock: Lockfile?
    public var store: Store
    public var identity: SandboxSpec.Identity
    /// Also the env's own changes (its writable layer), on top.
    public var includesChanges: Bool

    public init(environment: Environment, lock: Lockfile?, store: Store, identity: SandboxSpec.Identity, includesChanges: Bool) {
        self.environment = environment
        self.lock = lock
        self.store = store
        self.identity = identity
        self.includesChanges = includesChanges
    }

    /// Writes the export to `output` (through `output.part`, renamed when complete). An existing
    /// `output` is kept unless `replacing`. Runs a sandbox: call from the main thread.
    public func write(to output: String, format: Format, replacing: Bool) throws {
        if !replacing, FileSystem.exists(output) { throw SystemError("create", path: output, errno: EEXIST) }
        let scratch = "\(store.cacheDirectory)/tmp/export-\(getpid())"
        if FileSystem.exists(scratch) { try Sandbox.removeTree(scratch, identity: identity) }
        try Store.makeDirectory(scratch)
        defer { try? Sandbox.removeTree(scratch, identity: identity) }
        let partial = "\(output).part"
        // A directory den cannot write to is found before any work is done.
        let probe = open(partial, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard probe >= 0 else { throw SystemError("create", path: partial, errno: errno) }
        close(probe)
        do {
            switch format {
            case .rootfs:
                try writeTree(into: partial, compression: "zstd", scratch: scratch)
            case .ociArchive, .dockerArchive:
                try writeImage(try makeImage(scratch: scratch), format: format, to: partial)
            }
            guard rename(partial, output) == 0 else { throw SystemError("rename", path: output, errno: errno) }
        } catch {
            unlink(partial)
            throw error
        }
    }

    /// The merged tree as a tar, written by den's helper inside the user namespace (the files
    /// have the env's owners) to a file opened here, so that it belongs to the user.
    func writeTree(into path: String, compression: String, scratch: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw SystemError("create", path: path, errno: errno) }
        defer { close(fd) }
        for directory in ["upper", "work", "mnt"] { try Store.makeDirectory("\(scratch)/\(directory)") }
        let lowers = (includesChanges ? [environment.upperDirectory] : []) + environment.layers
        let overlay = SandboxSpec.Overlay(lowerDirectories: lowers, upperDirectory: "\(scratch)/upper",
                                          workDirectory: "\(scratch)/work", mountpoint: "\(scratch)/mnt")
        let outcome = try Sandbox.runHelper([ExportHelper.flag, "\(scratch)/mnt", compression], identity: identity,
                                            environment: DebianBuild.helperEnvironment, overlay: overlay, output: .file(fd))
        guard outcome == .finished(.exited(0)) else {
            let text = (try? FileSystem.read(path)).map { String(decoding: $0.suffix(2048), as: UTF8.self) } ?? ""
            throw ExportError.treeFailed(outcome: "\(outcome)", detail: text.split(separator: "\n").last.map(String.init) ?? "")
        }
    }

    /// The parts of the export as an OCI image: configuration, manifest and the one layer.
    public struct Image: Sendable {
        public var configuration: [UInt8]
        public var configDescriptor: Descriptor
        public var manifest: [UInt8]
        public var manifestDigest: String
        public var layer: Descriptor
        public var layerPath: String
    }

    /// The merged tree as an image whose layer is written to `scratch/layer.tar`. Runs a
    /// sandbox: call from the main thread.
    public func makeImage(scratch: String) throws -> Image {
        let layerPath = "\(scratch)/layer.tar"
        try writeTree(into: layerPath, compression: "none", scratch: scratch)
        let (digest, size) = try Self.hash(layerPath)
        let configuration = try Self.json(configuration(diffID: digest))
        let configDescriptor = Descriptor(mediaType: MediaType.ociConfig, digest: "sha256:" + SHA256.hash(configuration),
                                          size: Int64(configuration.count))
        let layer = Descriptor(mediaType: MediaType.ociLayer, digest: digest, size: size)
        let manifest = try Self.json(ImageManifest(config: configDescriptor, layers: [layer]))
        return Image(configuration: configuration, configDescriptor: configDescriptor, manifest: manifest,
                     manifestDigest: "sha256:" + SHA256.hash(manifest), layer: layer, layerPath: layerPath)
    }

    /// An OCI layout or a docker archive around the one layer, as a tar.
    func writeImage(_ image: Image, format: Format, to path: String) throws {
        let name = "localhost/den/\(environment.manifest.name):latest"
        let writer = try TarWriter(path: path, compression: .none)
        let file = EntryMetadata(permissions: 0o644)
        let directory = EntryMetadata(permissions: 0o755)
        let layerFD = open(image.layerPath, O_RDONLY | O_CLOEXEC)
        guard layerFD >= 0 else { throw SystemError("open", path: image.layerPath, errno: errno) }
        defer { close(layerFD) }
        switch format {
        case .ociArchive:
            var entry = Descriptor(mediaType: MediaType.ociManifest, digest: image.manifestDigest, size: Int64(image.manifest.count))
            entry.annotations = [ImageLayout.tagAnnotation: name]
            try writer.addFile("oci-layout", metadata: file, contents: Array(#"{"imageLayoutVersion":"1.0.0"}"#.utf8))
            try writer.addFile("index.json", metadata: file, contents: try Self.json(ImageIndex(manifests: [entry])))
            try writer.addDirectory("blobs", metadata: directory)
            try writer.addDirectory("blobs/sha256", metadata: directory)
            try writer.addFile("blobs/sha256/\(ImageDigest.hex(image.configDescriptor.digest))", metadata: file, contents: image.configuration)
            try writer.addFile("blobs/sha256/\(ImageDigest.hex(image.manifestDigest))", metadata: file, contents: image.manifest)
            try writer.addFile("blobs/sha256/\(ImageDigest.hex(image.layer.digest))", metadata: file, contentsOf: layerFD)
        case .dockerArchive:
            let layerName = "\(ImageDigest.hex(image.layer.digest))/layer.tar"
            let configName = "\(ImageDigest.hex(image.configDescriptor.digest)).json"
            struct Entry: Encodable {
                var Config: String
                var RepoTags: [String]
                var Layers: [String]
            }
            let manifest = try Self.json([Entry(Config: configName, RepoTags: [name], Layers: [layerName])])
            try writer.addFile(configName, metadata: file, contents: image.configuration)
            try writer.addDirectory(ImageDigest.hex(image.layer.digest), metadata: directory)
            try writer.addFile(layerName, metadata: file, contentsOf: layerFD)
            try writer.addFile("manifest.json", metadata: file, contents: manifest)
        case .rootfs:
            break
        }
        try writer.finish()
    }

    /// The image configuration: how the env runs (its image's Env, its shell) and den.lock.
    func configuration(diffID: String) -> ExportConfiguration {
        var environment = self.environment.imageVariables.map { "\($0.name)=\($0.value)" }
        if !environment.contains(where: { $0.hasPrefix("PATH=") }) { environment.insert("PATH=\(Environment.defaultPath)", at: 0) }
        var labels = [Self.nameLabel: self.environment.manifest.name, Self.mappingLabel: self.environment.idMapping.kind]
        if let lock { labels[Self.lockLabel] = lock.rendered() }
        let shell = self.environment.manifest.shell ?? (self.environment.containsInRoot("/bin/bash") ? "/bin/bash" : "/bin/sh")
        return ExportConfiguration(
            architecture: lock?.architecture ?? Platform.host.architecture, os: "linux",
            config: .init(Env: environment, Cmd: [shell], WorkingDir: "/", Labels: labels),
            rootfs: .init(type: "layers", diff_ids: [diffID]))
    }

    static func json<T: Encodable>(_ value: T) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(value))
    }

    static func hash(_ path: String) throws -> (String, Int64) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw SystemError("open", path: path, errno: errno) }
        defer { close(fd) }
        var hasher = SHA256()
        var size: Int64 = 0
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let count = read(fd, buffer.baseAddress, buffer.count)
            if count < 0 {
                if errno == EINTR { continue }
                throw SystemError("read", path: path, errno: errno)
            }
            if count == 0 { break }
            hasher.update(UnsafeRawBufferPointer(rebasing: buffer[..<count]))
            size += Int64(count)
        }
        return ("sha256:" + hasher.finalize(), size)
    }
}

/// The image configuration an export carries (OCI image spec, config.md).
struct ExportConfiguration: Encodable {
    struct Settings: Encodable {
        var Env: [String]
        var Cmd: [String]
        var WorkingDir: String
        var Labels: [String: String]
    }

    struct RootFilesystem: Encodable {
        var type: String
        var diff_ids: [String]
    }

    var architecture: String
    var os: String
    var config: Settings
    var rootfs: RootFilesystem
}

/// `den --internal-export-tree ROOT none|zstd`: writes the tree below ROOT as a tar to
/// standard output, as the env's ids see it. Timestamps are kept; device nodes (overlayfs's
/// whiteouts among them, none of which a merged tree shows) are skipped.
enum ExportHelper {
    static let flag = "--internal-export-tree"

    static func run(_ arguments: [String]) throws {
        guard arguments.count == 2 else { throw SystemError("export: missing arguments", errno: EINVAL) }
        let compression: TarWriter.Compression = arguments[1] == "zstd" ? .zstd() : .none
        let writer = try TarWriter(fileDescriptor: STDOUT_FILENO, compression: compression)
        try writer.addTree(atPath: arguments[0], options: .init(pathPrefix: "", includesRootDirectory: false))
        try writer.finish()
    }
}

public enum ExportError: Error, Sendable, Equatable {
    case treeFailed(outcome: String, detail: String)
}
