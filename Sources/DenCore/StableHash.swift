/// FNV-1a (64 bit): a short, stable name for a value (a project path), not a checksum.
/// Content addressing uses SHA-256.
enum StableHash {
    static func hex(_ text: String, length: Int = 8) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        let digits = String(hash, radix: 16)
        let padded = String(repeating: "0", count: max(0, 16 - digits.count)) + digits
        return String(padded.prefix(length))
    }
}
