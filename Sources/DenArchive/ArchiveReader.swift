import CArchive
import Glibc

/// A forward-only reader over a tar or ar archive, compressed or not.
///
/// Only the formats and filters den uses are registered (never `support_format_all`/`filter_all`,
/// which would link libxml2 and ICU into the static binary). The reader is not thread-safe; it is
/// not `Sendable` and must stay on one task.
public final class ArchiveReader {
    public struct Formats: OptionSet, Sendable, Hashable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        /// ustar, pax, GNU and v7 tar.
        public static let tar = Formats(rawValue: 1 << 0)
        /// Unix ar, as used by `.deb`.
        public static let ar = Formats(rawValue: 1 << 1)
        /// A single compressed file (a Packages.xz), read as one entry named "data".
        public static let raw = Formats(rawValue: 1 << 2)
    }

    /// Compression filters recognised on top of the format; an uncompressed stream is always accepted.
    public struct Filters: OptionSet, Sendable, Hashable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        public static let gzip = Filters(rawValue: 1 << 0)
        public static let xz = Filters(rawValue: 1 << 1)
        public static let zstd = Filters(rawValue: 1 << 2)
        public static let bzip2 = Filters(rawValue: 1 << 3)
        public static let lz4 = Filters(rawValue: 1 << 4)
        public static let all: Filters = [.gzip, .xz, .zstd, .bzip2, .lz4]
    }

    static let blockSize = 64 * 1024
    /// libarchive may answer RETRY/WARN without progress; a bounded number of retries keeps a
    /// hostile stream from spinning forever.
    static let retryLimit = 16

    let handle: OpaquePointer
    private let ownedDescriptor: Int32?
    private let memory: UnsafeMutableRawBufferPointer?
    /// Kept alive for libarchive's read callback, which holds it unretained.
    private let nestedSource: NestedSource?
    /// Bumped on every `next()` so a nested reader can tell that its member is gone.
    private(set) var generation: UInt64 = 0
    /// The entry `next()` returned last, for error messages and nested readers.
    public private(set) var currentEntry: ArchiveEntry?

    private init(handle: OpaquePointer, ownedDescriptor: Int32?, memory: UnsafeMutableRawBufferPointer?, nestedSource: NestedSource?) {
        self.handle = handle
        self.ownedDescriptor = ownedDescriptor
        self.memory = memory
        self.nestedSource = nestedSource
    }

    deinit {
        archive_read_free(handle)
        if let ownedDescriptor { close(ownedDescriptor) }
        memory?.deallocate()
    }

    /// Opens the archive file at `path`.
    public convenience init(path: String, formats: Formats = .tar, filters: Filters = .all) throws(ArchiveError) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw .system(operation: .open, path: path, errno: errno) }
        let handle: OpaquePointer
        do {
            handle = try Self.makeHandle(formats: formats, filters: filters)
            try Self.check(archive_read_open_fd(handle, descriptor, Self.blockSize), handle, freeing: true)
        } catch {
            close(descriptor)
            throw error
        }
        self.init(handle: handle, ownedDescriptor: descriptor, memory: nil, nestedSource: nil)
    }

    /// Reads from `fileDescriptor`, which stays owned by the caller and must stay open while the
    /// reader lives. Reading starts at the descriptor's current offset.
    public convenience init(fileDescriptor: Int32, formats: Formats = .tar, filters: Filters = .all) throws(ArchiveError) {
        let handle = try Self.makeHandle(formats: formats, filters: filters)
        try Self.check(archive_read_open_fd(handle, fileDescriptor, Self.blockSize), handle, freeing: true)
        self.init(handle: handle, ownedDescriptor: nil, memory: nil, nestedSource: nil)
    }

    /// Reads an archive held in memory (a copy is kept).
    public convenience init(bytes: [UInt8], formats: Formats = .tar, filters: Filters = .all) throws(ArchiveError) {
        let memory = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bytes.count, 1), alignment: 16)
        memory.copyBytes(from: bytes)
        let handle: OpaquePointer
        do {
            handle = try Self.makeHandle(formats: formats, filters: filters)
            try Self.check(archive_read_open_memory(handle, memory.baseAddress, bytes.count), handle, freeing: true)
        } catch {
            memory.deallocate()
            throw error
        }
        self.init(handle: handle, ownedDescriptor: nil, memory: memory, nestedSource: nil)
    }

    /// Reads the data of `parent`'s current entry as an archive of its own, streaming: nothing is
    /// copied to disk or held whole in memory. `parent` is kept alive, and must not move to another
    /// entry while this reader is in use (reading then fails with `.parentEntryChanged`).
    public convenience init(currentEntryOf parent: ArchiveReader, formats: Formats = .tar, filters: Filters = .all) throws(ArchiveError) {
        let source = NestedSource(parent: parent)
        let handle = try Self.makeHandle(formats: formats, filters: filters)
        let client = Unmanaged.passUnretained(source).toOpaque()
        let status = archive_read_open(handle, client, nil, nestedSourceRead, nil)
        if status < ARCHIVE_WARN {
            let error = source.failure ?? Self.libraryError(handle, .open, entry: parent.currentEntry?.path)
            archive_read_free(handle)
            throw error
        }
        self.init(handle: handle, ownedDescriptor: nil, memory: nil, nestedSource: source)
    }

    /// Advances to the next entry, skipping any unread data of the current one; `nil` at the end.
    public func next() throws(ArchiveError) -> ArchiveEntry? {
        generation &+= 1
        currentEntry = nil
        var attempts = 0
        while true {
            var entryPointer: OpaquePointer?
            let status = archive_read_next_header(handle, &entryPointer)
            if status == ARCHIVE_EOF { return nil }
            if status == ARCHIVE_RETRY, attempts < Self.retryLimit {
                attempts += 1
                continue
            }
            guard status >= ARCHIVE_WARN, status != ARCHIVE_RETRY, let entryPointer else {
                throw failure(.readHeader, entry: nil)
            }
            let entry = try ArchiveEntry(libarchiveEntry: entryPointer)
            currentEntry = entry
            return entry
        }
    }

    /// Copies up to `buffer.count` bytes of the current entry's data into `buffer` (holes of a
    /// sparse entry read as zeros); returns 0 at the end of the entry. `buffer` must not be empty.
    public func readChunk(into buffer: UnsafeMutableRawBufferPointer) throws(ArchiveError) -> Int {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
        var attempts = 0
        while true {
            let count = archive_read_data(handle, base, buffer.count)
            if count >= 0 { return count }
            if count == ARCHIVE_WARN || count == ARCHIVE_RETRY, attempts < Self.retryLimit {
                attempts += 1
                continue
            }
            throw failure(.readData, entry: currentEntry?.path)
        }
    }

    /// Hands the current entry's data to `body` block by block without copying, each with its
    /// offset in the entry. Offsets skip the holes of sparse entries; the blocks are only valid
    /// during the call.
    public func readBlocks(_ body: (_ block: UnsafeRawBufferPointer, _ offset: Int64) throws(ArchiveError) -> Void) throws(ArchiveError) {
        var attempts = 0
        while true {
            var block: UnsafeRawPointer?
            var size = 0
            var offset: la_int64_t = 0
            let status = archive_read_data_block(handle, &block, &size, &offset)
            if status == ARCHIVE_EOF { return }
            if status == ARCHIVE_RETRY, attempts < Self.retryLimit {
                attempts += 1
                continue
            }
            guard status >= ARCHIVE_WARN, status != ARCHIVE_RETRY else {
                throw failure(.readData, entry: currentEntry?.path)
            }
            attempts = 0
            if let block, size > 0 {
                try body(UnsafeRawBufferPointer(start: block, count: size), offset)
            }
        }
    }

    /// Reads the whole current entry into memory, refusing more than `limit` bytes.
    public func readAll(limit: Int) throws(ArchiveError) -> [UInt8] {
        let path = currentEntry?.path ?? ""
        if let size = currentEntry?.size, size > limit {
            throw .byteLimitExceeded(limit: Int64(limit), entry: path)
        }
        var bytes: [UInt8] = []
        try readBlocks { (block, offset) throws(ArchiveError) in
            let start = Int(offset)
            let end = start + block.count
            guard start >= 0, end <= limit else { throw .byteLimitExceeded(limit: Int64(limit), entry: path) }
            // Holes of a sparse entry are the gaps between blocks; they read as zeros.
            if bytes.count < end { bytes.append(contentsOf: repeatElement(0, count: end - bytes.count)) }
            bytes.replaceSubrange(start..<end, with: block)
        }
        if let size = currentEntry?.size, Int(size) > bytes.count {
            bytes.append(contentsOf: repeatElement(0, count: Int(size) - bytes.count))
        }
        return bytes
    }

    /// Discards the current entry's data (`next()` does this by itself).
    public func skipData() throws(ArchiveError) {
        if archive_read_data_skip(handle) < ARCHIVE_WARN {
            throw failure(.skipData, entry: currentEntry?.path)
        }
    }

    /// The error to throw after libarchive failed; a failure of the parent of a nested reader is
    /// more precise than what libarchive makes of the short read, so it wins.
    func failure(_ operation: LibraryOperation, entry: String?) -> ArchiveError {
        if let sourceFailure = nestedSource?.failure { return sourceFailure }
        return Self.libraryError(handle, operation, entry: entry)
    }

    static func libraryError(_ handle: OpaquePointer, _ operation: LibraryOperation, entry: String?) -> ArchiveError {
        let code = archive_errno(handle)
        return .library(
            operation: operation,
            message: archive_error_string(handle).map { String(cString: $0) },
            errno: code > 0 ? code : nil,
            entry: entry)
    }

    private static func check(_ status: Int32, _ handle: OpaquePointer, freeing: Bool, operation: LibraryOperation = .open) throws(ArchiveError) {
        guard status < ARCHIVE_WARN else { return }
        let error = libraryError(handle, operation, entry: nil)
        if freeing { archive_read_free(handle) }
        throw error
    }

    /// The decompressed contents of a gzip/xz/zstd/bzip2/lz4-compressed file (or of an
    /// uncompressed one), at most `limit` bytes.
    public static func decompress(path: String, limit: Int) throws(ArchiveError) -> [UInt8] {
        let reader = try ArchiveReader(path: path, formats: .raw, filters: .all)
        guard try reader.next() != nil else { return [] }
        return try reader.readAll(limit: limit)
    }

    private static func makeHandle(formats: Formats, filters: Filters) throws(ArchiveError) -> OpaquePointer {
        _ = ArchiveLocale.isSet
        guard let handle = archive_read_new() else {
            throw .library(operation: .configure, message: "archive_read_new returned NULL", errno: ENOMEM, entry: nil)
        }
        var steps: [(OpaquePointer) -> Int32] = [archive_read_support_filter_none]
        if formats.contains(.tar) { steps.append(archive_read_support_format_tar) }
        if formats.contains(.ar) { steps.append(archive_read_support_format_ar) }
        if formats.contains(.raw) { steps.append(archive_read_support_format_raw) }
        if filters.contains(.gzip) { steps.append(archive_read_support_filter_gzip) }
        if filters.contains(.xz) { steps.append(archive_read_support_filter_xz) }
        if filters.contains(.zstd) { steps.append(archive_read_support_filter_zstd) }
        if filters.contains(.bzip2) { steps.append(archive_read_support_filter_bzip2) }
        if filters.contains(.lz4) { steps.append(archive_read_support_filter_lz4) }
        for step in steps {
            try check(step(handle), handle, freeing: true, operation: .configure)
        }
        return handle
    }
}
