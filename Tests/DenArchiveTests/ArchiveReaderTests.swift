import DenArchive
import Foundation
import Glibc
import Testing

@Suite("ArchiveReader")
struct ArchiveReaderTests {
    init() { _ = localeReady }

    @Test("listing matches GNU tar's", arguments: [
        "gnu.tar", "pax.tar", "gnu.tar.gz", "gnu.tar.xz", "gnu.tar.zst", "gnu.tar.bz2", "gnu.tar.lz4",
        "hostile/devices.tar", "hostile/setid.tar", "hostile/hardlink-valid.tar", "hostile/deep-path.tar",
        "hostile/replace.tar", "hostile/sparse-bomb.tar.gz", "hostile/absolute-path.tar",
    ])
    func listingMatchesTar(fixture: String) throws {
        let path = try Fixture.path(fixture)
        let oracle = try TarListingRow.oracle(path)
        let ours = try TarListingRow.listing(of: ArchiveReader(path: path))
        #expect(!oracle.isEmpty)
        #expect(ours == oracle)
    }

    @Test func readsEntryFieldsOfAGNUTarball() throws {
        let entries = try readEverything(ArchiveReader(path: Fixture.path("gnu.tar")))
        let byPath = Dictionary(entries.map { ($0.0.path, $0) }, uniquingKeysWith: { first, _ in first })

        let file = try #require(byPath["./dir/file.txt"])
        #expect(file.0 == ArchiveEntry(
            path: "./dir/file.txt", kind: .file, permissions: 0o644, uid: 1234, gid: 50,
            userName: "alice", groupName: "staff", size: 6,
            modificationTime: ArchiveTimestamp(seconds: 1_700_001_007)))
        #expect(file.1 == Array("hello\n".utf8))

        let hard = try #require(byPath["./dir/hard"])
        #expect(hard.0.kind == .hardlink)
        #expect(hard.0.hardlinkTarget == "./dir/file.txt")
        #expect(hard.1.isEmpty)

        let link = try #require(byPath["./dir/link"])
        #expect(link.0.kind == .symlink)
        #expect(link.0.symlinkTarget == "file.txt")

        #expect(byPath["./dir/setuid-bin"]?.0.permissions == 0o4755)
        #expect(byPath["./sticky/"]?.0.permissions == 0o1777)
        #expect(byPath["./sticky/data.bin"]?.1 == Array((0..<40).flatMap { _ in (0...255).map(UInt8.init) }))
        #expect(byPath["./dir/caf\u{e9} \u{2615}.txt"]?.1 == Array("unicode \u{2615}\n".utf8))
        #expect(byPath["./dir/" + String(repeating: "long-name-", count: 15) + ".txt"]?.1 == Array("long\n".utf8))
    }

    @Test func readsDeviceNumbers() throws {
        let reader = try ArchiveReader(path: Fixture.path("hostile/devices.tar"))
        let entries = try TarListingRow.listing(of: reader)
        #expect(entries.count == 4)
        let again = try ArchiveReader(path: Fixture.path("hostile/devices.tar"))
        #expect(try again.next()?.device == DeviceNumber(major: 1, minor: 3))
        #expect(try again.next()?.device == DeviceNumber(major: 8, minor: 0))
        let fifo = try #require(try again.next())
        #expect(fifo.kind == .fifo && fifo.device == nil)
    }

    @Test func readChunkAndReadBlocksAgree() throws {
        let expected = Array((0..<40).flatMap { _ in (0...255).map(UInt8.init) })
        let byChunks = try ArchiveReader(path: Fixture.path("gnu.tar.zst"))
        while let entry = try byChunks.next(), entry.path != "./sticky/data.bin" {}
        var collected: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 777)
        while true {
            let count = try buffer.withUnsafeMutableBytes { try byChunks.readChunk(into: $0) }
            if count == 0 { break }
            collected += buffer.prefix(count)
        }
        #expect(collected == expected)

        let byBlocks = try ArchiveReader(path: Fixture.path("gnu.tar.xz"))
        while let entry = try byBlocks.next(), entry.path != "./sticky/data.bin" {}
        var blocks: [UInt8] = []
        try byBlocks.readBlocks { block, offset in
            #expect(Int(offset) == blocks.count)
            blocks += block
        }
        #expect(blocks == expected)
    }

    @Test func skippingDataLandsOnTheNextHeader() throws {
        let reader = try ArchiveReader(path: Fixture.path("gnu.tar.gz"))
        var paths: [String] = []
        while let entry = try reader.next() {
            paths.append(entry.path)
            if entry.path == "./sticky/data.bin" { try reader.skipData() }
        }
        #expect(paths == (try TarListingRow.oracle(Fixture.path("gnu.tar"))).map { $0.name.components(separatedBy: " -> ")[0].components(separatedBy: " link to ")[0] })
    }

    @Test func readAllRefusesMoreThanItsLimit() throws {
        let reader = try ArchiveReader(path: Fixture.path("gnu.tar"))
        while let entry = try reader.next(), entry.path != "./sticky/data.bin" {}
        #expect(throws: ArchiveError.byteLimitExceeded(limit: 100, entry: "./sticky/data.bin")) {
            try reader.readAll(limit: 100)
        }
    }

    @Test func opensMemoryAndDescriptorsLikeFiles() throws {
        let path = try Fixture.path("gnu.tar.bz2")
        let expected = try TarListingRow.listing(of: ArchiveReader(path: path))
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(try TarListingRow.listing(of: ArchiveReader(bytes: bytes)) == expected)
        let fd = open(path, O_RDONLY)
        defer { close(fd) }
        #expect(try TarListingRow.listing(of: ArchiveReader(fileDescriptor: fd)) == expected)
    }

    @Test func missingFileIsASystemError() {
        #expect(throws: ArchiveError.system(operation: .open, path: "/nonexistent/den.tar", errno: ENOENT)) {
            try ArchiveReader(path: "/nonexistent/den.tar")
        }
    }

    @Test func onlyRegisteredFormatsAreRecognised() throws {
        // An ar archive read as tar only.
        let path = try Fixture.path("deb/version-3.deb")
        let error = try #require(throws: ArchiveError.self) { try ArchiveReader(path: path, formats: .tar) }
        guard case .library(.open, _, _, nil) = error else {
            Issue.record("unexpected \(error)")
            return
        }
        let asAr = try ArchiveReader(path: path, formats: .ar, filters: [])
        #expect(try asAr.next()?.path == "debian-binary")
    }

    @Test("damaged input gives a typed error", arguments: [
        // libarchive reads the first header while opening, to recognise the format.
        ("hostile/garbage.bin", LibraryOperation.open, nil as String?),
        ("hostile/garbage.gz", .open, nil),
        ("hostile/truncated-header.tar", .readHeader, nil),
        ("hostile/truncated-data.tar", .readData, "noise.bin"),
        ("hostile/truncated-data.tar.gz", .readData, "noise.bin"),
    ])
    func damagedInput(fixture: String, operation: LibraryOperation, entry: String?) throws {
        let path = try Fixture.path(fixture)
        let error = try #require(throws: ArchiveError.self) {
            let reader = try ArchiveReader(path: path)
            while try reader.next() != nil {
                _ = try reader.readAll(limit: 1 << 20)
            }
        }
        guard case let .library(actualOperation, message, _, actualEntry) = error else {
            Issue.record("expected a libarchive error, got \(error)")
            return
        }
        #expect(actualOperation == operation)
        #expect(actualEntry == entry)
        #expect(message != nil)
        #expect(error.description.hasPrefix("libarchive failed to"))
    }

    @Test func nonUTF8NameIsRefusedWithItsBytes() throws {
        let reader = try ArchiveReader(path: Fixture.path("hostile/non-utf8-name.tar"))
        #expect(throws: ArchiveError.invalidPathEncoding(bytes: Array("caf".utf8) + [0xe9] + Array(".txt".utf8))) {
            try reader.next()
        }
    }

    @Test func sparseEntryReportsItsLogicalSize() throws {
        let reader = try ArchiveReader(path: Fixture.path("hostile/sparse-bomb.tar.gz"))
        let entry = try #require(try reader.next())
        #expect(entry.kind == .file)
        #expect(entry.size == 10 << 30)
        // The data blocks cover none of it: the file is one hole.
        var blockBytes = 0
        try reader.readBlocks { block, _ in blockBytes += block.count }
        #expect(blockBytes == 0)
    }

    @Test func nestedReaderStreamsAMemberAndNoticesWhenItsParentMoves() throws {
        let scratch = try Scratch()
        let inner = scratch.path + "/inner.tar"
        let writer = try TarWriter(path: inner, compression: .none)
        try writer.addFile("hello.txt", metadata: EntryMetadata(permissions: 0o644), contents: Array("hi\n".utf8))
        // Bigger than what the nested reader pulls at once, so reading it needs the parent again.
        var generator = SystemRandomNumberGenerator()
        let noise = (0..<300_000).map { _ in UInt8.random(in: 0...255, using: &generator) }
        try writer.addFile("noise.bin", metadata: EntryMetadata(permissions: 0o600), contents: noise)
        try writer.finish()
        let outerPath = scratch.path + "/outer.tar"
        let outerWriter = try TarWriter(path: outerPath, compression: .none)
        try outerWriter.addFile("readme", metadata: EntryMetadata(permissions: 0o644), contents: Array("x".utf8))
        try outerWriter.addFile("inner.tar", metadata: EntryMetadata(permissions: 0o644),
                                contents: Array(try Data(contentsOf: URL(fileURLWithPath: inner))))
        try outerWriter.finish()

        let outer = try ArchiveReader(path: outerPath, formats: .tar, filters: [])
        #expect(try outer.next()?.path == "readme")
        #expect(try outer.next()?.path == "inner.tar")
        let nested = try ArchiveReader(currentEntryOf: outer, formats: .tar, filters: [])
        let first = try #require(try nested.next())
        #expect(first.path == "hello.txt")
        #expect(try nested.readAll(limit: 100) == Array("hi\n".utf8))

        #expect(try outer.next() == nil)
        let error = try #require(throws: ArchiveError.self) {
            while try nested.next() != nil { _ = try nested.readAll(limit: 1 << 20) }
        }
        #expect(error == .parentEntryChanged(entry: "inner.tar"))

        // Read while the parent stays put, the same member streams through whole.
        let again = try ArchiveReader(path: outerPath, formats: .tar, filters: [])
        _ = try again.next()
        _ = try again.next()
        let streamed = try readEverything(ArchiveReader(currentEntryOf: again), limit: 1 << 20)
        #expect(streamed.map(\.0.path) == ["hello.txt", "noise.bin"])
        #expect(streamed.last?.1 == noise)
    }
}
