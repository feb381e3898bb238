import CArchive

/// The client data of a nested reader: pulls the parent's current entry data through a buffer.
final class NestedSource {
    let parent: ArchiveReader
    let generation: UInt64
    let entryPath: String?
    let buffer: UnsafeMutableRawBufferPointer
    /// Set when the parent failed, so the nested reader can throw the real cause.
    var failure: ArchiveError?

    init(parent: ArchiveReader) {
        self.parent = parent
        self.generation = parent.generation
        self.entryPath = parent.currentEntry?.path
        self.buffer = .allocate(byteCount: ArchiveReader.blockSize, alignment: 16)
    }

    deinit { buffer.deallocate() }

    func read(into output: UnsafeMutablePointer<UnsafeRawPointer?>) -> Int {
        guard parent.generation == generation else {
            failure = .parentEntryChanged(entry: entryPath)
            return -1
        }
        do {
            let count = try parent.readChunk(into: buffer)
            output.pointee = UnsafeRawPointer(buffer.baseAddress)
            return count
        } catch {
            failure = error
            return -1
        }
    }
}

/// libarchive's read callback for nested readers; a C function pointer, so it captures nothing and
/// finds its `NestedSource` through the client pointer.
let nestedSourceRead: @convention(c) (OpaquePointer?, UnsafeMutableRawPointer?, UnsafeMutablePointer<UnsafeRawPointer?>?) -> la_ssize_t = { _, client, output in
    guard let client, let output else { return -1 }
    return Unmanaged<NestedSource>.fromOpaque(client).takeUnretainedValue().read(into: output)
}
