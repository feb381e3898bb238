/// The parenthesised part of a relation, `(>= 1.2-3)`.
public struct VersionConstraint: Sendable, Hashable {
    public enum Operator: String, Sendable, Hashable, CaseIterable {
        case lessThan = "<<"
        case lessOrEqual = "<="
        case equal = "="
        case greaterOrEqual = ">="
        case greaterThan = ">>"
    }

    public var op: Operator
    public var version: DebianVersion

    public init(_ op: Operator, _ version: DebianVersion) {
        self.op = op
        self.version = version
    }

    /// Whether `candidate` satisfies the constraint, comparing with dpkg's ordering
    /// (`candidate op version`).
    public func isSatisfied(by candidate: DebianVersion) -> Bool {
        let order = DebianVersion.compare(candidate, version)
        switch op {
        case .lessThan: return order < 0
        case .lessOrEqual: return order <= 0
        case .equal: return order == 0
        case .greaterOrEqual: return order >= 0
        case .greaterThan: return order > 0
        }
    }
}

extension VersionConstraint: CustomStringConvertible {
    public var description: String { "(\(op.rawValue) \(version))" }
}
