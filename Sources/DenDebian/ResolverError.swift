/// Why a set of packages cannot be resolved.
public enum ResolverError: Error, Sendable, Hashable {
    /// A requested package that no index has, neither as a package nor as a `Provides`, with the
    /// closest existing name when one is near enough to be a likely typo.
    case unknownPackage(String, suggestion: String?)
    /// A pinned version that does not exist; `available` is highest first.
    case versionNotFound(String, version: DebianVersion, available: [DebianVersion])
    /// A request naming a virtual package that several packages provide, so the choice is the
    /// user's (apt refuses the same way).
    case virtualPackage(String, providers: [String])
    /// No candidate satisfies `dependency`, an or-group of the last package in `chain`. `chain`
    /// runs from the requested or required package down to that package; it is empty when the
    /// request itself cannot be met. `rejections` says why each candidate was turned down.
    case unsatisfiable(chain: [String], dependency: [Relation], rejections: [Rejection])
    /// The backtracking search tried this many candidates without settling; only pathological
    /// indexes get here.
    case searchLimitExceeded(Int)

    /// A package version named in a message.
    public struct Candidate: Sendable, Hashable {
        public var name: String
        public var version: DebianVersion
        /// Set only for a foreign architecture.
        public var architecture: String?

        public init(name: String, version: DebianVersion, architecture: String? = nil) {
            self.name = name
            self.version = version
            self.architecture = architecture
        }
    }

    public enum NegativeField: String, Sendable, Hashable {
        case conflicts, breaks
    }

    public enum Rejection: Sendable, Hashable {
        /// Neither a package nor a `Provides` of that name exists.
        case notFound(String)
        /// The package exists but none of its versions (highest first) meets the constraint.
        case versionMismatch(String, available: [DebianVersion], constraint: VersionConstraint)
        /// Only providers exist, and none provides a version meeting the constraint.
        case noMatchingProvides(String, providers: [String], constraint: VersionConstraint)
        /// The candidate is for another architecture, or `:any` was asked of a package that is
        /// not `Multi-Arch: allowed`.
        case architectureMismatch(Candidate, multiArch: BinaryPackage.MultiArch, qualifier: Relation.ArchitectureQualifier?)
        /// Another version (or architecture) of the same package is already in the set.
        case otherVersionChosen(Candidate, chosen: Candidate)
        /// The candidate and a package already in the set exclude each other; `declaredByCandidate`
        /// tells whose field says so.
        case conflict(Candidate, with: Candidate, field: NegativeField, declaredByCandidate: Bool)
    }
}
