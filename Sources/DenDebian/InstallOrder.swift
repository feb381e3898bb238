/// The order in which a rootfs builder installs a resolved package set, as mmdebstrap does:
/// the essential packages (Essential: yes, and everything they depend on) first and together
/// (dpkg does not order Pre-Depends inside one call, and their dependencies may form cycles),
/// then the rest in batches, each of which has its Pre-Depends met by what earlier batches
/// installed (dpkg orders plain Depends itself).
public struct InstallOrder: Sendable, Equatable {
    /// Empty for a layer on top of a base, which has its essential set installed.
    public var essential: [BinaryPackage]
    public var batches: [[BinaryPackage]]

    /// `packages` is a resolved, co-installable set, to install into an empty tree or, when
    /// `isOnBase`, on top of a base (whose packages meet every relation not met here).
    /// Order within each group follows `packages`.
    public init(packages: [BinaryPackage], isOnBase: Bool = false) {
        let matcher = RelationMatcher(packages)
        var essentialNames: Set<String> = []
        if !isOnBase {
            var pending = packages.filter(\.isEssential).map(\.name)
            while let name = pending.popLast() {
                guard essentialNames.insert(name).inserted, let package = matcher.package(named: name) else { continue }
                for group in package.preDepends.groups + package.depends.groups {
                    if let provider = matcher.firstProvider(of: group) { pending.append(provider.name) }
                }
            }
        }
        essential = packages.filter { essentialNames.contains($0.name) }

        var done = essentialNames
        var remaining = packages.filter { !essentialNames.contains($0.name) }
        var batches: [[BinaryPackage]] = []
        while !remaining.isEmpty {
            let ready = remaining.filter { package in
                package.preDepends.groups.allSatisfy { group in
                    group.contains { relation in matcher.providers(of: relation).contains { done.contains($0.name) } }
                        || matcher.firstProvider(of: group) == nil  // met by nothing here: dpkg will say so
                }
            }
            // A cycle of Pre-Depends (which policy forbids): one batch, and dpkg reports it.
            let batch = ready.isEmpty ? remaining : ready
            let names = Set(batch.map(\.name))
            batches.append(batch)
            done.formUnion(names)
            remaining.removeAll { names.contains($0.name) }
        }
        self.batches = batches
    }
}

/// Which packages of a fixed set satisfy a relation, by name or by Provides. Architecture
/// qualifiers are ignored: the set is one architecture's.
struct RelationMatcher {
    private var byName: [String: BinaryPackage] = [:]
    private var byProvidedName: [String: [(package: BinaryPackage, provision: Relation)]] = [:]

    init(_ packages: [BinaryPackage]) {
        for package in packages {
            byName[package.name] = byName[package.name] ?? package
            for provision in package.provides { byProvidedName[provision.name, default: []].append((package, provision)) }
        }
    }

    func package(named name: String) -> BinaryPackage? { byName[name] }

    func providers(of relation: Relation) -> [BinaryPackage] {
        var result: [BinaryPackage] = []
        if let package = byName[relation.name], relation.constraint?.isSatisfied(by: package.version) ?? true {
            result.append(package)
        }
        for (package, provision) in byProvidedName[relation.name] ?? [] {
            guard let constraint = relation.constraint else {
                result.append(package)
                continue
            }
            // A versioned relation is met only by a versioned provision that satisfies it.
            if let provided = provision.constraint?.version, constraint.isSatisfied(by: provided) { result.append(package) }
        }
        return result
    }

    /// The first alternative's first provider in the set, as apt picks.
    func firstProvider(of group: [Relation]) -> BinaryPackage? {
        for relation in group {
            if let provider = providers(of: relation).first { return provider }
        }
        return nil
    }
}
