/// One line of a user namespace's `uid_map`/`gid_map`: `count` ids starting at `inside`
/// in the namespace are `outside` ... on the host.
public struct IDMapEntry: Sendable, Hashable, CustomStringConvertible {
    public var inside: UInt32
    public var outside: UInt32
    public var count: UInt32

    public init(inside: UInt32, outside: UInt32, count: UInt32) {
        self.inside = inside
        self.outside = outside
        self.count = count
    }

    public var description: String { "\(inside) \(outside) \(count)" }
}

/// How the ids of an env relate to the host's.
///
/// den uses one mapping for building and for entering, so files in a layer keep the owners
/// they were unpacked with and nothing is ever chowned at entry (podman's keep-id copy-up).
public enum IDMap: Sendable, Hashable {
    /// ids 0..<65536 inside come from a subordinate range, except the user's own id,
    /// which is mapped to itself so files made inside the project belong to the user.
    case subordinate([IDMapEntry])
    /// Only the user's own id is mapped (no subordinate ranges); it appears as itself inside,
    /// or as root when the env is entered with `--root`.
    case single(inside: UInt32, outside: UInt32)

    /// Number of ids an env's tree may use: a Debian system needs 0..65535 (nobody is 65534).
    public static let envIDCount: UInt32 = 65536

    /// The full mapping for the user `id`, if `ranges` hold enough ids for it.
    public static func subordinate(id: UInt32, ranges: [SubordinateIDRange]) -> IDMap? {
        // Inside ids other than the user's own need a host id each.
        let needed: UInt32 = id < envIDCount ? envIDCount - 1 : envIDCount
        var entries: [IDMapEntry] = []
        var pending: [(inside: UInt32, count: UInt32)] = []
        if id < envIDCount {
            if id > 0 { pending.append((inside: 0, count: id)) }
            if id + 1 < envIDCount { pending.append((inside: id + 1, count: envIDCount - id - 1)) }
        } else {
            pending.append((inside: 0, count: envIDCount))
        }
        guard ranges.reduce(UInt64(0), { $0 + UInt64($1.count) }) >= UInt64(needed) else { return nil }
        // Fill the inside spans from the ranges in order; a span may straddle two ranges.
        var rangeIndex = 0
        var used: UInt32 = 0
        while !pending.isEmpty {
            guard rangeIndex < ranges.count else { return nil }
            let range = ranges[rangeIndex]
            let available = range.count - used
            var span = pending.removeFirst()
            let take = min(available, span.count)
            entries.append(IDMapEntry(inside: span.inside, outside: range.start + used, count: take))
            used += take
            if take < span.count {
                span.inside += take
                span.count -= take
                pending.insert(span, at: 0)
            }
            if used == range.count {
                rangeIndex += 1
                used = 0
            }
        }
        entries.append(IDMapEntry(inside: id, outside: id, count: 1))
        entries.sort { $0.inside < $1.inside }
        return .subordinate(entries)
    }

    public var entries: [IDMapEntry] {
        switch self {
        case .subordinate(let entries): entries
        case .single(let inside, let outside): [IDMapEntry(inside: inside, outside: outside, count: 1)]
        }
    }

    /// The host id that `inside` maps to, or nil when it is not mapped.
    public func hostID(for inside: UInt32) -> UInt32? {
        for entry in entries where inside >= entry.inside && inside - entry.inside < entry.count {
            return entry.outside + (inside - entry.inside)
        }
        return nil
    }
}
