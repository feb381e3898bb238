/// A value together with where it starts in the source.
///
/// For a `[table]` or `[[array]]` element the position is its header; for a table created
/// implicitly by a dotted key or a header path, the key segment that created it.
/// Equality compares values only: positions say where a value came from, not what it is.
public struct TOMLNode: Sendable, Equatable {
    public var value: TOMLValue
    public var position: TOMLPosition

    public init(_ value: TOMLValue, at position: TOMLPosition = .unknown) {
        self.value = value
        self.position = position
    }

    public static func == (lhs: TOMLNode, rhs: TOMLNode) -> Bool {
        lhs.value == rhs.value
    }
}
