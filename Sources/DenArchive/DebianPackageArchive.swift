import Glibc

/// A `.deb` opened for streaming: deb(5) binary format 2.x, an ar archive holding
/// `debian-binary`, `control.tar[.gz|.xz|.zst|.bz2]` and `data.tar[...]` in that order.
///
/// Opening reads `debian-binary` and the whole (small) control archive; the data archive is then
/// streamed from the same file with `openData()`, without temporary files.
public final class DebianPackageArchive {
    /// The version line of `debian-binary`, e.g. `2.0`.
    public let formatVersion: String
    public let control: DebianControlArchive

    private let outer: ArchiveReader
    private let displayPath: String
    private var isDataOpened = false

    /// Opens the package at `path`. `maxControlBytes` bounds the unpacked control archive.
    public convenience init(path: String, maxControlBytes: Int = 64 << 20) throws(ArchiveError) {
        let outer = try ArchiveReader(path: path, formats: .ar, filters: [])
        try self.init(outer: outer, displayPath: path, maxControlBytes: maxControlBytes)
    }

    /// Reads the package from `fileDescriptor`, which stays owned by the caller.
    public convenience init(fileDescriptor: Int32, displayPath: String, maxControlBytes: Int = 64 << 20) throws(ArchiveError) {
        let outer = try ArchiveReader(fileDescriptor: fileDescriptor, formats: .ar, filters: [])
        try self.init(outer: outer, displayPath: displayPath, maxControlBytes: maxControlBytes)
    }

    private init(outer: ArchiveReader, displayPath: String, maxControlBytes: Int) throws(ArchiveError) {
        self.outer = outer
        self.displayPath = displayPath
        guard let first = try outer.next() else {
            throw .invalidDebianPackage(path: displayPath, problem: .missingMember(name: "debian-binary"))
        }
        guard first.path == "debian-binary" else {
            throw .invalidDebianPackage(path: displayPath, problem: .unexpectedMember(name: first.path))
        }
        let versionBytes = try outer.readAll(limit: 1024)
        let versionLine = String(decoding: versionBytes.prefix { $0 != UInt8(ascii: "\n") }, as: UTF8.self)
        guard Self.isSupported(formatVersion: versionLine) else {
            throw .invalidDebianPackage(path: displayPath, problem: .unsupportedFormatVersion(versionLine))
        }
        formatVersion = versionLine
        control = try Self.readControl(from: outer, displayPath: displayPath, maxBytes: maxControlBytes)
    }

    /// Returns a reader over `data.tar.*`, streaming from the package. Call once.
    public func openData() throws(ArchiveError) -> ArchiveReader {
        guard !isDataOpened else {
            throw .invalidDebianPackage(path: displayPath, problem: .dataAlreadyOpened)
        }
        isDataOpened = true
        let member = try Self.nextMember(of: outer, named: "data.tar", displayPath: displayPath)
        let filters = try Self.filters(for: member, prefix: "data.tar", displayPath: displayPath)
        return try ArchiveReader(currentEntryOf: outer, formats: .tar, filters: filters)
    }

    /// Extracts `data.tar.*` through `extractor` and applies its deferred directory metadata.
    public func extractData(into extractor: SafeExtractor) throws(ArchiveError) -> ArchiveSummary {
        try extractor.extract(from: openData())
    }

    /// dpkg accepts any 2.x; the minor number announces compatible additions.
    static func isSupported(formatVersion: String) -> Bool {
        let parts = formatVersion.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0] == "2", !parts[1].isEmpty else { return false }
        return parts[1].allSatisfy { $0.isASCII && $0.isNumber }
    }

    private static func readControl(from outer: ArchiveReader, displayPath: String, maxBytes: Int) throws(ArchiveError) -> DebianControlArchive {
        let member = try nextMember(of: outer, named: "control.tar", displayPath: displayPath)
        let inner = try ArchiveReader(currentEntryOf: outer, formats: .tar, filters: filters(for: member, prefix: "control.tar", displayPath: displayPath))
        var files: [String: [UInt8]] = [:]
        var total = 0
        while let entry = try inner.next() {
            guard entry.kind == .file else { continue }
            var name = Substring(entry.path)
            while name.hasPrefix("./") { name = name.dropFirst(2) }
            let bytes = try inner.readAll(limit: maxBytes - total)
            total += bytes.count
            files[String(name)] = bytes
        }
        guard files["control"] != nil else {
            throw .invalidDebianPackage(path: displayPath, problem: .missingControlFile)
        }
        return DebianControlArchive(files: files)
    }

    /// Moves to the member whose name starts with `prefix`, skipping the `_`-prefixed members that
    /// deb(5) reserves for additions older readers must ignore.
    private static func nextMember(of outer: ArchiveReader, named prefix: String, displayPath: String) throws(ArchiveError) -> String {
        while let entry = try outer.next() {
            if entry.path.hasPrefix("_") { continue }
            guard entry.path.hasPrefix(prefix) else {
                throw .invalidDebianPackage(path: displayPath, problem: .unexpectedMember(name: entry.path))
            }
            return entry.path
        }
        throw .invalidDebianPackage(path: displayPath, problem: .missingMember(name: prefix))
    }

    /// The one filter the member's name announces, so a mislabelled member fails instead of being sniffed.
    private static func filters(for member: String, prefix: String, displayPath: String) throws(ArchiveError) -> ArchiveReader.Filters {
        switch member.dropFirst(prefix.count) {
        case "": return []
        case ".gz": return .gzip
        case ".xz": return .xz
        case ".zst": return .zstd
        case ".bz2": return .bzip2
        default: throw .invalidDebianPackage(path: displayPath, problem: .unsupportedCompression(member: member))
        }
    }
}
