// libFuzzer target for DenArchive: archive bytes through `ArchiveReader` and `SafeExtractor`
// into a fresh root, the way den unpacks layers and .deb data.
//
// Layout, made once per process (`Jail`):
//   $TMPDIR/den-fuzz-extractor.XXXXXX/above-3/above-2/above-1/root
// `root` is made before and removed after each extraction. Three levels of parents catch an
// escape by `..` (or a symlink or hard link climbing) up to three levels, not just one.
//
// Invariants checked after every extraction, whether it succeeded or threw:
// - nothing exists along the parent chain but the chain itself and `root`, and `root` is still
//   a directory (not replaced by a symlink pointing elsewhere);
// - every regular file in the root with several links has all of them in the root: a hard link
//   to a file outside is an escape even though no new path appears outside;
// - the regular files in the root hold no more bytes than `maxTotalBytes` allows.
// Inputs starting with an ar magic go through `DebianPackageArchive` (ar, control.tar, then the
// streamed data.tar); everything else is a tar stream, extracted once per symlink policy.
// Uncompressed tar headers get their checksums recomputed first (`TarChecksums`).
import DenArchive
import Glibc

let options = ExtractionOptions(maxTotalBytes: 1 << 20, maxEntryCount: 256)
let jail = Jail.make()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzExtractor(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    var bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if bytes.starts(with: Array("!<arch>\n".utf8)) {
        TarChecksums.fixMembers(of: &bytes)
        extractPackage(bytes)
    } else {
        TarChecksums.fix(&bytes, in: bytes.indices)
        for policy in [SymlinkPolicy.followInsideRoot, .reject] {
            var policyOptions = options
            policyOptions.symlinkPolicy = policy
            jail.withFreshRoot { root in
                // Hostile input is expected to fail with a typed error; only what lands matters.
                guard let reader = try? ArchiveReader(bytes: bytes),
                    let extractor = try? SafeExtractor(rootPath: root, options: policyOptions)
                else { return }
                _ = try? extractor.extract(from: reader)
            }
        }
    }
    return 0
}

/// `DebianPackageArchive` reads from a file descriptor, so the bytes go to a file kept outside
/// the jail first.
func extractPackage(_ bytes: [UInt8]) {
    let fd = open(jail.packagePath, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
    guard fd >= 0 else { violated("cannot create \(jail.packagePath): errno \(errno)") }
    defer { close(fd) }
    let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    guard written == bytes.count, lseek(fd, 0, SEEK_SET) == 0 else { violated("cannot write \(jail.packagePath)") }
    jail.withFreshRoot { root in
        guard let package = try? DebianPackageArchive(fileDescriptor: fd, displayPath: "input.deb", maxControlBytes: 1 << 20),
            let extractor = try? SafeExtractor(rootPath: root, options: options)
        else { return }
        _ = package.control.control
        _ = try? package.extractData(into: extractor)
    }
}

/// Almost every mutation of a tar header breaks its checksum, and libarchive (which is not
/// instrumented) then refuses the header before DenArchive sees an entry. Recomputing the
/// checksums lets changes to names, types, sizes and link targets reach the extractor. The walk
/// follows the size fields roughly as libarchive does; where they disagree a header keeps
/// its checksum and the input is merely less useful.
enum TarChecksums {
    static let block = 512
    /// gzip, xz, zstd, bzip2, lz4: a compressed stream must not be touched.
    static let compressedMagics: [[UInt8]] = [[0x1f, 0x8b], [0xfd, 0x37, 0x7a, 0x58, 0x5a], [0x28, 0xb5, 0x2f, 0xfd], Array("BZh".utf8), [0x04, 0x22, 0x4d, 0x18]]

    static func fix(_ bytes: inout [UInt8], in range: Range<Int>) {
        guard !compressedMagics.contains(where: { bytes[range].starts(with: $0) }) else { return }
        var offset = range.lowerBound
        while offset + block <= range.upperBound {
            guard bytes[offset..<offset + block].contains(where: { $0 != 0 }) else {
                offset += block
                continue
            }
            var sum = 0
            for index in offset..<offset + block {
                sum += (offset + 148..<offset + 156).contains(index) ? 0x20 : Int(bytes[index])
            }
            let digits = String(sum, radix: 8)
            let field = Array((String(repeating: "0", count: max(0, 6 - digits.count)) + digits).utf8) + [0, 0x20]
            bytes.replaceSubrange(offset + 148..<offset + 156, with: field)
            // Symlinks, devices, directories and fifos carry no data whatever their size says.
            let carriesData = !Array("23456".utf8).contains(bytes[offset + 156])
            guard let size = octal(bytes[offset + 124..<offset + 136]) else { return }
            let dataBlocks = carriesData ? (size + block - 1) / block : 0
            guard dataBlocks <= (range.upperBound - offset) / block else { return }
            offset += block * (1 + dataBlocks)
        }
    }

    /// Fixes the uncompressed `control.tar` and `data.tar` members of an ar archive (a .deb).
    static func fixMembers(of bytes: inout [UInt8]) {
        var offset = 8
        while offset + 60 <= bytes.count {
            let name = String(decoding: bytes[offset..<offset + 16], as: UTF8.self)
                .trimmingSuffix(while: { $0 == " " || $0 == "/" })
            guard let size = Int(String(decoding: bytes[offset + 48..<offset + 58], as: UTF8.self).trimmingSuffix(while: { $0 == " " })),
                size >= 0
            else { return }
            let data = offset + 60..<min(offset + 60 + size, bytes.count)
            if name == "control.tar" || name == "data.tar" { fix(&bytes, in: data) }
            offset = data.upperBound + size % 2
        }
    }

    private static func octal(_ field: ArraySlice<UInt8>) -> Int? {
        var value = 0
        for byte in field.drop(while: { $0 == 0x20 }) {
            guard (0x30...0x37).contains(byte) else { return byte == 0 || byte == 0x20 ? value : nil }
            value = value * 8 + Int(byte - 0x30)
        }
        return value
    }
}

extension String {
    func trimmingSuffix(while predicate: (Character) -> Bool) -> String {
        var text = self
        while let last = text.last, predicate(last) { text.removeLast() }
        return text
    }
}

struct Jail: Sendable {
    static let chain = ["above-3", "above-2", "above-1"]

    let parent: String
    let root: String
    let packagePath: String

    static func make() -> Jail {
        // den sets this locale first thing; libarchive's path conversions depend on it.
        _ = setlocale(LC_ALL, "C.UTF-8")
        let base = getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
        var template = Array("\(base)/den-fuzz-extractor.XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ $0.baseAddress.flatMap(mkdtemp) }) else {
            violated("mkdtemp in \(base) failed: errno \(errno)")
        }
        let parent = String(cString: made)
        var path = parent
        for name in chain {
            path += "/" + name
            guard mkdir(path, 0o700) == 0 else { violated("mkdir \(path): errno \(errno)") }
        }
        // libFuzzer ends a clean run with exit(); after a crash the tree is left for inspection.
        atexit(removeJail)
        // The package file sits beside the chain: its single link is checked like any other.
        return Jail(parent: parent, root: path + "/root", packagePath: parent + "/input.deb")
    }

    func withFreshRoot(_ body: (String) -> Void) {
        guard mkdir(root, 0o755) == 0 else { violated("mkdir \(root): errno \(errno)") }
        body(root)
        checkNothingOutside()
        checkRoot()
        remove(root)
    }

    /// The chain holds exactly the next link (the parent may also hold the package file).
    private func checkNothingOutside() {
        var directory = parent
        for (index, name) in Self.chain.enumerated() {
            let allowed = index == 0 ? [name, "input.deb"] : [name]
            for entry in Directory.names(at: directory) where !allowed.contains(entry.text) {
                violated("'\(entry.text)' appeared in \(directory), outside the root")
            }
            directory += "/" + name
        }
        for entry in Directory.names(at: directory) where entry.text != "root" {
            violated("'\(entry.text)' appeared beside the root in \(directory)")
        }
        var info = stat()
        guard lstat(root, &info) == 0, info.st_mode & S_IFMT == S_IFDIR else {
            violated("the root is no longer a directory")
        }
        if lstat(packagePath, &info) == 0, info.st_nlink != 1 {
            violated("the package file gained a hard link (\(info.st_nlink) links)")
        }
    }

    /// Counts the links seen inside the root per inode against each file's link count, and sums
    /// the file sizes.
    private func checkRoot() {
        var seen: [UInt64: (links: Int, expected: Int)] = [:]
        var totalBytes: Int64 = 0
        let fd = open(root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { violated("cannot open the root: errno \(errno)") }
        Directory.walk(fd) { info in
            guard info.st_mode & S_IFMT == S_IFREG else { return }
            var record = seen[UInt64(info.st_ino)] ?? (0, Int(info.st_nlink))
            if record.links == 0 { totalBytes += Int64(info.st_size) }
            record.links += 1
            seen[UInt64(info.st_ino)] = record
        }
        close(fd)
        for (inode, record) in seen where record.links != record.expected {
            violated("inode \(inode) has \(record.expected) links but \(record.links) inside the root")
        }
        guard totalBytes <= options.maxTotalBytes else {
            violated("\(totalBytes) bytes extracted, over the \(options.maxTotalBytes) byte limit")
        }
    }

    func remove(_ path: String) {
        // The extractor may leave 0555 or 0000 directories; as root that does not matter, as a
        // user each directory is made writable before it is emptied.
        _ = chmod(path, 0o700)
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { violated("cannot open \(path) to remove it: errno \(errno)") }
        Directory.removeContents(fd)
        close(fd)
        guard rmdir(path) == 0 else { violated("rmdir \(path): errno \(errno)") }
    }
}

func removeJail() {
    jail.remove(jail.parent)
}

/// fd-relative directory walks: extracted names need not be UTF-8 and paths may exceed PATH_MAX.
enum Directory {
    struct Name {
        var bytes: [CChar]
        var text: String { String(decoding: bytes.map { UInt8(bitPattern: $0) }, as: UTF8.self) }

        func call<Result>(_ body: (UnsafePointer<CChar>) -> Result) -> Result {
            (bytes + [0]).withUnsafeBufferPointer { buffer in
                guard let base = buffer.baseAddress else { violated("empty name buffer") }
                return body(base)
            }
        }
    }

    static func names(at path: String) -> [Name] {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { violated("cannot open \(path): errno \(errno)") }
        defer { close(fd) }
        return names(in: fd)
    }

    static func names(in fd: Int32) -> [Name] {
        // fdopendir takes ownership of the descriptor it is given.
        guard let stream = fdopendir(dup(fd)) else { violated("fdopendir: errno \(errno)") }
        defer { closedir(stream) }
        var names: [Name] = []
        while let entry = readdir(stream) {
            let bytes = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                Array(raw.bindMemory(to: CChar.self).prefix { $0 != 0 })
            }
            if bytes == [46] || bytes == [46, 46] { continue }
            names.append(Name(bytes: bytes))
        }
        return names
    }

    /// Calls `visit` with the lstat of everything below `fd`, depth first.
    static func walk(_ fd: Int32, _ visit: (stat) -> Void) {
        for name in names(in: fd) {
            var info = stat()
            guard name.call({ fstatat(fd, $0, &info, AT_SYMLINK_NOFOLLOW) }) == 0 else {
                violated("fstatat '\(name.text)': errno \(errno)")
            }
            visit(info)
            if info.st_mode & S_IFMT == S_IFDIR {
                // Unreadable directories would hide links from the count; the tree is removed next.
                _ = name.call { fchmodat(fd, $0, 0o700, 0) }
                let child = name.call { openat(fd, $0, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) }
                guard child >= 0 else { violated("cannot open '\(name.text)' to walk it: errno \(errno)") }
                walk(child, visit)
                close(child)
            }
        }
    }

    static func removeContents(_ fd: Int32) {
        for name in names(in: fd) {
            var info = stat()
            guard name.call({ fstatat(fd, $0, &info, AT_SYMLINK_NOFOLLOW) }) == 0 else {
                violated("fstatat '\(name.text)': errno \(errno)")
            }
            if info.st_mode & S_IFMT == S_IFDIR {
                _ = name.call { fchmodat(fd, $0, 0o700, 0) }
                let child = name.call { openat(fd, $0, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) }
                guard child >= 0 else { violated("cannot open '\(name.text)' to remove it: errno \(errno)") }
                removeContents(child)
                close(child)
                guard name.call({ unlinkat(fd, $0, AT_REMOVEDIR) }) == 0 else {
                    violated("rmdir '\(name.text)': errno \(errno)")
                }
            } else {
                guard name.call({ unlinkat(fd, $0, 0) }) == 0 else { violated("unlink '\(name.text)': errno \(errno)") }
            }
        }
    }
}

/// A broken invariant is a finding: report it and abort so libFuzzer saves the input.
func violated(_ message: String) -> Never {
    var line = "fuzz-extractor: \(message)\n"
    line.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
    abort()
}
