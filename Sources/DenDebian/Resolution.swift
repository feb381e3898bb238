/// The exact set of binary packages to install into an empty root, in name order, each with the
/// reason it is there (so a caller can explain what changed between two resolutions).
public struct Resolution: Sendable, Hashable {
    public enum Reason: Sendable, Hashable {
        /// Named in the request.
        case requested
        /// Part of the base set: `Priority: required`, `Essential: yes`, or apt.
        case required
        /// Needed by a `Depends` or `Pre-Depends` of the named package.
        case dependency(of: String)
        /// Named by a `Recommends` of the named package (only when recommends are installed).
        case recommendation(of: String)
    }

    public struct Entry: Sendable, Hashable {
        public var package: BinaryPackage
        public var reason: Reason

        public init(package: BinaryPackage, reason: Reason) {
            self.package = package
            self.reason = reason
        }
    }

    /// Sorted by package name, then architecture.
    public var entries: [Entry]

    public init(entries: [Entry]) {
        self.entries = entries
    }

    public var packages: [BinaryPackage] { entries.map(\.package) }

    public var names: [String] { entries.map(\.package.name) }

    /// The entry for `name` (of any architecture: the first in order).
    public subscript(name: String) -> Entry? {
        entries.first { $0.package.name == name }
    }
}

extension Resolution.Reason: CustomStringConvertible {
    public var description: String {
        switch self {
        case .requested: "requested"
        case .required: "required"
        case .dependency(let name): "dependency of \(name)"
        case .recommendation(let name): "recommended by \(name)"
        }
    }
}
