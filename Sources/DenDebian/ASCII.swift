#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The parsers work on UTF-8 bytes: every token that matters in these formats is ASCII, and
/// skipping `String`'s grapheme machinery is what makes a 50 MB Packages index parse in well
/// under a second.
typealias Bytes = UnsafeBufferPointer<UInt8>

enum ASCII {
    static let tab: UInt8 = 0x09
    static let newline: UInt8 = 0x0A
    static let carriageReturn: UInt8 = 0x0D
    static let space: UInt8 = 0x20
    static let exclamation: UInt8 = 0x21
    static let hash: UInt8 = 0x23
    static let openParen: UInt8 = 0x28
    static let closeParen: UInt8 = 0x29
    static let plus: UInt8 = 0x2B
    static let comma: UInt8 = 0x2C
    static let hyphen: UInt8 = 0x2D
    static let dot: UInt8 = 0x2E
    static let zero: UInt8 = 0x30
    static let colon: UInt8 = 0x3A
    static let less: UInt8 = 0x3C
    static let equal: UInt8 = 0x3D
    static let greater: UInt8 = 0x3E
    static let openBracket: UInt8 = 0x5B
    static let closeBracket: UInt8 = 0x5D
    static let underscore: UInt8 = 0x5F
    static let pipe: UInt8 = 0x7C
    static let tilde: UInt8 = 0x7E

    @inline(__always) static func isDigit(_ c: UInt8) -> Bool { c &- 0x30 < 10 }
    @inline(__always) static func isAlpha(_ c: UInt8) -> Bool { (c | 0x20) &- 0x61 < 26 }
    @inline(__always) static func isAlphanumeric(_ c: UInt8) -> Bool { isDigit(c) || isAlpha(c) }
    /// dpkg's `c_isblank`: the only separators allowed around a version.
    @inline(__always) static func isBlank(_ c: UInt8) -> Bool { c == space || c == tab }
    /// Whitespace between relation tokens; folded fields bring newlines with them.
    @inline(__always) static func isWhitespace(_ c: UInt8) -> Bool {
        c == space || c == tab || c == newline || c == carriageReturn
    }
    @inline(__always) static func isHexDigit(_ c: UInt8) -> Bool { isDigit(c) || (c | 0x20) &- 0x61 < 6 }
    @inline(__always) static func lowercased(_ c: UInt8) -> UInt8 { c &- 0x41 < 26 ? c | 0x20 : c }

    /// Case-insensitive match of `bytes[start..<end]` against a lowercase ASCII literal.
    @inline(__always)
    static func equalsLowercase(_ bytes: Bytes, _ start: Int, _ end: Int, _ literal: StaticString) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard end - start == count else { return false }
        let pointer = literal.utf8Start
        for k in 0..<count where lowercased(bytes[start + k]) != pointer[k] {
            return false
        }
        return true
    }

    static func equalsIgnoringCase(_ a: Bytes, _ b: Bytes) -> Bool {
        guard a.count == b.count else { return false }
        for k in 0..<a.count where lowercased(a[k]) != lowercased(b[k]) {
            return false
        }
        return true
    }
}

extension UnsafeBufferPointer where Element == UInt8 {
    @inline(__always) func string(_ start: Int, _ end: Int) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: self[start..<end]), as: UTF8.self)
    }

    @inline(__always) func slice(_ start: Int, _ end: Int) -> Bytes {
        UnsafeBufferPointer(rebasing: self[start..<end])
    }

    /// The first `byte` in `start..<end`, found with `memchr` because newline scanning is the
    /// inner loop of every parser here.
    @inline(__always) func firstIndex(of byte: UInt8, from start: Int, to end: Int) -> Int? {
        guard start < end, let base = baseAddress else { return nil }
        guard let found = memchr(base + start, Int32(byte), end - start) else { return nil }
        return base.distance(to: found.assumingMemoryBound(to: UInt8.self))
    }

    func string() -> String { String(decoding: self, as: UTF8.self) }
}

/// Runs `body` over the UTF-8 bytes of `text` without copying native strings. `withUTF8` only
/// rethrows untyped errors, so the typed error travels through a `Result`.
func withBytes<R>(of text: String, _ body: (Bytes) throws(DebianError) -> R) throws(DebianError) -> R {
    var text = text
    let result: Result<R, DebianError> = text.withUTF8 { bytes in
        Result { () throws(DebianError) -> R in try body(bytes) }
    }
    return try result.get()
}

func withBytes<R>(of array: [UInt8], _ body: (Bytes) throws(DebianError) -> R) throws(DebianError) -> R {
    let result: Result<R, DebianError> = array.withUnsafeBufferPointer { bytes in
        Result { () throws(DebianError) -> R in try body(bytes) }
    }
    return try result.get()
}

/// The first character at byte offset `index`, for error messages about non-ASCII input.
func character(in bytes: Bytes, at index: Int) -> Character {
    let end = Swift.min(bytes.count, index + 4)
    return bytes.string(index, end).first ?? "\u{FFFD}"
}
