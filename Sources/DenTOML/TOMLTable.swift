/// A TOML table: keys in document order, each with its position and value.
///
/// Lookups scan the entries: tables in manifests and lockfiles are small, and a stored index
/// could fall out of step with `entries`, which callers may edit directly.
public struct TOMLTable: Sendable {
    public struct Entry: Sendable, Equatable {
        public var key: String
        public var keyPosition: TOMLPosition
        public var node: TOMLNode

        public init(key: String, keyPosition: TOMLPosition = .unknown, node: TOMLNode) {
            self.key = key
            self.keyPosition = keyPosition
            self.node = node
        }
    }

    /// Entries in document order (for a parsed table) or insertion order (for a built one).
    public var entries: [Entry]

    public init() {
        entries = []
    }

    public init(entries: [Entry]) {
        self.entries = entries
    }

    /// The entry whose key has exactly these Unicode scalars (TOML does not normalise keys).
    public subscript(key: String) -> Entry? {
        entries.first { $0.key.utf8.elementsEqual(key.utf8) }
    }

    public var keys: [String] { entries.map(\.key) }
    public var count: Int { entries.count }
    public var isEmpty: Bool { entries.isEmpty }

    /// Replaces the value of `key` in place (keeping its position in the order), or appends it.
    public mutating func set(_ key: String, _ value: TOMLValue) {
        if let index = entries.firstIndex(where: { $0.key.utf8.elementsEqual(key.utf8) }) {
            entries[index].node.value = value
        } else {
            entries.append(Entry(key: key, node: TOMLNode(value)))
        }
    }

    /// Removes `key` and returns its entry, if it was present.
    @discardableResult
    public mutating func remove(_ key: String) -> Entry? {
        guard let index = entries.firstIndex(where: { $0.key.utf8.elementsEqual(key.utf8) }) else { return nil }
        return entries.remove(at: index)
    }
}

extension TOMLTable: Equatable {
    /// Tables are equal when they hold the same keys with equal values, in any order.
    public static func == (lhs: TOMLTable, rhs: TOMLTable) -> Bool {
        guard lhs.entries.count == rhs.entries.count else { return false }
        var rhsValues: [ExactKey: TOMLValue] = [:]
        for entry in rhs.entries where rhsValues[ExactKey(entry.key)] == nil {
            rhsValues[ExactKey(entry.key)] = entry.node.value
        }
        return lhs.entries.allSatisfy { entry in
            rhsValues[ExactKey(entry.key)].map { $0 == entry.node.value } ?? false
        }
    }
}
