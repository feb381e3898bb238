/// A dependency field such as `Depends`: an and-list of groups, each group an or-list of
/// alternatives (`a | b (>= 1), c` is `[[a, b (>= 1)], [c]]`).
public struct RelationList: Sendable, Hashable, RandomAccessCollection {
    public var groups: [[Relation]]

    public init(_ groups: [[Relation]] = []) {
        self.groups = groups
    }

    /// Parses a field value; whitespace (including the newlines of a folded field) may appear
    /// between any two tokens, and an empty or blank value is an empty list.
    public init(_ text: String) throws(DebianError) {
        groups = try withBytes(of: text) { bytes throws(DebianError) in
            try RelationParser.parseList(bytes, allowsAlternatives: true)
        }
    }

    public var startIndex: Int { groups.startIndex }
    public var endIndex: Int { groups.endIndex }
    public subscript(position: Int) -> [Relation] { groups[position] }
}

extension RelationList: CustomStringConvertible {
    public var description: String {
        groups.map { $0.map(\.description).joined(separator: " | ") }.joined(separator: ", ")
    }
}
