import Glibc

/// Every failure of DenArchive: libarchive's own verdicts, refused entries, limits and system calls.
///
/// Entry paths are the paths as written in the archive, so a message points at the offending member.
public enum ArchiveError: Error, Sendable, Hashable {
    /// libarchive gave up: a malformed, truncated or unsupported archive, or an I/O failure underneath.
    /// `message` and `errno` are libarchive's when it set them; `entry` is the entry being read or written.
    case library(operation: LibraryOperation, message: String?, errno: Int32?, entry: String?)
    /// A system call failed while touching `path` (an archive file, or an entry below the root).
    case system(operation: SystemOperation, path: String, errno: Int32)
    /// An entry name is not valid UTF-8 in the archive and libarchive could not convert it.
    case invalidPathEncoding(bytes: [UInt8])
    /// An entry or link target path that may not be written at all.
    case unsafePath(path: String, reason: UnsafePathReason)
    /// Resolving `path` met the symlink `symlink` (a path inside the root) and may not go through it.
    case unresolvableSymlink(path: String, symlink: String, reason: SymlinkRejection)
    /// A component of `path` exists as something that is neither a directory nor a symlink.
    case notADirectory(path: String, component: String)
    /// A hard link entry whose target is not a regular file already inside the root.
    case invalidHardlink(path: String, target: String, reason: HardlinkRejection)
    /// libarchive returned a file type den does not know.
    case unsupportedEntryType(path: String, fileType: UInt32)
    /// The archive has more entries than the extractor accepts.
    case entryCountLimitExceeded(limit: Int, entry: String)
    /// Writing `entry` would take the extracted bytes past the limit.
    case byteLimitExceeded(limit: Int64, entry: String)
    /// Ownership was to be applied but the archive's ids do not fit `uid_t`/`gid_t`.
    case ownerOutOfRange(entry: String, uid: Int64, gid: Int64)
    /// A nested reader was used after its parent moved on to another entry.
    case parentEntryChanged(entry: String?)
    /// The writer was used after `finish()`.
    case writerFinished
    /// A file changed size while it was being archived.
    case sourceFileChanged(path: String, expectedSize: Int64, actualSize: Int64)
    /// A `.deb` that does not follow deb(5).
    case invalidDebianPackage(path: String, problem: DebianPackageProblem)
}

/// The libarchive call that failed.
public enum LibraryOperation: String, Sendable, Hashable {
    case configure
    case open
    case readHeader
    case readData
    case skipData
    case writeHeader
    case writeData
    case close
}

/// The system call that failed, named by what it was for.
public enum SystemOperation: String, Sendable, Hashable {
    case open
    case openDirectory
    case readDirectory
    case stat
    case read
    case write
    case truncate
    case createDirectory
    case createFile
    case createSymlink
    case createHardlink
    case readLink
    case rename
    case remove
    case setPermissions
    case setOwner
    case setTimes
    case close
}

public enum UnsafePathReason: String, Sendable, Hashable {
    case empty
    case absolute
    case parentReference
    case nameTooLong
    case nulCharacter
}

public enum SymlinkRejection: String, Sendable, Hashable {
    /// `SymlinkPolicy.reject` is in force.
    case followingDisabled
    /// Following it would climb above the root.
    case escapesRoot
    /// It points at nothing inside the root.
    case targetMissing
    /// More than 40 symlinks on the way, as the kernel's own ELOOP limit.
    case tooManyLevels
}

public enum HardlinkRejection: Sendable, Hashable {
    case unsafeTarget(UnsafePathReason)
    case targetMissing
    case targetNotRegularFile
}

public enum DebianPackageProblem: Sendable, Hashable {
    case missingMember(name: String)
    case unexpectedMember(name: String)
    case unsupportedFormatVersion(String)
    case unsupportedCompression(member: String)
    case missingControlFile
    case dataAlreadyOpened
}

extension ArchiveError: CustomStringConvertible {
    public var description: String {
        switch self {
        case let .library(operation, message, errno, entry):
            var text = "libarchive failed to \(operation.phrase)"
            if let entry { text += " at \"\(entry)\"" }
            text += ": \(message ?? "no message")"
            if let errno { text += " (\(Self.errnoText(errno)))" }
            return text
        case let .system(operation, path, errno):
            return "cannot \(operation.phrase) \"\(path)\": \(Self.errnoText(errno))"
        case let .invalidPathEncoding(bytes):
            let shown = bytes.map { $0 < 0x20 || $0 >= 0x7f ? "\\x" + String($0, radix: 16) : String(UnicodeScalar($0)) }
            return "entry name \"\(shown.joined())\" is not valid UTF-8"
        case let .unsafePath(path, reason):
            return "refusing entry \"\(path)\": \(reason.phrase)"
        case let .unresolvableSymlink(path, symlink, reason):
            return "refusing entry \"\(path)\": symlink \"\(symlink)\" \(reason.phrase)"
        case let .notADirectory(path, component):
            return "cannot place \"\(path)\": \"\(component)\" exists and is not a directory"
        case let .invalidHardlink(path, target, reason):
            return "refusing hard link \"\(path)\" to \"\(target)\": \(reason.phrase)"
        case let .unsupportedEntryType(path, fileType):
            return "entry \"\(path)\" has unsupported file type \"0o\(String(fileType, radix: 8))\""
        case let .entryCountLimitExceeded(limit, entry):
            return "archive has more than \(limit) entries (stopped at \"\(entry)\")"
        case let .byteLimitExceeded(limit, entry):
            return "entry \"\(entry)\" takes the data past the limit of \(limit) bytes"
        case let .ownerOutOfRange(entry, uid, gid):
            return "entry \"\(entry)\" has owner \"\(uid):\(gid)\" that does not fit this system"
        case let .parentEntryChanged(entry):
            return "nested archive \"\(entry ?? "")\" was read after its parent moved to another entry"
        case .writerFinished:
            return "archive writer used after finish"
        case let .sourceFileChanged(path, expected, actual):
            return "file \"\(path)\" changed while being archived: expected \(expected) bytes, read \(actual)"
        case let .invalidDebianPackage(path, problem):
            return "\"\(path)\" is not a valid debian package: \(problem.phrase)"
        }
    }

    static func errnoText(_ code: Int32) -> String {
        guard let text = strerror(code) else { return "errno \(code)" }
        return String(cString: text).lowercased() + " (errno \(code))"
    }
}

extension LibraryOperation {
    var phrase: String {
        switch self {
        case .configure: "configure the archive"
        case .open: "open the archive"
        case .readHeader: "read an entry header"
        case .readData: "read entry data"
        case .skipData: "skip entry data"
        case .writeHeader: "write an entry header"
        case .writeData: "write entry data"
        case .close: "close the archive"
        }
    }
}

extension SystemOperation {
    var phrase: String {
        switch self {
        case .open: "open"
        case .openDirectory: "open directory"
        case .readDirectory: "read directory"
        case .stat: "stat"
        case .read: "read"
        case .write: "write"
        case .truncate: "truncate"
        case .createDirectory: "create directory"
        case .createFile: "create file"
        case .createSymlink: "create symlink"
        case .createHardlink: "create hard link"
        case .readLink: "read symlink"
        case .rename: "rename into place"
        case .remove: "remove"
        case .setPermissions: "set permissions of"
        case .setOwner: "set owner of"
        case .setTimes: "set times of"
        case .close: "close"
        }
    }
}

extension UnsafePathReason {
    var phrase: String {
        switch self {
        case .empty: "the path is empty"
        case .absolute: "the path is absolute"
        case .parentReference: "the path contains \"..\""
        case .nameTooLong: "a path component is longer than 255 bytes"
        case .nulCharacter: "the path contains a NUL character"
        }
    }
}

extension SymlinkRejection {
    var phrase: String {
        switch self {
        case .followingDisabled: "is on the way and symlinks are not followed"
        case .escapesRoot: "points outside the root"
        case .targetMissing: "points at nothing inside the root"
        case .tooManyLevels: "starts a chain of more than 40 symlinks"
        }
    }
}

extension HardlinkRejection {
    var phrase: String {
        switch self {
        case let .unsafeTarget(reason): reason.phrase
        case .targetMissing: "the target does not exist inside the root"
        case .targetNotRegularFile: "the target is not a regular file"
        }
    }
}

extension DebianPackageProblem {
    var phrase: String {
        switch self {
        case let .missingMember(name): "member \"\(name)\" is missing"
        case let .unexpectedMember(name): "unexpected member \"\(name)\""
        case let .unsupportedFormatVersion(version): "format version \"\(version)\" is not 2.x"
        case let .unsupportedCompression(member): "member \"\(member)\" uses an unsupported compression"
        case .missingControlFile: "control.tar has no \"control\" file"
        case .dataAlreadyOpened: "data.tar was already opened"
        }
    }
}
