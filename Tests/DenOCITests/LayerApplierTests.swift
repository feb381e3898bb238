import DenArchive
import Foundation
import Glibc
import Testing
@testable import DenOCI

/// Layers written with den's own TarWriter and applied in order into a temporary root; the
/// result is read back from the filesystem.
@Suite struct LayerApplierTests {
    final class Root {
        let path: String
        var tree: String { "\(path)/root" }

        init() throws {
            _ = setlocale(LC_ALL, "C.UTF-8")
            var template = Array((NSTemporaryDirectory() + "/den-oci-test.XXXXXX").utf8CString)
            let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
            path = String(cString: try #require(made))
            try FileManager.default.createDirectory(atPath: tree, withIntermediateDirectories: true)
            try Data("outside\n".utf8).write(to: URL(fileURLWithPath: "\(path)/outside"))
        }

        deinit { try? FileManager.default.removeItem(atPath: path) }

        enum Entry {
            case directory(String)
            case file(String, String)
            case symlink(String, String)
        }

        func apply(_ entries: [Entry], compression: TarWriter.Compression = .none) throws {
            let layer = "\(path)/layer-\(UUID().uuidString)"
            let writer = try TarWriter(path: layer, compression: compression)
            for entry in entries {
                switch entry {
                case .directory(let name): try writer.addDirectory(name, metadata: EntryMetadata(permissions: 0o755))
                case .file(let name, let text): try writer.addFile(name, metadata: EntryMetadata(permissions: 0o644), contents: Array(text.utf8))
                case .symlink(let name, let target): try writer.addSymlink(name, target: target, metadata: EntryMetadata(permissions: 0o777))
                }
            }
            try writer.finish()
            let extractor = try SafeExtractor(rootPath: tree)
            try LayerApplier(extractor: extractor).apply(try ArchiveReader(path: layer))
        }

        /// Every path below the root, sorted (`dir/` for directories, `name -> target` for links).
        func listing() throws -> [String] {
            let manager = FileManager.default
            return try (manager.subpathsOfDirectory(atPath: tree)).sorted().map { path in
                let full = "\(tree)/\(path)"
                if let target = try? manager.destinationOfSymbolicLink(atPath: full) { return "\(path) -> \(target)" }
                var isDirectory: ObjCBool = false
                _ = manager.fileExists(atPath: full, isDirectory: &isDirectory)
                return isDirectory.boolValue ? "\(path)/" : path
            }
        }
    }

    @Test func whiteoutsRemoveWhatLowerLayersWrote() throws {
        let root = try Root()
        try root.apply([.directory("a"), .file("a/keep", "1"), .file("a/gone", "2"), .directory("a/dir"), .file("a/dir/x", "3")],
                       compression: .gzip())
        try root.apply([.file("a/.wh.gone", ""), .file("a/.wh.dir", ""), .file("a/new", "4")], compression: .zstd())
        #expect(try root.listing() == ["a/", "a/keep", "a/new"])
    }

    @Test func anOpaqueDirectoryKeepsOnlyItsOwnLayersEntries() throws {
        let root = try Root()
        try root.apply([.directory("o"), .file("o/old", "1"), .directory("o/sub"), .file("o/sub/old", "2"), .file("top", "t")])
        // This layer's own files come before and after the marker, one in a subdirectory the
        // lower layer also had: only what this layer wrote survives, wherever it sits.
        try root.apply([.file("o/sub/new", "3"), .file("o/.wh..wh..opq", ""), .file("o/after", "4")])
        #expect(try root.listing() == ["o/", "o/after", "o/sub/", "o/sub/new", "top"])
    }

    @Test func anOpaqueRootEmptiesEverythingBelow() throws {
        let root = try Root()
        try root.apply([.file("a", "1"), .directory("d"), .file("d/b", "2")])
        try root.apply([.file(".wh..wh..opq", ""), .file("c", "3")])
        #expect(try root.listing() == ["c"])
    }

    @Test func laterLayersReplaceFilesDirectoriesAndLinks() throws {
        let root = try Root()
        try root.apply([.file("x", "old"), .directory("d"), .file("d/f", "1"), .symlink("l", "x")])
        try root.apply([.directory("x"), .file("d", "now a file"), .file("l", "now a file too")])
        #expect(try root.listing() == ["d", "l", "x/"])
        #expect(try String(contentsOfFile: "\(root.tree)/d", encoding: .utf8) == "now a file")
    }

    @Test func whiteoutsCannotReachOutsideTheRoot() throws {
        let root = try Root()
        try root.apply([.symlink("escape", "/"), .symlink("up", "../..")])
        // Through an absolute link, a whiteout resolves inside the root (as the link would in
        // the env); through a relative link that climbs out, and with `..`, it is refused.
        try root.apply([.file("escape/.wh.outside", "")])
        #expect(throws: ArchiveError.self) { try root.apply([.file("up/.wh.outside", "")]) }
        #expect(throws: ArchiveError.self) { try root.apply([.file("../.wh.outside", "")]) }
        #expect(FileManager.default.fileExists(atPath: "\(root.path)/outside"))
    }

    @Test func aufsBookkeepingIsIgnored() throws {
        let root = try Root()
        try root.apply([.file("keep", "1")])
        try root.apply([.directory(".wh..wh.plnk"), .file(".wh..wh.plnk/123.456", "x"), .file(".wh..wh.aufs", "")])
        #expect(try root.listing() == ["keep"])
    }
}
