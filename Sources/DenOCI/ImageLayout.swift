import DenArchive
import DenFetch
#if canImport(Glibc)
import Glibc
#endif

/// Where a build gets an image's manifest and blobs from: a registry, an OCI layout on disk,
/// or a `docker save` archive. Every byte is checked against its digest on the way.
public protocol ImageBlobSource: Sendable {
    /// The manifest with this digest, checked.
    func manifestBytes(digest: String) async throws(ImageError) -> [UInt8]
    /// Puts each blob at `destination(blob)`, checked against its digest and size.
    func download(
        _ blobs: [Descriptor], destination: @escaping @Sendable (Descriptor) -> String,
        progress: @escaping @Sendable (DownloadProgress) -> Void
    ) async throws(ImageError)
}

/// An OCI image layout directory (image-layout spec: `oci-layout`, `index.json`,
/// `blobs/sha256/HEX`), as `skopeo copy … oci:DIR:TAG` or `buildah push` write it.
public struct ImageLayout: ImageBlobSource {
    public let directory: String
    public static let tagAnnotation = "org.opencontainers.image.ref.name"

    public init(directory: String) {
        self.directory = directory
    }

    func blobPath(_ digest: String) -> String { "\(directory)/blobs/sha256/\(ImageDigest.hex(digest))" }

    /// A small blob (a manifest, an index, a configuration), checked against its digest.
    func readBlob(_ digest: String, what: String) throws(ImageError) -> [UInt8] {
        guard ImageDigest.isValid(digest) else { throw .malformed(what: what, reason: "digest '\(digest)'") }
        let bytes = try LocalFile.read(blobPath(digest), limit: 4 << 20)
        let actual = "sha256:" + SHA256.hash(bytes)
        guard actual == digest else { throw .digestMismatch(what: "\(what) in \"\(directory)\"", expected: digest, actual: actual) }
        return bytes
    }

    /// The image tagged `tag` (or the layout's only image), resolved to `platform`.
    public func resolve(tag: String?, platform: Platform) throws(ImageError) -> ResolvedImage {
        let indexBytes = try LocalFile.read("\(directory)/index.json", limit: 4 << 20)
        guard case .index(let index) = try ImageDocument.decode(indexBytes, contentType: MediaType.ociIndex) else {
            throw .malformed(what: "index.json of \"\(directory)\"", reason: "not an image index")
        }
        let entry: Descriptor
        if let tag {
            guard let tagged = index.manifests.first(where: { $0.annotations?[Self.tagAnnotation] == tag }) else {
                throw .notFound(reference: "oci-layout:\(directory):\(tag)")
            }
            entry = tagged
        } else {
            guard index.manifests.count == 1, let only = index.manifests.first else {
                throw .malformed(what: "index.json of \"\(directory)\"", reason: "it holds \(index.manifests.count) images: name one with :TAG")
            }
            entry = only
        }
        var indexDigest: String?
        var chosen = entry
        if entry.mediaType == MediaType.ociIndex || entry.mediaType == MediaType.dockerManifestList {
            guard case .index(let nested) = try ImageDocument.decode(readBlob(entry.digest, what: "index"), contentType: entry.mediaType) else {
                throw .malformed(what: "index", reason: "not an index")
            }
            indexDigest = entry.digest
            chosen = try nested.manifest(for: platform)
        }
        guard case .manifest(let manifest) = try ImageDocument.decode(readBlob(chosen.digest, what: "manifest"), contentType: chosen.mediaType) else {
            throw .malformed(what: "manifest", reason: "an index where a manifest was expected")
        }
        let configuration = try ImageConfiguration.decode(readBlob(manifest.config.digest, what: "image configuration"))
        return ResolvedImage(reference: "oci-layout:\(directory)\(tag.map { ":\($0)" } ?? "")", indexDigest: indexDigest,
                             manifestDigest: chosen.digest, manifest: manifest, platform: platform, configuration: configuration)
    }

    public func manifestBytes(digest: String) async throws(ImageError) -> [UInt8] {
        try readBlob(digest, what: "manifest")
    }

    public func download(
        _ blobs: [Descriptor], destination: @escaping @Sendable (Descriptor) -> String,
        progress: @escaping @Sendable (DownloadProgress) -> Void
    ) async throws(ImageError) {
        for blob in blobs {
            guard ImageDigest.isValid(blob.digest) else { throw .malformed(what: "descriptor", reason: "digest '\(blob.digest)'") }
            try LocalFile.copyVerified(from: blobPath(blob.digest), to: destination(blob), digest: blob.digest, size: blob.size)
        }
    }
}

/// Reading and copying local files with their digest checked, for local image sources.
enum LocalFile {
    static func read(_ path: String, limit: Int) throws(ImageError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .local(path: path, errno: errno) }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw .local(path: path, errno: errno)
            }
            if count == 0 { return bytes }
            bytes += chunk[..<count]
            guard bytes.count <= limit else { throw .malformed(what: "\"\(path)\"", reason: "larger than \(limit) bytes") }
        }
    }

    /// Copies `source` to `destination` through a temporary file renamed into place only when
    /// its SHA-256 and size are right; a destination already right is kept.
    static func copyVerified(from source: String, to destination: String, digest: String, size: Int64) throws(ImageError) {
        if let existing = try? hash(destination), existing.0 == digest, existing.1 == size { return }
        let input = open(source, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { throw .local(path: source, errno: errno) }
        defer { close(input) }
        let temporary = "\(destination).part-\(getpid())"
        let output = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard output >= 0 else { throw .local(path: temporary, errno: errno) }
        var hasher = SHA256()
        var copied: Int64 = 0
        do throws(ImageError) {
            try stream(input, path: source) { bytes throws(ImageError) in
                hasher.update(bytes)
                copied += Int64(bytes.count)
                var offset = 0
                while offset < bytes.count {
                    let written = write(output, bytes.baseAddress! + offset, bytes.count - offset)
                    if written < 0 {
                        if errno == EINTR { continue }
                        throw .local(path: temporary, errno: errno)
                    }
                    offset += written
                }
            }
            let actual = "sha256:" + hasher.finalize()
            guard actual == digest, copied == size else {
                throw .digestMismatch(what: "\"\(source)\"", expected: "\(digest) (\(size) bytes)", actual: "\(actual) (\(copied) bytes)")
            }
            guard close(output) == 0 else { throw .local(path: temporary, errno: errno) }
            guard rename(temporary, destination) == 0 else { throw .local(path: destination, errno: errno) }
        } catch {
            close(output)
            unlink(temporary)
            throw error
        }
    }

    /// The SHA-256 (as a digest) and size of a file.
    static func hash(_ path: String) throws(ImageError) -> (String, Int64) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .local(path: path, errno: errno) }
        defer { close(fd) }
        var hasher = SHA256()
        var size: Int64 = 0
        try stream(fd, path: path) { bytes throws(ImageError) in
            hasher.update(bytes)
            size += Int64(bytes.count)
        }
        return ("sha256:" + hasher.finalize(), size)
    }

    static func stream(_ fd: Int32, path: String, _ body: (UnsafeRawBufferPointer) throws(ImageError) -> Void) throws(ImageError) {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let count = Glibc.read(fd, buffer.baseAddress, buffer.count)
            if count < 0 {
                if errno == EINTR { continue }
                throw .local(path: path, errno: errno)
            }
            if count == 0 { return }
            try body(UnsafeRawBufferPointer(rebasing: buffer[..<count]))
        }
    }
}
