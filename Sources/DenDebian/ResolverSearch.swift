/// The mutable part of one resolution: which version fills each slot, why, and the
/// `Conflicts`/`Breaks` of everything chosen so far. Every choice is logged on a trail so that a
/// failed branch can be undone exactly.
struct ResolverSearch {
    private struct Ban {
        var by: Int32
        var relation: Relation
        var field: ResolverError.NegativeField
    }

    /// One package whose dependency groups are being satisfied, depth first. The stack of frames
    /// is the chain an error message shows.
    private struct Frame {
        var package: Int32
        var groups: [[Relation]]
        /// Groups from here on are `Recommends`: failing them is not an error.
        var recommendsStart: Int
        var next = 0
        var isGroupOpen = false
        var candidates: [Int32] = []
        var candidateIndex = 0
        /// Trail length before the candidate currently being tried, to undo it if it fails.
        var mark = 0
        /// The failure of the first candidate of the open group that was tried and failed further
        /// down: it is the most preferred way, so its chain is the one worth showing.
        var firstFailure: Failure?
        /// Whether everything tried for the open group failed for reasons that do not depend on
        /// what else is chosen (see `Failure.isPermanent`).
        var isPermanent = true
        /// The culprits of every candidate of the open group that failed further down.
        var culprits: [Int32] = []
    }

    private struct Selection {
        var reason: Resolution.Reason
        /// Chosen in an or-group (or among versions) that had other candidates, so a later
        /// dead end that this package causes may be avoided by choosing differently.
        var isChoice: Bool
    }

    /// A dead end: the error to report, and the earlier choices that caused it (packages chosen
    /// among alternatives whose presence turned the last candidates down).
    struct Failure {
        var error: ResolverError
        var culprits: [Int32]
        /// No choice made elsewhere played a part: no candidate exists, or every candidate fails
        /// permanently itself. The package can then never be installed, which is remembered so
        /// that no other branch explores it again (without this, alternatives that all lead to
        /// one broken package cost time exponential in the depth).
        var isPermanent: Bool
    }

    /// Bounds the backtracking; installing a whole desktop from a real archive takes a few
    /// thousand attempts.
    static let attemptLimit = 100_000

    let universe: PackageUniverse
    let installsRecommends: Bool
    /// Packages that caused a dead end in an earlier run: they go last among their group's
    /// candidates, still tried when nothing else works.
    let avoided: Set<Int32>
    /// Packages known never to be installable, with the failure that showed it.
    private(set) var broken: [Int32: Failure]
    private var selected: [Int32]
    private var selections: [Int32: Selection] = [:]
    private(set) var trail: [Int32] = []
    private var bans: [String: [Ban]] = [:]
    private var attempts = 0
    /// Choices that kept a `Recommends` from being met, each with the trail length when that
    /// happened (entries inside an undone branch are dropped with it).
    private var recommendsBlockers: [(mark: Int, package: Int32)] = []

    /// Earlier choices that kept a `Recommends` of a chosen package from being met.
    var recommendsCulprits: [Int32] {
        var seen = Set<Int32>()
        return recommendsBlockers.map(\.package).filter { seen.insert($0).inserted }
    }

    init(
        universe: PackageUniverse, installsRecommends: Bool, avoided: Set<Int32> = [], broken: [Int32: Failure] = [:]
    ) {
        self.universe = universe
        self.installsRecommends = installsRecommends
        self.avoided = avoided
        self.broken = broken
        selected = Array(repeating: -1, count: universe.slots.count)
    }

    func reason(of package: Int32) -> Resolution.Reason? {
        selections[universe.slotOf[Int(package)]]?.reason
    }

    mutating func select(_ package: Int32, reason: Resolution.Reason, isChoice: Bool = false) {
        let slot = universe.slotOf[Int(package)]
        selected[Int(slot)] = package
        selections[slot] = Selection(reason: reason, isChoice: isChoice)
        trail.append(package)
        let value = universe.package(package)
        for relation in value.conflicts {
            bans[relation.name, default: []].append(Ban(by: package, relation: relation, field: .conflicts))
        }
        for relation in value.breaks {
            bans[relation.name, default: []].append(Ban(by: package, relation: relation, field: .breaks))
        }
    }

    private mutating func rollback(to mark: Int) {
        while let last = recommendsBlockers.last, last.mark > mark {
            recommendsBlockers.removeLast()
        }
        while trail.count > mark, let package = trail.popLast() {
            let slot = universe.slotOf[Int(package)]
            selected[Int(slot)] = -1
            selections[slot] = nil
            // The bans of the last package chosen are the last entry of each of their lists.
            let value = universe.package(package)
            for relation in value.breaks {
                bans[relation.name]?.removeLast()
            }
            for relation in value.conflicts {
                bans[relation.name]?.removeLast()
            }
        }
    }

    // MARK: - Satisfying groups

    /// Satisfies the dependencies of an already selected package, and theirs, depth first: in
    /// each or-group the first candidate whose own dependencies can be met is kept; a candidate
    /// whose subtree fails is undone and the next one tried.
    mutating func expand(_ root: Int32) -> Failure? {
        var frames = [makeFrame(root)]
        var childFailure: Failure?
        while let top = frames.indices.last {
            if let failure = childFailure {
                childFailure = nil
                rollback(to: frames[top].mark)
                if frames[top].firstFailure == nil {
                    frames[top].firstFailure = failure
                }
                if !failure.isPermanent {
                    frames[top].isPermanent = false
                }
                for culprit in failure.culprits where !frames[top].culprits.contains(culprit) {
                    frames[top].culprits.append(culprit)
                }
            } else if !frames[top].isGroupOpen {
                if frames[top].next == frames[top].groups.count {
                    frames.removeLast()
                    if let parent = frames.indices.last {
                        frames[parent].isGroupOpen = false
                        frames[parent].next += 1
                    }
                    continue
                }
                let group = frames[top].groups[frames[top].next]
                let architecture = universe.architecture(of: frames[top].package)
                if isSatisfied(group, dependerArchitecture: architecture) {
                    frames[top].next += 1
                    continue
                }
                frames[top].candidates = candidates(for: group, dependerArchitecture: architecture)
                frames[top].candidateIndex = 0
                frames[top].firstFailure = nil
                frames[top].isPermanent = true
                frames[top].culprits = []
                frames[top].isGroupOpen = true
            }

            var chosen: Int32?
            while frames[top].candidateIndex < frames[top].candidates.count {
                let candidate = frames[top].candidates[frames[top].candidateIndex]
                frames[top].candidateIndex += 1
                if let known = broken[candidate] {
                    if frames[top].firstFailure == nil {
                        frames[top].firstFailure = known
                    }
                } else if rejection(of: candidate) != nil {
                    frames[top].isPermanent = false
                } else {
                    chosen = candidate
                    break
                }
            }
            let isRecommends = frames[top].next >= frames[top].recommendsStart
            if let chosen {
                attempts += 1
                guard attempts <= Self.attemptLimit else {
                    return Failure(error: .searchLimitExceeded(attempts), culprits: [], isPermanent: false)
                }
                frames[top].mark = trail.count
                let name = universe.package(frames[top].package).name
                select(
                    chosen, reason: isRecommends ? .recommendation(of: name) : .dependency(of: name),
                    isChoice: frames[top].candidates.count > 1)
                frames.append(makeFrame(chosen))
                continue
            }
            if isRecommends {
                // apt meets such a Recommends by unmarking the conflicting package; here the
                // caller may rerun with that earlier choice moved last.
                let group = frames[top].groups[frames[top].next]
                let explanation = explain(group, dependerArchitecture: universe.architecture(of: frames[top].package))
                for culprit in frames[top].culprits + explanation.blockers.compactMap({ choice(behind: $0) }) {
                    recommendsBlockers.append((trail.count, culprit))
                }
                frames[top].isGroupOpen = false
                frames[top].next += 1
                continue
            }
            let group = frames[top].groups[frames[top].next]
            let explanation = explain(group, dependerArchitecture: universe.architecture(of: frames[top].package))
            var culprits = frames[top].culprits
            for culprit in explanation.blockers.compactMap({ choice(behind: $0) }) where !culprits.contains(culprit) {
                culprits.append(culprit)
            }
            var failure =
                frames[top].firstFailure
                ?? Failure(
                    error: .unsatisfiable(
                        chain: frames.map { universe.package($0.package).name }, dependency: group,
                        rejections: explanation.rejections),
                    culprits: [], isPermanent: true)
            failure.culprits = culprits
            failure.isPermanent = frames[top].isPermanent
            if failure.isPermanent {
                broken[frames[top].package] = failure
            }
            frames.removeLast()
            guard !frames.isEmpty else { return failure }
            childFailure = failure
        }
        return nil
    }

    /// The package chosen among alternatives that brought `blocker` in: `blocker` itself, or the
    /// nearest such package on its chain of reasons; nil when the chain reaches a root first.
    private func choice(behind blocker: Int32) -> Int32? {
        var package = blocker
        var steps = 0
        while let selection = selections[universe.slotOf[Int(package)]], steps < trail.count {
            if selection.isChoice {
                return package
            }
            let parentName: String
            switch selection.reason {
            case .dependency(let name), .recommendation(let name): parentName = name
            case .requested, .required: return nil
            }
            guard let parent = (universe.slotsByName[parentName] ?? []).lazy.map({ self.selected[Int($0)] }).first(where: { $0 >= 0 })
            else { return nil }
            package = parent
            steps += 1
        }
        return nil
    }

    private func makeFrame(_ package: Int32) -> Frame {
        let value = universe.package(package)
        var groups = value.preDepends.groups + value.depends.groups
        let recommendsStart = groups.count
        if installsRecommends {
            groups += value.recommends.groups
        }
        return Frame(package: package, groups: groups, recommendsStart: recommendsStart)
    }

    /// Whether something already chosen satisfies one of the alternatives: apt keeps such a group
    /// as it is rather than adding a preferred alternative.
    func isSatisfied(_ group: [Relation], dependerArchitecture: String) -> Bool {
        for relation in group {
            for slot in universe.slotsByName[relation.name] ?? [] {
                let chosen = selected[Int(slot)]
                if chosen >= 0, universe.satisfies(chosen, relation, dependerArchitecture: dependerArchitecture) {
                    return true
                }
            }
            for provision in universe.providers[relation.name] ?? []
            where selected[Int(universe.slotOf[Int(provision.package)])] == provision.package
                && universe.satisfies(provision, relation, dependerArchitecture: dependerArchitecture)
            {
                return true
            }
        }
        return false
    }

    /// Every package version that satisfies the group, most preferred first: alternatives in
    /// the order written; within one, the real package (highest version first), then its
    /// providers ranked as apt ranks them (Essential, native architecture, higher priority,
    /// then the package whose name appears later in the indexes).
    func candidates(for group: [Relation], dependerArchitecture: String) -> [Int32] {
        var result: [Int32] = []
        var seen = Set<Int32>()
        for relation in group {
            for slot in universe.slotsByName[relation.name] ?? [] {
                for version in universe.slots[Int(slot)].versions
                where universe.satisfies(version, relation, dependerArchitecture: dependerArchitecture) {
                    if seen.insert(version).inserted {
                        result.append(version)
                    }
                }
            }
            guard let provisions = universe.providers[relation.name] else { continue }
            var providers: [Int32] = []
            for provision in provisions
            where universe.satisfies(provision, relation, dependerArchitecture: dependerArchitecture)
                && !seen.contains(provision.package)
            {
                providers.append(provision.package)
            }
            providers.sort { a, b in providerPrecedes(a, b) }
            for provider in providers where seen.insert(provider).inserted {
                result.append(provider)
            }
        }
        if !avoided.isEmpty {
            return result.filter { !avoided.contains($0) } + result.filter { avoided.contains($0) }
        }
        return result
    }

    private func providerPrecedes(_ a: Int32, _ b: Int32) -> Bool {
        let pa = universe.package(a)
        let pb = universe.package(b)
        if pa.isEssential != pb.isEssential {
            return pa.isEssential
        }
        let nativeA = universe.architecture(of: a) == universe.architecture
        let nativeB = universe.architecture(of: b) == universe.architecture
        if nativeA != nativeB {
            return nativeA
        }
        let rankA = Self.priorityRank(pa.priority)
        let rankB = Self.priorityRank(pb.priority)
        if rankA != rankB {
            return rankA < rankB
        }
        // apt's last word is its cache order, later packages first.
        let slotA = universe.slotOf[Int(a)]
        let slotB = universe.slotOf[Int(b)]
        if slotA != slotB {
            let appearanceA = universe.appearance[pa.name] ?? 0
            let appearanceB = universe.appearance[pb.name] ?? 0
            return appearanceA != appearanceB ? appearanceA > appearanceB : slotA > slotB
        }
        return DebianVersion.compare(pa.version, pb.version) > 0
    }

    private static func priorityRank(_ priority: BinaryPackage.Priority?) -> Int {
        switch priority {
        case .required: 0
        case .important: 1
        case .standard: 2
        case .optional: 3
        case .extra: 4
        case .other, nil: 5
        }
    }

    // MARK: - Rejecting candidates

    /// Why `candidate` cannot join the chosen set, or nil when it can.
    func rejection(of candidate: Int32) -> ResolverError.Rejection? {
        blockingRejection(of: candidate)?.rejection
    }

    /// The rejection and the chosen package that causes it.
    private func blockingRejection(of candidate: Int32) -> (rejection: ResolverError.Rejection, blocker: Int32)? {
        let slot = universe.slotOf[Int(candidate)]
        let chosen = selected[Int(slot)]
        if chosen >= 0 {
            return chosen == candidate
                ? nil : (.otherVersionChosen(universe.candidate(candidate), chosen: universe.candidate(chosen)), chosen)
        }
        let value = universe.package(candidate)
        for other in universe.slotsByName[value.name] ?? [] where other != slot {
            let sibling = selected[Int(other)]
            guard sibling >= 0 else { continue }
            // dpkg installs one name under several architectures only when every instance is
            // Multi-Arch: same and at the same version.
            let sameVersion = value.version == universe.package(sibling).version
            if value.multiArch != .same || universe.package(sibling).multiArch != .same || !sameVersion {
                return (.otherVersionChosen(universe.candidate(candidate), chosen: universe.candidate(sibling)), sibling)
            }
        }
        for ban in bans[value.name] ?? []
        where universe.slotOf[Int(ban.by)] != slot && universe.hits(ban.relation, candidate) {
            return (
                .conflict(universe.candidate(candidate), with: universe.candidate(ban.by), field: ban.field, declaredByCandidate: false),
                ban.by
            )
        }
        for provided in value.provides {
            let provision = PackageUniverse.Provision(package: candidate, version: provided.constraint?.version)
            for ban in bans[provided.name] ?? []
            where universe.slotOf[Int(ban.by)] != slot && universe.hits(ban.relation, provision) {
                return (
                    .conflict(universe.candidate(candidate), with: universe.candidate(ban.by), field: ban.field, declaredByCandidate: false),
                    ban.by
                )
            }
        }
        if let found = ownBan(of: candidate, slot: slot, relations: value.conflicts, field: .conflicts) {
            return found
        }
        return ownBan(of: candidate, slot: slot, relations: value.breaks, field: .breaks)
    }

    private func ownBan(
        of candidate: Int32, slot: Int32, relations: [Relation], field: ResolverError.NegativeField
    ) -> (rejection: ResolverError.Rejection, blocker: Int32)? {
        for relation in relations {
            for other in universe.slotsByName[relation.name] ?? [] where other != slot {
                let chosen = selected[Int(other)]
                if chosen >= 0, universe.hits(relation, chosen) {
                    return (
                        .conflict(universe.candidate(candidate), with: universe.candidate(chosen), field: field, declaredByCandidate: true),
                        chosen
                    )
                }
            }
            for provision in universe.providers[relation.name] ?? [] {
                let other = universe.slotOf[Int(provision.package)]
                if other != slot, selected[Int(other)] == provision.package, universe.hits(relation, provision) {
                    return (
                        .conflict(
                            universe.candidate(candidate), with: universe.candidate(provision.package), field: field,
                            declaredByCandidate: true),
                        provision.package
                    )
                }
            }
        }
        return nil
    }

    /// Why no candidate of `group` could be chosen, alternative by alternative. Called after the
    /// group's attempts were undone, so the state is the one the candidates were judged against.
    func explain(
        _ group: [Relation], dependerArchitecture: String
    ) -> (rejections: [ResolverError.Rejection], blockers: [Int32]) {
        var rejections: [ResolverError.Rejection] = []
        var blockers: [Int32] = []
        func add(_ rejection: ResolverError.Rejection) {
            // Every version of a package meets the one already chosen the same way; once is enough.
            if case .otherVersionChosen(_, let chosen) = rejection,
                rejections.contains(where: { if case .otherVersionChosen(_, chosen) = $0 { true } else { false } })
            {
                return
            }
            if !rejections.contains(rejection) {
                rejections.append(rejection)
            }
        }
        for relation in group {
            let slots = universe.slotsByName[relation.name] ?? []
            let provisions = universe.providers[relation.name] ?? []
            if slots.isEmpty, provisions.isEmpty {
                add(.notFound(relation.name))
                continue
            }
            var viable: [Int32] = []
            var tooFar: [DebianVersion] = []
            for slot in slots {
                for version in universe.slots[Int(slot)].versions {
                    let value = universe.package(version)
                    if let constraint = relation.constraint, !constraint.isSatisfied(by: value.version) {
                        tooFar.append(value.version)
                    } else if !universe.architectureAllows(relation, dependerArchitecture: dependerArchitecture, target: version) {
                        add(.architectureMismatch(universe.candidate(version), multiArch: value.multiArch, qualifier: relation.architectureQualifier))
                    } else {
                        viable.append(version)
                    }
                }
            }
            if let constraint = relation.constraint, viable.isEmpty, !tooFar.isEmpty {
                add(.versionMismatch(relation.name, available: tooFar, constraint: constraint))
            }
            var unversioned: [String] = []
            for provision in provisions {
                let value = universe.package(provision.package)
                if let constraint = relation.constraint,
                    !(provision.version.map { constraint.isSatisfied(by: $0) } ?? false)
                {
                    if !unversioned.contains(value.name) {
                        unversioned.append(value.name)
                    }
                } else if !universe.architectureAllows(relation, dependerArchitecture: dependerArchitecture, target: provision.package) {
                    add(.architectureMismatch(universe.candidate(provision.package), multiArch: value.multiArch, qualifier: relation.architectureQualifier))
                } else {
                    viable.append(provision.package)
                }
            }
            if let constraint = relation.constraint, slots.isEmpty, viable.isEmpty, !unversioned.isEmpty {
                add(.noMatchingProvides(relation.name, providers: unversioned.sorted(), constraint: constraint))
            }
            for candidate in viable {
                if let found = blockingRejection(of: candidate) {
                    add(found.rejection)
                    if !blockers.contains(found.blocker) {
                        blockers.append(found.blocker)
                    }
                }
            }
        }
        return (rejections, blockers)
    }
}
