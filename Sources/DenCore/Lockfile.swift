import DenOCI
import DenTOML

/// `den.lock`: everything a manifest resolved to, pinned so that a build from it does no
/// resolution and gives the same tree on every machine. Which mirror served it is not part
/// of it: the archive snapshot and every file's hash are.
public struct Lockfile: Sendable, Equatable {
    public static let fileName = "den.lock"
    public static let formatVersion: Int64 = 1

    /// The manifest's base as written (`debian:bookworm`).
    public var base: String
    /// SHA-256 of what in the manifest decides the resolution (see `Manifest.lockHash`):
    /// a lock whose hash differs is stale.
    public var manifestHash: String
    public var architecture: String
    public var archive: ArchiveSnapshot?
    /// The image an image base resolved to.
    public var image: ImagePin?
    /// By name, then architecture.
    public var packages: [LockedPackage]

    public init(
        base: String, manifestHash: String, architecture: String, archive: ArchiveSnapshot?, image: ImagePin? = nil,
        packages: [LockedPackage]
    ) {
        self.base = base
        self.manifestHash = manifestHash
        self.architecture = architecture
        self.archive = archive
        self.image = image
        self.packages = packages.sorted { ($0.name, $0.architecture) < ($1.name, $1.architecture) }
    }

    /// An OCI image pinned by digest: a build pulls exactly this manifest and these blobs.
    public struct ImagePin: Sendable, Equatable {
        /// Fully qualified, with the tag it was resolved from (`REGISTRY/REPO:TAG`).
        public var reference: String
        /// The platform's image manifest.
        public var digest: String
        /// What the tag pointed to when it was a multi-platform index.
        public var index: String?
        /// `os/architecture[/variant]`.
        public var platform: String
        public var config: Blob
        /// Bottom first.
        public var layers: [Blob]

        public struct Blob: Sendable, Equatable {
            public var digest: String
            public var size: Int64
            public var mediaType: String

            public init(digest: String, size: Int64, mediaType: String) {
                self.digest = digest
                self.size = size
                self.mediaType = mediaType
            }
        }

        public init(reference: String, digest: String, index: String?, platform: String, config: Blob, layers: [Blob]) {
            self.reference = reference
            self.digest = digest
            self.index = index
            self.platform = platform
            self.config = config
            self.layers = layers
        }
    }

    /// The Debian archive state the packages were resolved against.
    public struct ArchiveSnapshot: Sendable, Equatable {
        /// The suite as the manifest named it, and what the Release file called it.
        public var suite: String
        public var codename: String
        public var version: String?
        /// The Release file's Date: with a snapshot mirror, this pins the archive in time.
        public var date: String
        public var inReleaseSHA256: String

        public init(suite: String, codename: String, version: String?, date: String, inReleaseSHA256: String) {
            self.suite = suite
            self.codename = codename
            self.version = version
            self.date = date
            self.inReleaseSHA256 = inReleaseSHA256
        }
    }

    public struct LockedPackage: Sendable, Equatable {
        /// Which layer a package goes into: the base set (shared by every project on the same
        /// snapshot) or the manifest's own packages.
        public enum Layer: String, Sendable, Equatable {
            case base
            case packages
            /// Installed by an image base's own apt; `path` is then the URL that apt gave.
            case image
        }

        public var name: String
        public var version: String
        public var architecture: String
        /// The pool path below the mirror's root.
        public var path: String
        public var size: Int64
        public var sha256: String
        public var layer: Layer

        public init(name: String, version: String, architecture: String, path: String, size: Int64, sha256: String, layer: Layer) {
            self.name = name
            self.version = version
            self.architecture = architecture
            self.path = path
            self.size = size
            self.sha256 = sha256
            self.layer = layer
        }
    }

    /// The packages of one layer, in lock order.
    public func packages(in layer: LockedPackage.Layer) -> [LockedPackage] {
        packages.filter { $0.layer == layer }
    }

    /// The TOML text: stable key order, one `[[package]]` per package, trailing newline, so
    /// the same inputs give the same bytes.
    public func rendered() -> String {
        var root = TOMLTable()
        root.set("version", .integer(Self.formatVersion))
        root.set("base", .string(base))
        root.set("architecture", .string(architecture))
        root.set("manifest", .string("sha256:\(manifestHash)"))
        if let archive {
            var table = TOMLTable()
            table.set("suite", .string(archive.suite))
            table.set("codename", .string(archive.codename))
            if let version = archive.version { table.set("version", .string(version)) }
            table.set("date", .string(archive.date))
            table.set("inrelease", .string("sha256:\(archive.inReleaseSHA256)"))
            root.set("archive", .table(table))
        }
        if let image {
            var table = TOMLTable()
            table.set("reference", .string(image.reference))
            table.set("digest", .string(image.digest))
            if let index = image.index { table.set("index", .string(index)) }
            table.set("platform", .string(image.platform))
            func blob(_ blob: ImagePin.Blob) -> TOMLTable {
                var table = TOMLTable()
                table.set("digest", .string(blob.digest))
                table.set("size", .integer(blob.size))
                table.set("media-type", .string(blob.mediaType))
                return table
            }
            table.set("config", .table(blob(image.config)))
            table.set("layer", .array(image.layers.map { TOMLNode(.table(blob($0))) }))
            root.set("image", .table(table))
        }
        let packageTables: [TOMLNode] = packages.map { package in
            var table = TOMLTable()
            table.set("name", .string(package.name))
            table.set("version", .string(package.version))
            table.set("architecture", .string(package.architecture))
            table.set("path", .string(package.path))
            table.set("size", .integer(package.size))
            table.set("sha256", .string(package.sha256))
            table.set("layer", .string(package.layer.rawValue))
            return TOMLNode(.table(table))
        }
        if !packageTables.isEmpty { root.set("package", .array(packageTables)) }
        return "# den.lock: written by `den lock`; commit it, do not edit it.\n" + TOML.render(root)
    }

    /// Reads a lock written by `rendered()`. Anything else is an error naming the position.
    public static func parse(_ text: String, file: String) throws(LockfileError) -> Lockfile {
        let root: TOMLTable
        do {
            root = try TOML.parse(text)
        } catch {
            throw LockfileError(file: file, message: error.message, line: error.position.line)
        }
        func string(_ table: TOMLTable, _ key: String, prefix: String = "") throws(LockfileError) -> String {
            guard let entry = table[key], case .string(let value) = entry.node.value, value.hasPrefix(prefix) else {
                throw LockfileError(file: file, message: "'\(key)' is missing or not a\(prefix.isEmpty ? "" : " \(prefix)") string",
                                    line: table[key]?.keyPosition.line)
            }
            return String(value.dropFirst(prefix.count))
        }
        guard case .integer(let version) = root["version"]?.node.value else {
            throw LockfileError(file: file, message: "no 'version'", line: nil)
        }
        guard version == formatVersion else {
            throw LockfileError(file: file, message: "lock format \(version) is not supported (this den reads \(formatVersion))",
                                line: root["version"]?.keyPosition.line)
        }
        var archive: ArchiveSnapshot?
        if let entry = root["archive"] {
            guard case .table(let table) = entry.node.value else {
                throw LockfileError(file: file, message: "'archive' must be a table", line: entry.keyPosition.line)
            }
            let archiveVersion: String? = if case .string(let value) = table["version"]?.node.value { value } else { nil }
            archive = ArchiveSnapshot(
                suite: try string(table, "suite"), codename: try string(table, "codename"), version: archiveVersion,
                date: try string(table, "date"), inReleaseSHA256: try string(table, "inrelease", prefix: "sha256:"))
        }
        var image: ImagePin?
        if let entry = root["image"] {
            guard case .table(let table) = entry.node.value else {
                throw LockfileError(file: file, message: "'image' must be a table", line: entry.keyPosition.line)
            }
            func blob(_ node: TOMLNode, line: Int?) throws(LockfileError) -> ImagePin.Blob {
                guard case .table(let blob) = node.value, case .integer(let size) = blob["size"]?.node.value else {
                    throw LockfileError(file: file, message: "an image blob without a size", line: line)
                }
                let digest = try string(blob, "digest")
                guard ImageDigest.isValid(digest) else {
                    throw LockfileError(file: file, message: "'\(digest)' is not a sha256 digest", line: blob["digest"]?.keyPosition.line)
                }
                return ImagePin.Blob(digest: digest, size: size, mediaType: try string(blob, "media-type"))
            }
            guard let config = table["config"] else {
                throw LockfileError(file: file, message: "[image] has no 'config'", line: entry.keyPosition.line)
            }
            guard case .array(let layerNodes) = table["layer"]?.node.value else {
                throw LockfileError(file: file, message: "[image] has no [[image.layer]]", line: entry.keyPosition.line)
            }
            var layers: [ImagePin.Blob] = []
            for node in layerNodes { layers.append(try blob(node, line: node.position.line)) }
            let digest = try string(table, "digest")
            guard ImageDigest.isValid(digest) else {
                throw LockfileError(file: file, message: "'\(digest)' is not a sha256 digest", line: table["digest"]?.keyPosition.line)
            }
            let index: String? = if case .string(let value) = table["index"]?.node.value { value } else { nil }
            image = ImagePin(
                reference: try string(table, "reference"), digest: digest, index: index, platform: try string(table, "platform"),
                config: try blob(config.node, line: config.keyPosition.line), layers: layers)
        }
        var packages: [LockedPackage] = []
        if let entry = root["package"] {
            guard case .array(let nodes) = entry.node.value else {
                throw LockfileError(file: file, message: "'package' must be an array of tables", line: entry.keyPosition.line)
            }
            for node in nodes {
                guard case .table(let table) = node.value, case .integer(let size) = table["size"]?.node.value else {
                    throw LockfileError(file: file, message: "a [[package]] without a size", line: node.position.line)
                }
                guard let layer = LockedPackage.Layer(rawValue: try string(table, "layer")) else {
                    throw LockfileError(file: file, message: "'layer' must be \"base\", \"packages\" or \"image\"",
                                        line: table["layer"]?.keyPosition.line)
                }
                packages.append(LockedPackage(
                    name: try string(table, "name"), version: try string(table, "version"),
                    architecture: try string(table, "architecture"), path: try string(table, "path"), size: size,
                    sha256: try string(table, "sha256"), layer: layer))
            }
        }
        return Lockfile(
            base: try string(root, "base"), manifestHash: try string(root, "manifest", prefix: "sha256:"),
            architecture: try string(root, "architecture"), archive: archive, image: image, packages: packages)
    }
}

public struct LockfileError: Error, Sendable, Equatable {
    public var file: String
    public var message: String
    public var line: Int?
}
