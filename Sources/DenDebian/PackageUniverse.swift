/// The packages a resolver may choose from, indexed once: every usable version grouped into
/// slots (one per name and architecture, since dpkg installs at most one version per slot), and
/// every `Provides` grouped by the virtual name.
struct PackageUniverse: Sendable {
    struct Slot: Sendable {
        var name: String
        /// `all` is folded into the native architecture: dpkg installs an `Architecture: all`
        /// package in the native slot, and a package may move between `all` and `any` across
        /// versions.
        var architecture: String
        /// Indexes into `packages`, highest version first, one per distinct version.
        var versions: [Int32]
    }

    struct Provision: Sendable {
        var package: Int32
        /// The `(= v)` of a versioned `Provides`; nil when unversioned.
        var version: DebianVersion?
    }

    let architecture: String
    let packages: [BinaryPackage]
    /// The slot of each entry of `packages`.
    let slotOf: [Int32]
    let slots: [Slot]
    /// Slots by package name: the native one first, then foreign architectures in the order given.
    let slotsByName: [String: [Int32]]
    let providers: [String: [Provision]]
    /// For names of packages that provide something: where the name first appears in the
    /// indexes, as a stanza of its own or in another package's relations. apt numbers its cache's
    /// packages in that order and, when nothing else separates two providers, prefers the higher
    /// number.
    let appearance: [String: Int]

    init(indexes: [PackagesIndex], architecture: String, foreignArchitectures: [String]) {
        self.architecture = architecture
        let usable = Set([architecture, "all"] + foreignArchitectures)
        let archOrder = [architecture] + foreignArchitectures

        var packages: [BinaryPackage] = []
        var slots: [Slot] = []
        var slotsByName: [String: [Int32]] = [:]
        var slotOf: [Int32] = []
        let total = indexes.reduce(0) { $0 + $1.packages.count }
        packages.reserveCapacity(total)
        slotOf.reserveCapacity(total)
        slotsByName.reserveCapacity(total)
        for index in indexes {
            for package in index.packages where usable.contains(package.architecture) {
                let arch = package.architecture == "all" ? architecture : package.architecture
                let slot: Int32
                if let existing = slotsByName[package.name]?.first(where: { slots[Int($0)].architecture == arch }) {
                    slot = existing
                } else {
                    slot = Int32(slots.count)
                    slots.append(Slot(name: package.name, architecture: arch, versions: []))
                    slotsByName[package.name, default: []].append(slot)
                }
                slots[Int(slot)].versions.append(Int32(packages.count))
                slotOf.append(slot)
                packages.append(package)
            }
        }

        for s in slots.indices where slots[s].versions.count > 1 {
            // Stable, so that of two equal versions (the same .deb in two suites) the one from the
            // earlier index is kept.
            let sorted = slots[s].versions.enumerated().sorted { a, b in
                let order = DebianVersion.compare(packages[Int(a.element)].version, packages[Int(b.element)].version)
                return order != 0 ? order > 0 : a.offset < b.offset
            }.map(\.element)
            var distinct: [Int32] = []
            for candidate in sorted where distinct.last.map({ packages[Int($0)].version != packages[Int(candidate)].version }) ?? true {
                distinct.append(candidate)
            }
            slots[s].versions = distinct
        }
        let multiArchNames = slotsByName.compactMap { $0.value.count > 1 ? $0.key : nil }
        for name in multiArchNames {
            slotsByName[name]?.sort { a, b in
                (archOrder.firstIndex(of: slots[Int(a)].architecture) ?? archOrder.count)
                    < (archOrder.firstIndex(of: slots[Int(b)].architecture) ?? archOrder.count)
            }
        }

        var providers: [String: [Provision]] = [:]
        for slot in slots {
            for version in slot.versions {
                for provided in packages[Int(version)].provides {
                    providers[provided.name, default: []].append(Provision(package: version, version: provided.constraint?.version))
                }
            }
        }

        // Zero until seen; only provider names are tracked, to keep the dictionary small.
        var appearance: [String: Int] = [:]
        for provisions in providers.values {
            for provision in provisions {
                appearance[packages[Int(provision.package)].name] = 0
            }
        }
        var position = 0
        func note(_ name: String) {
            position += 1
            if appearance[name] == 0 {
                appearance[name] = position
            }
        }
        // The fields in the order apt's list parser reads them (those a BinaryPackage keeps).
        for index in indexes {
            for package in index.packages {
                note(package.name)
                for group in package.preDepends.groups { for relation in group { note(relation.name) } }
                for group in package.depends.groups { for relation in group { note(relation.name) } }
                for relation in package.conflicts { note(relation.name) }
                for relation in package.breaks { note(relation.name) }
                for group in package.recommends.groups { for relation in group { note(relation.name) } }
                for relation in package.replaces { note(relation.name) }
                for relation in package.provides { note(relation.name) }
            }
        }

        self.appearance = appearance
        self.packages = packages
        self.slotOf = slotOf
        self.slots = slots
        self.slotsByName = slotsByName
        self.providers = providers
    }

    @inline(__always) func package(_ index: Int32) -> BinaryPackage { packages[Int(index)] }

    /// The slot architecture of a package: its own, or the native one for `all`.
    @inline(__always) func architecture(of index: Int32) -> String { slots[Int(slotOf[Int(index)])].architecture }

    /// dpkg's `deparchsatisfied` for `Depends`-like fields: an unqualified relation wants the
    /// depender's architecture unless the target is `Multi-Arch: foreign`; `:any` wants
    /// `Multi-Arch: allowed`.
    func architectureAllows(_ relation: Relation, dependerArchitecture: String, target: Int32) -> Bool {
        switch relation.architectureQualifier {
        case nil:
            return package(target).multiArch == .foreign || architecture(of: target) == dependerArchitecture
        case .any:
            return package(target).multiArch == .allowed
        case .native:
            return architecture(of: target) == architecture
        case .named(let name):
            return architecture(of: target) == (name == "all" ? architecture : name)
        }
    }

    /// For `Conflicts` and `Breaks`, dpkg reads an unqualified name as any architecture.
    func negativeArchitectureAllows(_ relation: Relation, target: Int32) -> Bool {
        switch relation.architectureQualifier {
        case nil, .any: return true
        case .native: return architecture(of: target) == architecture
        case .named(let name): return architecture(of: target) == (name == "all" ? architecture : name)
        }
    }

    /// Whether `target` itself (not one of its `Provides`) satisfies `relation`.
    func satisfies(_ target: Int32, _ relation: Relation, dependerArchitecture: String) -> Bool {
        if let constraint = relation.constraint, !constraint.isSatisfied(by: package(target).version) {
            return false
        }
        return architectureAllows(relation, dependerArchitecture: dependerArchitecture, target: target)
    }

    /// Whether a `Provides` satisfies `relation`: a versioned relation needs a versioned
    /// `Provides` whose version meets it.
    func satisfies(_ provision: Provision, _ relation: Relation, dependerArchitecture: String) -> Bool {
        if let constraint = relation.constraint {
            guard let version = provision.version, constraint.isSatisfied(by: version) else { return false }
        }
        return architectureAllows(relation, dependerArchitecture: dependerArchitecture, target: provision.package)
    }

    /// Whether a `Conflicts`/`Breaks` relation hits `target` by its own name and version.
    func hits(_ relation: Relation, _ target: Int32) -> Bool {
        if let constraint = relation.constraint, !constraint.isSatisfied(by: package(target).version) {
            return false
        }
        return negativeArchitectureAllows(relation, target: target)
    }

    /// Whether a `Conflicts`/`Breaks` relation hits a package through one of its `Provides`; an
    /// unversioned `Provides` never meets a versioned relation.
    func hits(_ relation: Relation, _ provision: Provision) -> Bool {
        if let constraint = relation.constraint {
            guard let version = provision.version, constraint.isSatisfied(by: version) else { return false }
        }
        return negativeArchitectureAllows(relation, target: provision.package)
    }

    func candidate(_ index: Int32) -> ResolverError.Candidate {
        let package = package(index)
        let arch = architecture(of: index)
        return ResolverError.Candidate(name: package.name, version: package.version, architecture: arch == architecture ? nil : arch)
    }
}
