import Foundation

/// Fixtures made by `scripts/make-debian-fixtures`, read relative to this file so the tests
/// work the same from `swift test` and an IDE.
enum Fixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Resources")

    static func bytes(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: directory.appendingPathComponent(name)))
    }

    static func text(_ name: String) throws -> String {
        try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
    }

    static var inReleaseNames: [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".InRelease") }.sorted()
    }

    /// Values of `name:` lines read with plain string handling, independent of the parsers
    /// under test.
    static func lineValues(_ text: String, field name: String) -> [String] {
        text.split(separator: "\n").compactMap { line in
            line.hasPrefix(name + ": ") ? String(line.dropFirst(name.count + 2)) : nil
        }
    }
}

/// The result of running a host tool.
struct ToolOutcome {
    var status: Int32
    var output: Data
    var errorOutput: String
}

enum Tool {
    static func isExecutable(_ path: String) -> Bool {
        FileManager.default.isExecutableFile(atPath: path)
    }

    static func run(_ path: String, _ arguments: [String]) throws -> ToolOutcome {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // The tools used here write little to stderr, so reading stdout first cannot block.
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let errorData = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return ToolOutcome(
            status: process.terminationStatus, output: data, errorOutput: String(decoding: errorData, as: UTF8.self))
    }
}

/// `dpkg --compare-versions`, the oracle for version ordering and validation.
enum Dpkg {
    static let path = "/usr/bin/dpkg"
    static var isAvailable: Bool { Tool.isExecutable(path) }

    /// True when dpkg says `a op b` holds; throws if dpkg rejects a version outright.
    static func holds(_ a: String, _ op: String, _ b: String) throws -> Bool {
        let outcome = try Tool.run(path, ["--compare-versions", "--", a, op, b])
        switch outcome.status {
        case 0: return true
        case 1: return false
        default: throw DpkgFailure(arguments: [a, op, b], message: outcome.errorOutput)
        }
    }

    /// Runs `check` over `items` with a few dpkg processes at a time.
    static func allHold<T: Sendable>(
        _ items: [T], _ check: @escaping @Sendable (T) throws -> Bool
    ) async throws -> [T] {
        try await withThrowingTaskGroup(of: (T, Bool).self) { group in
            var failures: [T] = []
            var iterator = items.makeIterator()
            for _ in 0..<4 {
                guard let item = iterator.next() else { break }
                group.addTask { (item, try check(item)) }
            }
            while let (item, holds) = try await group.next() {
                if !holds {
                    failures.append(item)
                }
                if let next = iterator.next() {
                    group.addTask { (next, try check(next)) }
                }
            }
            return failures
        }
    }
}

struct DpkgFailure: Error, CustomStringConvertible {
    var arguments: [String]
    var message: String
    var description: String { "dpkg --compare-versions \(arguments) failed: \(message)" }
}

/// A seeded generator (SplitMix64) so that the random pairs checked against dpkg are the same
/// on every run.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// The host's apt lists, for tests over real, full-size indexes.
enum HostLists {
    static let directory = "/var/lib/apt/lists"
    static let aptHelper = "/usr/lib/apt/apt-helper"

    /// Binary Packages indexes, largest first (any compression apt stored them with).
    static var packagesFiles: [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        let paths = names.filter { $0.contains("_Packages") }.map { directory + "/" + $0 }
        func size(_ path: String) -> Int {
            ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int) ?? 0
        }
        return paths.sorted { size($0) > size($1) }
    }

    static var isUsable: Bool { !packagesFiles.isEmpty && Tool.isExecutable(aptHelper) }

    /// apt-helper decompresses by file extension, exactly as apt reads its lists.
    static func contents(of path: String) throws -> [UInt8] {
        let outcome = try Tool.run(aptHelper, ["cat-file", path])
        guard outcome.status == 0 else { throw DpkgFailure(arguments: [path], message: outcome.errorOutput) }
        return [UInt8](outcome.output)
    }
}
