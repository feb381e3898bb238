/// The small pieces of OpenPGP ASCII armour (RFC 4880 §6) the clear-signed parser needs.
enum Base64 {
    /// Strict decoding: standard alphabet, length a multiple of four, `=` only as final padding.
    static func decode(_ input: [UInt8]) -> [UInt8]? {
        guard input.count % 4 == 0 else { return nil }
        var output: [UInt8] = []
        output.reserveCapacity(input.count / 4 * 3)
        var index = 0
        while index < input.count {
            let isLast = index + 4 == input.count
            var quad: UInt32 = 0
            var padding = 0
            for k in 0..<4 {
                let c = input[index + k]
                if c == ASCII.equal {
                    // Padding may only fill the last one or two places of the final quantum.
                    guard isLast, k >= 2 else { return nil }
                    padding += 1
                    quad <<= 6
                    continue
                }
                guard padding == 0, let value = value(of: c) else { return nil }
                quad = quad << 6 | UInt32(value)
            }
            output.append(UInt8(truncatingIfNeeded: quad >> 16))
            if padding < 2 { output.append(UInt8(truncatingIfNeeded: quad >> 8)) }
            if padding < 1 { output.append(UInt8(truncatingIfNeeded: quad)) }
            index += 4
        }
        return output
    }

    static func isAlphabet(_ c: UInt8) -> Bool { value(of: c) != nil || c == ASCII.equal }

    private static func value(of c: UInt8) -> UInt8? {
        switch c {
        case 0x41...0x5A: c - 0x41
        case 0x61...0x7A: c - 0x61 + 26
        case 0x30...0x39: c - 0x30 + 52
        case ASCII.plus: 62
        case 0x2F: 63
        default: nil
        }
    }
}

enum CRC24 {
    /// RFC 4880 §6.1.
    static func checksum(_ data: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xB7_04CE
        for byte in data {
            crc ^= UInt32(byte) << 16
            for _ in 0..<8 {
                crc <<= 1
                if crc & 0x100_0000 != 0 {
                    crc ^= 0x186_4CFB
                }
            }
        }
        return crc & 0xFF_FFFF
    }
}
