import DenArchive
import Foundation
import Glibc
import Testing

/// den calls setlocale(LC_ALL, "C.UTF-8") first thing; libarchive's name conversions depend on it.
/// A global is initialised once and thread-safely, so every suite touches it before using libarchive.
let localeReady: Void = {
    _ = setlocale(LC_ALL, "C.UTF-8")
}()

enum Fixture {
    /// Found next to this source file, so the tests need no resource bundle declared for them.
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Resources").path

    static func path(_ name: String) throws -> String {
        let path = directory + "/" + name
        #expect(FileManager.default.fileExists(atPath: path), "missing fixture \(name); run scripts/make-archive-fixtures")
        return path
    }
}

/// A private temp directory holding `root` (the extraction target) and `outside` (a sibling that
/// hostile archives aim at), removed on deinit.
final class Scratch {
    let path: String
    var root: String { path + "/root" }
    var outside: String { path + "/outside" }

    init() throws {
        var template = Array((NSTemporaryDirectory() + "/den-archive-test.XXXXXX").utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        let created = String(cString: try #require(made))
        path = URL(fileURLWithPath: created).standardizedFileURL.path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: outside + "/sub", withIntermediateDirectories: true)
        try Data("secret\n".utf8).write(to: URL(fileURLWithPath: outside + "/secret.txt"))
        try Data("deeper\n".utf8).write(to: URL(fileURLWithPath: outside + "/sub/deeper.txt"))
    }

    deinit {
        // Extracted trees may hold 0555 directories and paths longer than PATH_MAX, which
        // FileManager cannot remove; chmod and rm walk with openat.
        _ = try? Shell.run(["chmod", "-R", "u+rwx", path])
        _ = try? Shell.run(["rm", "-rf", path])
    }

    /// Everything in the scratch directory except the root: what an escape would change.
    func snapshotOutsideRoot() throws -> TreeSnapshot {
        var snapshot = try TreeSnapshot(of: path)
        snapshot.nodes = snapshot.nodes.filter { $0.key != "root" && !$0.key.hasPrefix("root/") }
        return snapshot
    }
}

/// The observable state of a directory tree, compared before/after or against an oracle.
struct TreeSnapshot: Equatable, CustomStringConvertible {
    struct Node: Equatable {
        var type: Character
        var mode: UInt32
        var size: Int
        var mtime: Int
        var contents: [UInt8]?
        var linkTarget: String?
        var inode: UInt64
        var linkCount: Int
        var linkGroup: String? = nil
    }

    var nodes: [String: Node] = [:]

    init(of directory: String) throws {
        try walk(directory, relative: "")
    }

    private mutating func walk(_ directory: String, relative: String) throws {
        for name in try FileManager.default.contentsOfDirectory(atPath: directory).sorted() {
            let full = directory + "/" + name
            let key = relative.isEmpty ? name : relative + "/" + name
            var info = stat()
            guard lstat(full, &info) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
            let kind = info.st_mode & S_IFMT
            var node = Node(
                type: kind == S_IFDIR ? "d" : kind == S_IFLNK ? "l" : kind == S_IFREG ? "-" : "?",
                mode: info.st_mode & 0o7777, size: Int(info.st_size), mtime: info.st_mtim.tv_sec,
                inode: UInt64(info.st_ino), linkCount: Int(info.st_nlink))
            if kind == S_IFREG { node.contents = Array(try Data(contentsOf: URL(fileURLWithPath: full))) }
            if kind == S_IFLNK { node.linkTarget = try FileManager.default.destinationOfSymbolicLink(atPath: full) }
            if kind == S_IFDIR { node.size = 0 }
            nodes[key] = node
            if kind == S_IFDIR { try walk(full, relative: key) }
        }
    }

    /// Inodes differ between two trees; what matters is which paths share one.
    func withoutInodes() -> TreeSnapshot {
        var copy = self
        let groups = Dictionary(grouping: nodes.filter { $0.value.type == "-" }.map(\.key), by: { nodes[$0]?.inode ?? 0 })
        for key in copy.nodes.keys {
            let members = groups[nodes[key]?.inode ?? 0] ?? []
            copy.nodes[key]?.linkGroup = nodes[key]?.type == "-" && members.count > 1 ? members.sorted().joined(separator: ",") : nil
            copy.nodes[key]?.inode = 0
        }
        return copy
    }

    var description: String {
        nodes.keys.sorted().map { key in
            let node = nodes[key]!
            return "\(node.type)\(String(node.mode, radix: 8)) \(node.size) \(node.mtime) \(key)\(node.linkTarget.map { " -> \($0)" } ?? "")"
        }.joined(separator: "\n")
    }
}

enum Shell {
    struct Result {
        var status: Int32
        var output: Data
        var errorText: String
        var text: String { String(decoding: output, as: UTF8.self) }
    }

    /// Runs a command found on PATH, in UTC and a UTF-8 locale so listings compare.
    @discardableResult
    static func run(_ arguments: [String], currentDirectory: String? = nil) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["TZ"] = "UTC"
        environment["LC_ALL"] = "C.UTF-8"
        process.environment = environment
        if let currentDirectory { process.currentDirectoryURL = URL(fileURLWithPath: currentDirectory) }
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // stderr is drained on the side so a chatty child never blocks on a full pipe.
        let errorBox = DataBox()
        let drained = DispatchSemaphore(value: 0)
        let errorHandle = errors.fileHandleForReading
        DispatchQueue.global().async {
            errorBox.data = errorHandle.readDataToEndOfFile()
            drained.signal()
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        drained.wait()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, output: data, errorText: String(decoding: errorBox.data, as: UTF8.self))
    }

    private final class DataBox: @unchecked Sendable {
        // Written once by the reader thread before the semaphore is signalled.
        var data = Data()
    }

    static func quoted(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}

/// `tar --full-time -tv` rows split into fields, so column padding does not matter.
struct TarListingRow: Equatable, CustomStringConvertible {
    var mode: String
    var owner: String
    var size: String
    var date: String
    var time: String
    var name: String

    var description: String { "\(mode) \(owner) \(size) \(date) \(time) \(name)" }

    init(mode: String, owner: String, size: String, date: String, time: String, name: String) {
        (self.mode, self.owner, self.size, self.date, self.time, self.name) = (mode, owner, size, date, time, name)
    }

    /// Parses one line of GNU tar's verbose listing.
    init?(tarLine line: Substring) {
        var rest = line[...]
        var fields: [String] = []
        for _ in 0..<5 {
            rest = rest.drop { $0 == " " }
            guard let end = rest.firstIndex(of: " ") else { return nil }
            fields.append(String(rest[..<end]))
            rest = rest[end...]
        }
        self.init(mode: fields[0], owner: fields[1], size: fields[2], date: fields[3], time: fields[4], name: String(rest.dropFirst()))
    }

    /// Formats an entry as GNU tar lists it.
    init(entry: ArchiveEntry) {
        let type: Character = switch entry.kind {
        case .file: "-"
        case .directory: "d"
        case .symlink: "l"
        case .hardlink: "h"
        case .characterDevice: "c"
        case .blockDevice: "b"
        case .fifo: "p"
        case .socket: "s"
        }
        let p = entry.permissions
        func bit(_ mask: UInt32, _ char: Character) -> Character { p & mask != 0 ? char : "-" }
        func exec(_ mask: UInt32, special: UInt32, on: Character, off: Character) -> Character {
            switch (p & mask != 0, p & special != 0) {
            case (true, true): on
            case (false, true): off
            case (true, false): "x"
            case (false, false): "-"
            }
        }
        let mode = String([
            type,
            bit(0o400, "r"), bit(0o200, "w"), exec(0o100, special: 0o4000, on: "s", off: "S"),
            bit(0o040, "r"), bit(0o020, "w"), exec(0o010, special: 0o2000, on: "s", off: "S"),
            bit(0o004, "r"), bit(0o002, "w"), exec(0o001, special: 0o1000, on: "t", off: "T"),
        ])
        let user = entry.userName.flatMap { $0.isEmpty ? nil : $0 } ?? String(entry.uid)
        let group = entry.groupName.flatMap { $0.isEmpty ? nil : $0 } ?? String(entry.gid)
        let size = entry.device.map { "\($0.major),\($0.minor)" } ?? String(entry.size)
        var seconds = time_t(entry.modificationTime?.seconds ?? 0)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        let date = String(format: "%04d-%02d-%02d", parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday)
        let time = String(format: "%02d:%02d:%02d", parts.tm_hour, parts.tm_min, parts.tm_sec)
        var name = entry.path
        if let target = entry.symlinkTarget { name += " -> " + target }
        if let target = entry.hardlinkTarget { name += " link to " + target }
        self.init(mode: mode, owner: "\(user)/\(group)", size: size, date: date, time: time, name: name)
    }

    /// GNU tar's own listing of `path` (compression detected by tar).
    static func oracle(_ path: String) throws -> [TarListingRow] {
        let tar = "tar --full-time --quoting-style=literal -tvf"
        // GNU tar 1.34 does not recognise lz4 by itself.
        let result = path.hasSuffix(".lz4")
            ? try Shell.run(["sh", "-c", "lz4 -dc \(Shell.quoted(path)) | \(tar) -"])
            : try Shell.run(tar.split(separator: " ").map(String.init) + [path])
        #expect(result.status == 0, "tar -tvf failed: \(result.errorText)")
        return result.text.split(separator: "\n").compactMap(TarListingRow.init(tarLine:))
    }

    static func listing(of reader: ArchiveReader) throws -> [TarListingRow] {
        var rows: [TarListingRow] = []
        while let entry = try reader.next() { rows.append(TarListingRow(entry: entry)) }
        return rows
    }
}

/// Reads every entry and its data into memory (small archives only).
func readEverything(_ reader: ArchiveReader, limit: Int = 1 << 20) throws -> [(ArchiveEntry, [UInt8])] {
    var result: [(ArchiveEntry, [UInt8])] = []
    while let entry = try reader.next() {
        result.append((entry, try reader.readAll(limit: limit)))
    }
    return result
}

/// The error an extraction throws, or nil when it succeeds.
func extractionError(_ fixture: String, into root: String, options: ExtractionOptions = .init()) throws -> ArchiveError? {
    do {
        let reader = try ArchiveReader(path: try Fixture.path(fixture))
        let extractor = try SafeExtractor(rootPath: root, options: options)
        try extractor.extract(from: reader)
        return nil
    } catch let error as ArchiveError {
        return error
    }
}
