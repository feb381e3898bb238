/// One line of `/etc/subuid` or `/etc/subgid`: a range of host ids the user may map
/// into a user namespace through the setuid `newuidmap`/`newgidmap` helpers.
public struct SubordinateIDRange: Sendable, Hashable {
    public var start: UInt32
    public var count: UInt32

    public init(start: UInt32, count: UInt32) {
        self.start = start
        self.count = count
    }
}

public enum SubordinateIDs {
    /// The ranges that `/etc/subuid`-format `text` grants to the user, matched by name or by
    /// numeric id as shadow-utils does. Malformed lines are skipped, as newuidmap skips them.
    /// Read as bytes: the file is ASCII, and every `den run` reads it before entering.
    public static func ranges(in text: String, userName: String, id: UInt32) -> [SubordinateIDRange] {
        let names = [Array(userName.utf8), Array(String(id).utf8)]
        var result: [SubordinateIDRange] = []
        for line in text.utf8.split(separator: UInt8(ascii: "\n")) {
            var fields = Array(line.drop { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") })
            if fields.last == UInt8(ascii: "\r") { fields.removeLast() }
            guard fields.first != UInt8(ascii: "#") else { continue }
            let parts = fields.split(separator: UInt8(ascii: ":"), omittingEmptySubsequences: false)
            guard parts.count == 3, names.contains(where: { $0.elementsEqual(parts[0]) }),
                  let start = number(parts[1]), let count = number(parts[2]), count > 0,
                  UInt64(start) + UInt64(count) <= UInt64(UInt32.max)
            else { continue }
            result.append(SubordinateIDRange(start: start, count: count))
        }
        return result
    }

    private static func number(_ digits: ArraySlice<UInt8>) -> UInt32? {
        guard !digits.isEmpty, digits.count <= 10 else { return nil }
        var value: UInt64 = 0
        for digit in digits {
            guard digit >= UInt8(ascii: "0"), digit <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + UInt64(digit - UInt8(ascii: "0"))
        }
        return value <= UInt64(UInt32.max) ? UInt32(value) : nil
    }
}
