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
