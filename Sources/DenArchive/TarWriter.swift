import CArchive
import Glibc

/// Writes a pax (restricted) tar stream, plain or compressed with gzip or zstd.
///
/// pax-restricted writes ustar headers and adds a pax extended header only for what ustar cannot
/// hold (long names, big ids, sub-second times), which keeps the output readable by every tar.
/// Nothing host-dependent is stored unless asked for: no user names, no atime/ctime, no gzip
/// timestamp. Call `finish()` to flush and learn about write errors; not thread-safe.
public final class TarWriter {
    public enum Compression: Sendable, Hashable {
        case none
        /// Levels 0...9.
        case gzip(level: Int = 6)
        /// Levels 1...22 (libarchive's range).
        case zstd(level: Int = 3)
    }

    let handle: OpaquePointer
    private let ownedDescriptor: Int32?
    private let displayPath: String
    private var isFinished = false

    private init(handle: OpaquePointer, ownedDescriptor: Int32?, displayPath: String) {
        self.handle = handle
        self.ownedDescriptor = ownedDescriptor
        self.displayPath = displayPath
    }

    deinit {
        archive_write_free(handle)
        if let ownedDescriptor { close(ownedDescriptor) }
    }

    /// Creates (or truncates) the file at `path`.
    public convenience init(path: String, compression: Compression = .zstd(), permissions: UInt32 = 0o644) throws(ArchiveError) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode_t(permissions))
        guard descriptor >= 0 else { throw .system(operation: .open, path: path, errno: errno) }
        let handle: OpaquePointer
        do {
            handle = try Self.makeHandle(compression: compression, descriptor: descriptor)
        } catch {
            close(descriptor)
            throw error
        }
        self.init(handle: handle, ownedDescriptor: descriptor, displayPath: path)
    }

    /// Writes to `fileDescriptor`, which stays owned by the caller.
    public convenience init(fileDescriptor: Int32, compression: Compression = .zstd()) throws(ArchiveError) {
        let handle = try Self.makeHandle(compression: compression, descriptor: fileDescriptor)
        self.init(handle: handle, ownedDescriptor: nil, displayPath: "fd \(fileDescriptor)")
    }

    public func addDirectory(_ path: String, metadata: EntryMetadata) throws(ArchiveError) {
        try writeHeader(path: ArchivePathName(path), type: ArchiveEntry.FileType.directory, metadata: metadata, display: path)
    }

    public func addFile(_ path: String, metadata: EntryMetadata, contents: [UInt8]) throws(ArchiveError) {
        try writeHeader(path: ArchivePathName(path), type: ArchiveEntry.FileType.regular, metadata: metadata, size: Int64(contents.count), display: path)
        // withUnsafeBytes only rethrows untyped errors, so the failure is carried out as a value.
        let failure = contents.withUnsafeBytes { bytes -> ArchiveError? in
            do throws(ArchiveError) {
                try writeData(bytes, display: path)
                return nil
            } catch {
                return error
            }
        }
        if let failure { throw failure }
    }

    /// Stores the regular file open at `fileDescriptor` (read with pread from offset 0; the
    /// descriptor's offset is untouched). Fails if the file changes size while it is copied.
    public func addFile(_ path: String, metadata: EntryMetadata, contentsOf fileDescriptor: Int32) throws(ArchiveError) {
        try addFile(path: ArchivePathName(path), metadata: metadata, descriptor: fileDescriptor, display: path)
    }

    public func addSymlink(_ path: String, target: String, metadata: EntryMetadata) throws(ArchiveError) {
        try writeHeader(path: ArchivePathName(path), type: ArchiveEntry.FileType.symlink, metadata: metadata, symlink: ArchivePathName(target), display: path)
    }

    /// A hard link to `target`, an entry written earlier in this archive.
    public func addHardlink(_ path: String, target: String, metadata: EntryMetadata) throws(ArchiveError) {
        try writeHeader(path: ArchivePathName(path), type: ArchiveEntry.FileType.regular, metadata: metadata, hardlink: ArchivePathName(target), display: path)
    }

    /// Writes the end of the archive and flushes the compressor. Further use throws `.writerFinished`.
    public func finish() throws(ArchiveError) {
        guard !isFinished else { throw .writerFinished }
        isFinished = true
        guard archive_write_close(handle) >= ARCHIVE_WARN else {
            throw libraryError(.close, entry: nil)
        }
    }

    // MARK: - Internals shared with the tree walk

    func addFile(path: ArchivePathName, metadata: EntryMetadata, descriptor: Int32, display: String) throws(ArchiveError) {
        let info: stat
        do {
            info = try FileSystem.status(descriptor)
        } catch {
            throw .system(operation: .stat, path: display, errno: error.code)
        }
        let size = Int64(info.st_size)
        try writeHeader(path: path, type: ArchiveEntry.FileType.regular, metadata: metadata, size: size, display: display)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 256 * 1024, alignment: 16)
        defer { buffer.deallocate() }
        var offset: Int64 = 0
        while offset < size {
            let wanted = UnsafeMutableRawBufferPointer(rebasing: buffer.prefix(Int(min(Int64(buffer.count), size - offset))))
            let count: Int
            do {
                count = try FileSystem.read(descriptor, into: wanted, at: offset)
            } catch {
                throw .system(operation: .read, path: display, errno: error.code)
            }
            guard count > 0 else {
                throw .sourceFileChanged(path: display, expectedSize: size, actualSize: offset)
            }
            try writeData(UnsafeRawBufferPointer(rebasing: wanted.prefix(count)), display: display)
            offset += Int64(count)
        }
    }

    func writeHeader(
        path: ArchivePathName, type: UInt32, metadata: EntryMetadata, size: Int64 = 0,
        symlink: ArchivePathName? = nil, hardlink: ArchivePathName? = nil, display: String
    ) throws(ArchiveError) {
        guard !isFinished else { throw .writerFinished }
        guard !path.bytes.isEmpty else { throw .unsafePath(path: display, reason: .empty) }
        guard !path.bytes.contains(0), symlink?.bytes.contains(0) != true, hardlink?.bytes.contains(0) != true else {
            throw .unsafePath(path: display, reason: .nulCharacter)
        }
        guard let entry = archive_entry_new() else {
            throw .library(operation: .writeHeader, message: "archive_entry_new returned NULL", errno: ENOMEM, entry: display)
        }
        defer { archive_entry_free(entry) }
        path.apply(to: entry, utf8: archive_entry_set_pathname_utf8, raw: archive_entry_copy_pathname)
        archive_entry_set_filetype(entry, type)
        archive_entry_set_perm(entry, mode_t(metadata.permissions & 0o7777))
        archive_entry_set_uid(entry, metadata.uid)
        archive_entry_set_gid(entry, metadata.gid)
        if let name = metadata.userName { archive_entry_set_uname_utf8(entry, name) }
        if let name = metadata.groupName { archive_entry_set_gname_utf8(entry, name) }
        archive_entry_set_mtime(entry, time_t(metadata.modificationTime.seconds), Int(metadata.modificationTime.nanoseconds))
        archive_entry_set_size(entry, size)
        symlink?.apply(to: entry, utf8: archive_entry_set_symlink_utf8, raw: archive_entry_copy_symlink)
        hardlink?.apply(to: entry, utf8: archive_entry_set_hardlink_utf8, raw: archive_entry_copy_hardlink)
        guard archive_write_header(handle, entry) >= ARCHIVE_WARN else {
            throw libraryError(.writeHeader, entry: display)
        }
    }

    func writeData(_ bytes: UnsafeRawBufferPointer, display: String) throws(ArchiveError) {
        guard let base = bytes.baseAddress else { return }
        var done = 0
        while done < bytes.count {
            let count = archive_write_data(handle, base + done, bytes.count - done)
            guard count > 0 else { throw libraryError(.writeData, entry: display) }
            done += count
        }
    }

    private func libraryError(_ operation: LibraryOperation, entry: String?) -> ArchiveError {
        let code = archive_errno(handle)
        return .library(
            operation: operation,
            message: archive_error_string(handle).map { String(cString: $0) },
            errno: code > 0 ? code : nil,
            entry: entry)
    }

    private static func makeHandle(compression: Compression, descriptor: Int32) throws(ArchiveError) -> OpaquePointer {
        _ = ArchiveLocale.isSet
        guard let handle = archive_write_new() else {
            throw .library(operation: .configure, message: "archive_write_new returned NULL", errno: ENOMEM, entry: nil)
        }
        func check(_ status: Int32, _ operation: LibraryOperation = .configure) throws(ArchiveError) {
            guard status < ARCHIVE_WARN else { return }
            let code = archive_errno(handle)
            let error = ArchiveError.library(
                operation: operation,
                message: archive_error_string(handle).map { String(cString: $0) },
                errno: code > 0 ? code : nil,
                entry: nil)
            archive_write_free(handle)
            throw error
        }
        try check(archive_write_set_format_pax_restricted(handle))
        switch compression {
        case .none:
            try check(archive_write_add_filter_none(handle))
        case let .gzip(level):
            try check(archive_write_add_filter_gzip(handle))
            try check(archive_write_set_filter_option(handle, "gzip", "compression-level", String(level)))
            // A NULL value turns the option off: no wall-clock time in the gzip header.
            try check(archive_write_set_filter_option(handle, "gzip", "timestamp", nil))
        case let .zstd(level):
            try check(archive_write_add_filter_zstd(handle))
            try check(archive_write_set_filter_option(handle, "zstd", "compression-level", String(level)))
        }
        // Written to standard output (den's export helper), libarchive pads to whole 10 KiB
        // blocks after the compressor: zeros behind the stream, which zstd(1) refuses.
        if compression != .none { try check(archive_write_set_bytes_in_last_block(handle, 1)) }
        try check(archive_write_open_fd(handle, descriptor), .open)
        return handle
    }
}

/// A path for a tar header: a Swift string, or raw bytes from a directory listing that may not be
/// UTF-8 (stored as-is; pax then marks it `hdrcharset=BINARY`).
struct ArchivePathName {
    var bytes: [UInt8]

    init(_ text: String) { bytes = Array(text.utf8) }
    init(bytes: [UInt8]) { self.bytes = bytes }

    func apply(
        to entry: OpaquePointer,
        utf8: (OpaquePointer, UnsafePointer<CChar>) -> Void,
        raw: (OpaquePointer, UnsafePointer<CChar>) -> Void
    ) {
        let isText = String(validating: bytes, as: UTF8.self) != nil
        CName(bytes: bytes).call { pointer in
            if isText { utf8(entry, pointer) } else { raw(entry, pointer) }
        }
    }
}
