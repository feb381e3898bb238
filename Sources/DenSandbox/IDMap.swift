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
    ///
    /// Inside id `i` maps to the `i`-th id of the ranges taken in order, exactly as
    /// `mmdebstrap --mode=unshare` and `unshare --map-users` lay a tree out, except the
    /// user's own id, which maps to itself (its slot in the ranges stays unused). So a tree
    /// made by those tools enters with every owner in place.
    public static func subordinate(id: UInt32, ranges: [SubordinateIDRange]) -> IDMap? {
        guard ranges.reduce(UInt64(0), { $0 + UInt64($1.count) }) >= UInt64(envIDCount) else { return nil }
        // The inside spans that come from the ranges, and where each starts among them.
        var pending: [(inside: UInt32, count: UInt32)] = []
        if id < envIDCount {
            if id > 0 { pending.append((inside: 0, count: id)) }
            if id + 1 < envIDCount { pending.append((inside: id + 1, count: envIDCount - id - 1)) }
        } else {
            pending.append((inside: 0, count: envIDCount))
        }
        var entries: [IDMapEntry] = []
        for span in pending {
            // Walk the ranges to the span's offset, then take ids, crossing into the next
            // range when one runs out.
            var offset = UInt64(span.inside)
            var remaining = span.count
            var inside = span.inside
            for range in ranges where remaining > 0 {
                if offset >= UInt64(range.count) {
                    offset -= UInt64(range.count)
                    continue
                }
                let take = min(remaining, range.count - UInt32(offset))
                entries.append(IDMapEntry(inside: inside, outside: range.start + UInt32(offset), count: take))
                inside += take
                remaining -= take
                offset = 0
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
