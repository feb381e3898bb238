import CNettle

/// Streaming SHA-256 (FIPS 180-4), so a download is hashed as it arrives instead of being read
/// back from disk. Nettle's, which den links anyway (libarchive needs it): it uses the CPU's
/// SHA instructions, three times the speed of the Swift implementation den had, and every
/// download and every layer's tree digest goes through it.
public struct SHA256: @unchecked Sendable {
    // Unchecked: a plain C struct of integers and bytes, copied with the value.
    private var context = sha256_ctx()

    public init() {
        nettle_sha256_init(&context)
    }

    /// The lowercase hex digest of `bytes`.
    public static func hash(_ bytes: some Sequence<UInt8>) -> String {
        var hasher = SHA256()
        hasher.update(Array(bytes))
        return hasher.finalize()
    }

    public mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        nettle_sha256_update(&context, bytes.count, base.assumingMemoryBound(to: UInt8.self))
    }

    /// The lowercase hex digest of everything passed to `update` so far. The hasher itself is
    /// left as it was, so a caller may keep feeding it.
    public func finalize() -> String {
        var copy = context
        var digest = [UInt8](repeating: 0, count: 32)
        digest.withUnsafeMutableBufferPointer { nettle_sha256_digest(&copy, 32, $0.baseAddress) }
        let digits = Array("0123456789abcdef".utf8)
        var hex = [UInt8]()
        hex.reserveCapacity(64)
        for byte in digest {
            hex.append(digits[Int(byte >> 4)])
            hex.append(digits[Int(byte & 0xf)])
        }
        return String(decoding: hex, as: UTF8.self)
    }
}
