import DenFetch
import Foundation
import Testing

@Suite("SHA256")
struct SHA256Tests {
    /// Lengths around the 55/56/64-byte padding boundaries and a few multi-block sizes.
    @Test(arguments: [0, 1, 3, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 1_000, 65_537, 1_000_003])
    func matchesSha256sum(_ length: Int) throws {
        let directory = try TemporaryDirectory()
        let bytes = randomBytes(length)
        let path = directory.path("input")
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        #expect(SHA256.hash(bytes) == (try sha256sum(path)))
    }

    @Test(arguments: [1, 7, 63, 64, 65, 1_000])
    func streamingInPiecesMatchesOneShot(_ pieceSize: Int) {
        let bytes = randomBytes(10_000)
        var hasher = SHA256()
        var offset = 0
        while offset < bytes.count {
            let end = min(offset + pieceSize, bytes.count)
            hasher.update(Array(bytes[offset..<end]))
            offset = end
        }
        #expect(hasher.finalize() == SHA256.hash(bytes))
    }

    @Test func finalizeLeavesTheHasherUsable() {
        var hasher = SHA256()
        hasher.update(Array("ab".utf8))
        _ = hasher.finalize()
        hasher.update(Array("c".utf8))
        #expect(hasher.finalize() == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }
}

@Suite struct MD5Tests {
    /// RFC 1321's test suite, plus sizes around the block boundary checked against md5sum.
    @Test func matchesTheRFCAndMd5sum() throws {
        #expect(MD5.hash([]) == "d41d8cd98f00b204e9800998ecf8427e")
        #expect(MD5.hash(Array("abc".utf8)) == "900150983cd24fb0d6963f7d28e17f72")
        #expect(MD5.hash(Array("message digest".utf8)) == "f96b697d7cb7938d525a2f31aaf161d0")
        #expect(MD5.hash(Array(String(repeating: "1234567890", count: 8).utf8)) == "57edf4a22be3c955ac49da2e2107b67a")
        for size in [55, 56, 63, 64, 65, 1000] {
            let bytes = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 7) }
            let directory = try TemporaryDirectory()
            let path = directory.path("input")
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            let oracle = try digestTool("md5sum", path, length: 32)
            #expect(MD5.hash(bytes) == oracle, "size \(size)")
            var split = MD5()
            split.update(Array(bytes.prefix(size / 3)))
            split.update(Array(bytes.dropFirst(size / 3)))
            #expect(split.finalize() == oracle)
        }
    }
}
