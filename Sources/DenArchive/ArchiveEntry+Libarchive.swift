import CArchive
import Glibc

extension ArchiveEntry {
    /// Copies the fields of a libarchive entry. Names are taken as UTF-8: with the process in a
    /// UTF-8 locale libarchive converts (or passes through) every header charset, and a NULL
    /// answer means bytes that are not text, which den refuses rather than guesses.
    init(libarchiveEntry entry: OpaquePointer) throws(ArchiveError) {
        let path = try Self.utf8(archive_entry_pathname_utf8(entry), raw: archive_entry_pathname(entry))
        let hardlink = try Self.optionalUTF8(archive_entry_hardlink_utf8(entry), raw: archive_entry_hardlink(entry))
        let fileType = UInt32(archive_entry_filetype(entry))
        let kind: Kind
        if hardlink != nil {
            kind = .hardlink
        } else {
            switch fileType {
            case FileType.regular: kind = .file
            case FileType.directory: kind = .directory
            case FileType.symlink: kind = .symlink
            case FileType.characterDevice: kind = .characterDevice
            case FileType.blockDevice: kind = .blockDevice
            case FileType.fifo: kind = .fifo
            case FileType.socket: kind = .socket
            default: throw .unsupportedEntryType(path: path, fileType: fileType)
            }
        }
        let symlink = kind == .symlink
            ? try Self.optionalUTF8(archive_entry_symlink_utf8(entry), raw: archive_entry_symlink(entry)) ?? ""
            : nil
        let device = kind == .characterDevice || kind == .blockDevice
            ? DeviceNumber(major: UInt64(archive_entry_rdevmajor(entry)), minor: UInt64(archive_entry_rdevminor(entry)))
            : nil
        let time = archive_entry_mtime_is_set(entry) != 0
            ? ArchiveTimestamp(
                seconds: Int64(archive_entry_mtime(entry)),
                nanoseconds: Int32(truncatingIfNeeded: archive_entry_mtime_nsec(entry)))
            : nil
        self.init(
            path: path,
            kind: kind,
            permissions: UInt32(archive_entry_perm(entry)) & 0o7777,
            uid: archive_entry_uid(entry),
            gid: archive_entry_gid(entry),
            userName: archive_entry_uname_utf8(entry).map { String(cString: $0) },
            groupName: archive_entry_gname_utf8(entry).map { String(cString: $0) },
            size: archive_entry_size_is_set(entry) != 0 ? max(0, archive_entry_size(entry)) : 0,
            modificationTime: time,
            symlinkTarget: symlink,
            hardlinkTarget: hardlink,
            device: device)
    }

    /// libarchive's `AE_IF*` values; the C macros carry a cast, so Swift does not import them.
    enum FileType {
        static let regular: UInt32 = 0o100000
        static let directory: UInt32 = 0o040000
        static let symlink: UInt32 = 0o120000
        static let characterDevice: UInt32 = 0o020000
        static let blockDevice: UInt32 = 0o060000
        static let fifo: UInt32 = 0o010000
        static let socket: UInt32 = 0o140000
    }

    private static func utf8(_ converted: UnsafePointer<CChar>?, raw: UnsafePointer<CChar>?) throws(ArchiveError) -> String {
        try optionalUTF8(converted, raw: raw) ?? ""
    }

    private static func optionalUTF8(_ converted: UnsafePointer<CChar>?, raw: UnsafePointer<CChar>?) throws(ArchiveError) -> String? {
        if let converted { return String(cString: converted) }
        guard let raw else { return nil }
        let bytes = Array(UnsafeBufferPointer(start: raw, count: strlen(raw))).map { UInt8(bitPattern: $0) }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw .invalidPathEncoding(bytes: bytes)
        }
        return text
    }
}
