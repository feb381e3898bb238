import DenArchive
import DenFetch
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif

/// The output of `docker save` or `podman save --format docker-archive` (optionally
/// compressed): a tar whose `manifest.json` names each image's configuration and layer files.
/// Such an archive has no OCI manifest of its own, so den writes one from its contents (the
/// layers' SHA-256 and media types, in order); that manifest's digest pins the archive.
public struct DockerArchive: ImageBlobSource {
    public let file: String

    public init(file: String) {
        self.file = file
    }

    /// What one pass over the archive found: each regular member's digest and size, the
    /// small ones' bytes.
    struct Contents {
        var digests: [String: (digest: String, size: Int64, mediaType: String)] = [:]
        var small: [String: [UInt8]] = [:]
    }

    struct Entry: Decodable {
        var Config: String
        var Layers: [String]
    }

    /// The archive's image as this machine's (docker archives hold one platform), with the
    /// manifest den wrote for it.
    public func resolve(platform: Platform) throws(ImageError) -> (image: ResolvedImage, manifest: [UInt8]) {
        let contents = try scan()
        guard let manifestJSON = contents.small["manifest.json"] else {
            throw .malformed(what: "docker archive \"\(file)\"", reason: "it has no manifest.json")
        }
        let entries: [Entry]
        do {
            entries = try JSONDecoder().decode([Entry].self, from: Data(manifestJSON))
        } catch {
            throw .malformed(what: "manifest.json of \"\(file)\"", reason: "\(error)")
        }
        guard entries.count == 1, let entry = entries.first else {
            throw .malformed(what: "docker archive \"\(file)\"", reason: "it holds \(entries.count) images; den takes archives of one")
        }
        func descriptor(_ member: String, mediaType: String? = nil) throws(ImageError) -> Descriptor {
            guard let found = contents.digests[Self.normalized(member)] else {
                throw .malformed(what: "docker archive \"\(file)\"", reason: "manifest.json names '\(member)', which it does not hold")
            }
            return Descriptor(mediaType: mediaType ?? found.mediaType, digest: found.digest, size: found.size)
        }
        let config = try descriptor(entry.Config, mediaType: MediaType.ociConfig)
        var layers: [Descriptor] = []
        for layer in entry.Layers { layers.append(try descriptor(layer)) }
        guard let configBytes = contents.small[Self.normalized(entry.Config)] else {
            throw .malformed(what: "docker archive \"\(file)\"", reason: "its configuration is larger than 4 MiB")
        }
        let configuration = try ImageConfiguration.decode(configBytes)
        if let os = configuration.os, let architecture = configuration.architecture,
           !platform.accepts(Platform(os: os, architecture: architecture, variant: configuration.variant)) {
            throw .noPlatform(wanted: platform.description, available: ["\(os)/\(architecture)"])
        }
        let manifest = ImageManifest(config: config, layers: layers)
        let bytes = Self.render(manifest)
        let image = ResolvedImage(reference: "docker-archive:\(file)", indexDigest: nil, manifestDigest: "sha256:" + SHA256.hash(bytes),
                                  manifest: manifest, platform: platform, configuration: configuration)
        return (image, bytes)
    }

    public func manifestBytes(digest: String) async throws(ImageError) -> [UInt8] {
        let (image, bytes) = try resolve(platform: .host)
        guard image.manifestDigest == digest else {
            throw .digestMismatch(what: "docker archive \"\(file)\"", expected: digest, actual: image.manifestDigest)
        }
        return bytes
    }

    public func download(
        _ blobs: [Descriptor], destination: @escaping @Sendable (Descriptor) -> String,
        progress: @escaping @Sendable (DownloadProgress) -> Void
    ) async throws(ImageError) {
        var wanted: [String: Descriptor] = [:]
        for blob in blobs { wanted[blob.digest] = blob }
        guard let first = blobs.first else { return }
        // Members are written beside their destinations (never beside the archive, which may
        // sit in the project) and renamed once their digest is known.
        let target = destination(first)
        let scratch = target.lastIndex(of: "/").map { String(target[..<$0]) } ?? "."
        _ = try scan(keeping: { digest in wanted[digest].map(destination) }, scratch: scratch)
        for blob in blobs where (try? LocalFile.hash(destination(blob))) == nil {
            throw .malformed(what: "docker archive \"\(file)\"", reason: "it no longer holds \(blob.digest)")
        }
    }

    /// One pass over the archive: hashes every regular member, keeps the small ones, and
    /// writes a member whose digest `keeping` maps to a path there (through a temporary file).
    func scan(keeping destination: ((String) -> String?)? = nil, scratch: String = "") throws(ImageError) -> Contents {
        var contents = Contents()
        do {
            let reader = try ArchiveReader(path: file)
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
            defer { buffer.deallocate() }
            while let entry = try reader.next() {
                guard entry.kind == .file else { continue }
                let name = Self.normalized(entry.path)
                let temporary = destination == nil ? nil : "\(scratch)/.den-archive-\(getpid())-\(contents.digests.count).part"
                var output: Int32 = -1
                if let temporary {
                    // The directory of the destinations is not known before the digest is.
                    output = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
                    if output < 0 { output = -1 }
                }
                defer { if output >= 0 { close(output) } }
                var hasher = SHA256()
                var size: Int64 = 0
                var head: [UInt8] = []
                var small: [UInt8] = []
                while true {
                    let count = try reader.readChunk(into: buffer)
                    if count == 0 { break }
                    let chunk = UnsafeRawBufferPointer(rebasing: buffer[..<count])
                    hasher.update(chunk)
                    if head.count < 4 { head += chunk.prefix(4 - head.count) }
                    if size + Int64(count) <= 4 << 20 { small += chunk } else { small = [] }
                    size += Int64(count)
                    if output >= 0, write(output, chunk.baseAddress, count) != count { close(output); output = -1 }
                }
                let digest = "sha256:" + hasher.finalize()
                let mediaType = head.starts(with: [0x1F, 0x8B]) ? MediaType.ociLayerGzip
                    : head.starts(with: [0x28, 0xB5, 0x2F, 0xFD]) ? MediaType.ociLayerZstd : MediaType.ociLayer
                contents.digests[name] = (digest, size, mediaType)
                if size <= 4 << 20 { contents.small[name] = small }
                if let temporary {
                    if output >= 0, let target = destination?(digest) {
                        close(output)
                        output = -1
                        // The archive may sit on another filesystem than the cache: copy if rename cannot.
                        if rename(temporary, target) != 0 {
                            try LocalFile.copyVerified(from: temporary, to: target, digest: digest, size: size)
                        }
                    }
                    unlink(temporary)
                }
            }
        } catch let error as ImageError {
            throw error
        } catch {
            throw .damagedArchive(path: file, reason: "\(error)")
        }
        return contents
    }

    /// `./a/b` and `a/b` are one member.
    public static func normalized(_ path: String) -> String {
        var text = Substring(path)
        while text.hasPrefix("./") { text = text.dropFirst(2) }
        return String(text)
    }

    /// The manifest as den writes it: fixed key order, no spaces, so the same archive always
    /// gives the same digest.
    static func render(_ manifest: ImageManifest) -> [UInt8] {
        func descriptor(_ d: Descriptor) -> String {
            #"{"mediaType":"\#(d.mediaType)","digest":"\#(d.digest)","size":\#(d.size)}"#
        }
        let text = #"{"schemaVersion":2,"mediaType":"\#(MediaType.ociManifest)","config":\#(descriptor(manifest.config)),"layers":["#
            + manifest.layers.map(descriptor).joined(separator: ",") + "]}"
        return Array(text.utf8)
    }
}
