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
    public static func ranges(in text: String, userName: String, id: UInt32) -> [SubordinateIDRange] {
        var result: [SubordinateIDRange] = []
        for line in text.split(whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            let trimmed = line.drop(while: { $0 == " " || $0 == "\t" })
            guard !trimmed.hasPrefix("#") else { continue }
            let fields = trimmed.split(separator: ":", omittingEmptySubsequences: false)
            guard fields.count == 3,
                  fields[0] == Substring(userName) || fields[0] == Substring(String(id)),
                  let start = UInt32(fields[1]), let count = UInt32(fields[2]), count > 0,
                  UInt64(start) + UInt64(count) <= UInt64(UInt32.max)
            else { continue }
            result.append(SubordinateIDRange(start: start, count: count))
        }
        return result
    }
}
