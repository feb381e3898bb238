/// Computes the exact set of binary packages to install into an empty root, the way apt would
/// choose them, from parsed Packages indexes.
///
/// What is installed: the requested packages, their `Pre-Depends` and `Depends` (and
/// `Recommends` when asked), and with `includesBase` the minbase set that
/// `mmdebstrap --variant=minbase` installs: every `Priority: required` and every
/// `Essential: yes` package, plus apt.
///
/// How it chooses, following apt's `pkgDepCache::MarkInstall`:
/// - Every root (request or base package) is chosen first, then their dependencies are
///   satisfied depth first, roots in name order.
/// - An or-group that something already chosen satisfies is left alone. Otherwise the first
///   alternative that can be satisfied wins: the real package (highest version first), then its
///   providers (Essential first, then native architecture, then higher priority, then the one
///   whose name first appears later in the indexes, as apt's cache order does).
/// - `Conflicts` and `Breaks` in either direction keep a candidate out; so does another version
///   of the same package already chosen.
/// - A candidate whose own dependencies cannot be met is undone and the next one tried.
/// - When a dependency (or, with recommends, a Recommends) cannot be met because of a package
///   chosen earlier among alternatives, the resolution starts over with that package moved last
///   in its group. apt reaches the same set by unmarking the earlier package.
///
/// Deliberate differences from apt, none of which shows on a consistent archive:
/// - apt only ever considers the candidate (highest) version of a package; here a versioned
///   dependency that the highest version fails falls back to the highest version that meets it.
/// - When a candidate's dependencies fail further down, everything chosen for it is undone
///   before the next alternative is tried; apt leaves what it marked on the way. Likewise,
///   where apt unmarks an earlier choice that a later package conflicts with, it keeps what
///   that choice pulled in, while the restart here keeps nothing of it. (On bookworm,
///   `libreoffice` with recommends: apt also installs libgtk2.0-0, picked for openjdk's
///   `libgtk2.0-0 | libgtk-3-0` inside the libreoffice-core-nogui branch it later drops.)
/// - A candidate that conflicts with the chosen set is passed over; apt may instead unmark the
///   chosen package it conflicts with, even when nothing forces it to.
/// - Ties between providers that apt breaks by its cache order are broken by where the names
///   first appear in the indexes, which is how apt numbers them, except that apt also counts
///   mentions in `Suggests` and `Enhances`, which `BinaryPackage` does not keep, and reads the
///   indexes in its sources.list order rather than the order given here.
///
/// Same input, same output: nothing depends on hashing or on the order of the requests.
public struct DependencyResolver: Sendable {
    let universe: PackageUniverse

    /// Indexes the packages of `architecture` and `all` (and of `foreignArchitectures`, for a
    /// multi-arch root). When two indexes carry the same version of a package, the one listed
    /// first is kept.
    public init(indexes: [PackagesIndex], architecture: String, foreignArchitectures: [String] = []) {
        universe = PackageUniverse(indexes: indexes, architecture: architecture, foreignArchitectures: foreignArchitectures)
    }

    public var architecture: String { universe.architecture }

    /// The minbase set by name: every package whose highest version is `Priority: required` or
    /// `Essential: yes`, and apt.
    public var baseNames: [String] {
        var names = Set<String>()
        for slot in universe.slots where slot.architecture == universe.architecture {
            guard let highest = slot.versions.first else { continue }
            let package = universe.package(highest)
            if package.priority == .required || package.isEssential {
                names.insert(package.name)
            }
        }
        names.insert("apt")
        return names.sorted()
    }

    public func resolve(
        _ requests: [InstallRequest], includesBase: Bool = true, installsRecommends: Bool = false
    ) throws(ResolverError) -> Resolution {
        var roots: [Int32: Root] = [:]
        if includesBase {
            for name in baseNames {
                let root = try root(for: InstallRequest(name: name), reason: .required)
                roots[root.slot] = root
            }
        }
        for request in requests {
            let root = try root(for: request, reason: .requested)
            roots[root.slot] = root
        }
        let ordered = roots.values.sorted { a, b in
            let sa = universe.slots[Int(a.slot)]
            let sb = universe.slots[Int(b.slot)]
            return sa.name != sb.name ? sa.name < sb.name : sa.architecture < sb.architecture
        }

        // A dead end caused by an earlier choice among alternatives (the classic case: one
        // dependency picked `foo-nogui | foo`, a later one needs `foo`, which conflicts with
        // `foo-nogui`) is retried with that choice moved last. apt gets there by unmarking the
        // conflicting package; a restart keeps every run a plain depth-first search. The same
        // goes for a Recommends left unmet by such a choice, as long as the retry still succeeds.
        var avoided = Set<Int32>()
        var broken: [Int32: ResolverSearch.Failure] = [:]
        var restarts = 0
        var lastSuccess: Resolution?
        while true {
            let (search, outcome) = try attempt(
                ordered, installsRecommends: installsRecommends, avoided: avoided, broken: broken)
            // What is broken stays broken whatever is avoided.
            broken = search.broken
            switch outcome {
            case nil:
                let fresh = search.recommendsCulprits.filter { !avoided.contains($0) }
                guard !fresh.isEmpty, restarts < Self.restartLimit else { return resolution(of: search) }
                lastSuccess = resolution(of: search)
                avoided.formUnion(fresh)
            case let failure?:
                let fresh = failure.culprits.filter { !avoided.contains($0) }
                guard !fresh.isEmpty, restarts < Self.restartLimit else {
                    if let lastSuccess {
                        return lastSuccess
                    }
                    throw failure.error
                }
                avoided.formUnion(fresh)
            }
            restarts += 1
        }
    }

    /// Each restart avoids at least one more package, so this only bounds pathological input.
    static let restartLimit = 32

    /// One depth-first run; the search comes back with the failure, if any, to keep what it
    /// learned about broken packages.
    private func attempt(
        _ roots: [Root], installsRecommends: Bool, avoided: Set<Int32>, broken: [Int32: ResolverSearch.Failure]
    ) throws(ResolverError) -> (ResolverSearch, ResolverSearch.Failure?) {
        var search = ResolverSearch(
            universe: universe, installsRecommends: installsRecommends, avoided: avoided, broken: broken)
        // Roots are all chosen before any dependency, as apt marks everything on its command
        // line before auto-installing: a dependency that a root satisfies is then left alone.
        var chosen: [Int32] = []
        for root in roots {
            var rejections: [ResolverError.Rejection] = []
            var picked: Int32?
            for version in root.versions {
                if let rejection = search.rejection(of: version) {
                    rejections.append(rejection)
                } else {
                    picked = version
                    break
                }
            }
            guard let picked else {
                throw .unsatisfiable(chain: [], dependency: [root.relation], rejections: rejections)
            }
            search.select(picked, reason: root.reason)
            chosen.append(picked)
        }
        for package in chosen {
            if let failure = search.expand(package) {
                return (search, failure)
            }
        }
        return (search, nil)
    }

    private func resolution(of search: ResolverSearch) -> Resolution {
        var entries = search.trail.map { package in
            Resolution.Entry(package: universe.package(package), reason: search.reason(of: package) ?? .required)
        }
        entries.sort { a, b in
            a.package.name != b.package.name ? a.package.name < b.package.name : a.package.architecture < b.package.architecture
        }
        return Resolution(entries: entries)
    }

    private struct Root {
        var slot: Int32
        /// Acceptable versions, most preferred first: the pinned one, or all of them.
        var versions: [Int32]
        var reason: Resolution.Reason
        /// The request as a relation, for error messages.
        var relation: Relation
    }

    private func root(for request: InstallRequest, reason: Resolution.Reason) throws(ResolverError) -> Root {
        let architecture = request.architecture.map { $0 == "all" ? universe.architecture : $0 } ?? universe.architecture
        let slot: Int32
        if let found = universe.slotsByName[request.name]?.first(where: { universe.slots[Int($0)].architecture == architecture }) {
            slot = found
        } else {
            let providers = (universe.providers[request.name] ?? [])
                .filter { universe.architecture(of: $0.package) == architecture }
                .map { universe.slotOf[Int($0.package)] }
            let distinct = Array(Set(providers)).sorted { universe.slots[Int($0)].name < universe.slots[Int($1)].name }
            guard let only = distinct.first else {
                throw .unknownPackage(request.description, suggestion: suggestion(for: request.name))
            }
            // apt installs the only provider of a virtual package and refuses to guess among several.
            guard distinct.count == 1 else {
                throw .virtualPackage(request.name, providers: distinct.map { universe.slots[Int($0)].name })
            }
            slot = only
        }
        let versions = universe.slots[Int(slot)].versions
        var relation = Relation(name: universe.slots[Int(slot)].name)
        if let qualifier = request.architecture {
            relation.architectureQualifier = .named(qualifier)
        }
        guard let pinned = request.version else {
            return Root(slot: slot, versions: versions, reason: reason, relation: relation)
        }
        guard let match = versions.first(where: { universe.package($0).version == pinned }) else {
            throw .versionNotFound(
                universe.slots[Int(slot)].name, version: pinned, available: versions.map { universe.package($0).version })
        }
        relation.constraint = VersionConstraint(.equal, pinned)
        return Root(slot: slot, versions: [match], reason: reason, relation: relation)
    }
}
