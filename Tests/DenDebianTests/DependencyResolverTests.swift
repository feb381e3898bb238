import DenDebian
import Testing

/// One small hand-made index per rule. Expected sets are written out in full, so a package
/// pulled in by mistake fails the test as surely as a missing one.
@Suite("DependencyResolver")
struct DependencyResolverTests {
    // MARK: - Versions

    @Test func picksTheHighestVersionByDpkgOrdering() throws {
        let resolver = try ResolverFixture.resolver("""
            Package: a
            Version: 2.0

            Package: a
            Version: 1:0.5

            Package: a
            Version: 2.0+really1.0~rc1
            """)
        #expect(try ResolverFixture.resolve(resolver, ["a"]) == ["a 1:0.5"])
    }

    @Test func aConstraintSelectsTheHighestVersionThatMeetsIt() throws {
        let resolver = try ResolverFixture.resolver("""
            Package: app
            Depends: lib (<< 2.0)

            Package: lib
            Version: 2.0

            Package: lib
            Version: 1.5

            Package: lib
            Version: 1.0
            """)
        #expect(try ResolverFixture.resolve(resolver, ["app"]) == ["app 1.0", "lib 1.5"])
    }

    @Test func aPinnedRequestGetsThatVersion() throws {
        let resolver = try ResolverFixture.resolver("""
            Package: lib
            Version: 2.0

            Package: lib
            Version: 1.0
            """)
        #expect(try ResolverFixture.resolve(resolver, ["lib=1.0"]) == ["lib 1.0"])
        #expect(try ResolverFixture.resolve(resolver, ["lib"]) == ["lib 2.0"])
    }

    @Test func aPinBindsTheDependenciesOfOtherPackages() throws {
        let resolver = try ResolverFixture.resolver("""
            Package: app
            Depends: lib (>= 1.5)

            Package: lib
            Version: 2.0

            Package: lib
            Version: 1.5

            Package: lib
            Version: 1.0
            """)
        #expect(try ResolverFixture.resolve(resolver, ["app", "lib=1.5"]) == ["app 1.0", "lib 1.5"])
        let error = try ResolverFixture.error(resolver, ["app", "lib=1.0"])
        #expect(error?.description == "app → lib (>= 1.5): no candidate (lib 1.0 is already chosen)")
    }

    @Test func laterIndexesAddVersionsAndTheFirstCopyOfAVersionWins() throws {
        let main = """
            Package: lib
            Version: 1.0
            Filename: pool/main/lib_1.0_amd64.deb

            Package: tool
            Version: 3.0
            Filename: pool/main/tool_3.0_amd64.deb
            """
        let security = """
            Package: lib
            Version: 1.0+deb12u1

            Package: tool
            Version: 3.0
            Filename: pool/security/tool_3.0_amd64.deb
            """
        let resolver = try ResolverFixture.resolver(main, security)
        let resolution = try resolver.resolve([InstallRequest(name: "lib"), InstallRequest(name: "tool")], includesBase: false)
        #expect(resolution.entries.map(\.package.version.description) == ["1.0+deb12u1", "3.0"])
        #expect(resolution.entries.map(\.package.filename).last == "pool/main/tool_3.0_amd64.deb")
    }

    // MARK: - Alternatives

    @Test func theFirstAlternativeWins() throws {
        let resolver = try ResolverFixture.resolver("""
            Package: app
            Depends: b | c

            Package: b

            Package: c
            """)
        #expect(try ResolverFixture.resolve(resolver, ["app"]) == ["app 1.0", "b 1.0"])
    }

    @Test func aMissingOrTooOldAlternativeIsPassedOver() throws {
        let resolver = try ResolverFixture.resolver("""
            Package: app
            Depends: gone | b (>= 2) | c

            Package: b

            Package: c
            """)
        #expect(try ResolverFixture.resolve(resolver, ["app"]) == ["app 1.0", "c 1.0"])
    }

    @Test func anAlternativeWhoseDependenciesFailIsUndoneCompletely() throws {
        let resolver = try ResolverFixture.resolver("""
            Package: app
            Depends: b | c

            Package: b
            Depends: helper

            Package: helper
            Depends: gone

            Package: c
            """)
        #expect(try ResolverFixture.resolve(resolver, ["app"]) == ["app 1.0", "c 1.0"])
    }

    @Test func anAlternativeAlreadyInTheSetIsKept() throws {
        let resolver = try ResolverFixture.resolver("""
            Package: app
            Depends: b | c

            Package: b

            Package: c
            """)
        // Requested, so chosen before app's dependencies are looked at.
        #expect(try ResolverFixture.resolve(resolver, ["app", "c"]) == ["app 1.0", "c 1.0"])
    }

    @Test func anEarlierDependencySatisfiesALaterGroup() throws {
        let resolver = try ResolverFixture.resolver("""
            Package: app
            Depends: x, y

            Package: x
            Depends: c

            Package: y
            Depends: b | c

            Package: b

            Package: c
            """)
        #expect(try ResolverFixture.resolve(resolver, ["app"]) == ["app 1.0", "c 1.0", "x 1.0", "y 1.0"])
    }

    /// libreoffice-writer needs libreoffice-core, while an earlier dependency took the first of
    /// `libreoffice-core-nogui | libreoffice-core`, which conflicts with it. apt ends with
    /// libreoffice-core alone, and so does the resolver.
    @Test func aChoiceThatBlocksALaterDependencyIsRevisited() throws {
        let resolver = try ResolverFixture.resolver("""
            Package: writer
            Depends: base-core, core

            Package: base-core
            Depends: core-nogui | core

            Package: core
            Conflicts: core-nogui

            Package: core-nogui
            Depends: nogui-only
            Conflicts: core

            Package: nogui-only
            """)
        #expect(try ResolverFixture.resolve(resolver, ["writer"]) == ["base-core 1.0", "core 1.0", "writer 1.0"])
    }

    // MARK: - Provides

    @Test func aVirtualPackageIsSatisfiedByItsProvider() throws {
        let resolver = try ResolverFixture.resolver("""
            Package: app
            Depends: mail-transport-agent

            Package: exim4
            Provides: mail-transport-agent
            """)
        #expect(try ResolverFixture.resolve(resolver, ["app"]) == ["app 1.0", "exim4 1.0"])
    }

    @Test func theRealPackageComesBeforeProviders() throws {
        let resolver = try ResolverFixture.resolver("""
            Package: app
            Depends: awk

            Package: mawk
            Priority: required
            Provides: awk

            Package: awk
            Priority: optional
            """)
        #expect(try ResolverFixture.resolve(resolver, ["app"]) == ["app 1.0", "awk 1.0"])
    }

    /// apt's `CompareProviders`: Essential, then priority, then its cache order (later first).
    @Test(arguments: [
        ("gawk: optional, mawk: required", ["Priority: optional", "Priority: required"], "mawk"),
        ("gawk: essential optional, mawk: required", ["Priority: optional\nEssential: yes", "Priority: required"], "gawk"),
        ("tie: the later stanza", ["Priority: optional", "Priority: optional"], "mawk"),
    ])
    func providersAreRankedAsAptRanksThem(label: String, fields: [String], expected: String) throws {
        let resolver = try ResolverFixture.resolver("""
            Package: app
            Depends: awk

            Package: gawk
            Provides: awk
            \(fields[0])

            Package: mawk
            Provides: awk
            \(fields[1])
            """)
        #expect(try ResolverFixture.resolve(resolver, ["app"]) == ["app 1.0", "\(expected) 1.0"], "\(label)")
    }

    /// apt numbers packages as its cache meets their names, in stanzas or in relations, and
    /// prefers the higher number; zutty over alacritty for x-terminal-emulator on bookworm.
    @Test func aProviderNamedEarlierInTheIndexRanksLower() throws {
        let providers = """
            Package: app
            Depends: x-terminal-emulator

            Package: zutty
            Provides: x-terminal-emulator

            Package: alacritty
            Provides: x-terminal-emulator
            """
        let unmentioned = try ResolverFixture.resolver(providers)
        #expect(try ResolverFixture.resolve(unmentioned, ["app"]) == ["alacritty 1.0", "app 1.0"])
        let mentioned = try ResolverFixture.resolver("""
            Package: desktop
            Recommends: alacritty
            """, providers)
        #expect(try ResolverFixture.resolve(mentioned, ["app"]) == ["app 1.0", "zutty 1.0"])
    }

    @Test func aRequestForAVirtualPackageWithOneProviderInstallsIt() throws {
        let resolver = try ResolverFixture.resolver("""
            Package: exim4
            Provides: mail-transport-agent
            """)
        let resolution = try resolver.resolve([InstallRequest(name: "mail-transport-agent")], includesBase: false)
        #expect(resolution.names == ["exim4"])
        #expect(resolution["exim4"]?.reason == .requested)
    }

    // MARK: - Versioned provides

    @Test func aVersionedDependencyNeedsAVersionedProvides() throws {
        let resolver = try ResolverFixture.resolver("""
            Package: app
            Depends: virt (>= 2)

            Package: unversioned
            Provides: virt

            Package: old
            Provides: virt (= 1)

            Package: new
            Provides: virt (= 2.5)
            """)
        #expect(try ResolverFixture.resolve(resolver, ["app"]) == ["app 1.0", "new 1.0"])
    }

    @Test func anUnversionedProvidesEscapesAVersionedConflict() throws {
        // `versioned` is preferred (later stanza) but falls under q's versioned Conflicts.
        let resolver = try ResolverFixture.resolver("""
            Package: q
            Conflicts: virt (<< 2)

            Package: app
            Depends: virt

            Package: unversioned
            Provides: virt

            Package: versioned
            Provides: virt (= 1)
            """)
        #expect(try ResolverFixture.resolve(resolver, ["app", "q"]) == ["app 1.0", "q 1.0", "unversioned 1.0"])
        #expect(try ResolverFixture.resolve(resolver, ["app"]) == ["app 1.0", "versioned 1.0"])
    }

    // MARK: - Conflicts and Breaks

    @Test(arguments: [
        ("declared by the chosen package", "Conflicts: b", ""),
        ("declared by the candidate", "", "Conflicts: q"),
        ("through a virtual package", "Conflicts: virt", ""),
        ("by Breaks", "Breaks: b (<< 2)", ""),
    ])
    func aCandidateThatConflictsWithTheSetIsPassedOver(label: String, qFields: String, bFields: String) throws {
        let stanzas = [
            ["Package: q", qFields],
            ["Package: app", "Depends: b | c"],
            ["Package: b", "Provides: virt", bFields],
            ["Package: c"],
        ]
        let resolver = try ResolverFixture.resolver(
            stanzas.map { $0.filter { !$0.isEmpty }.joined(separator: "\n") }.joined(separator: "\n\n"))
        #expect(try ResolverFixture.resolve(resolver, ["app", "q"]) == ["app 1.0", "c 1.0", "q 1.0"], "\(label)")
        #expect(try ResolverFixture.resolve(resolver, ["app"]) == ["app 1.0", "b 1.0"], "\(label)")
    }

    @Test func aVersionedConflictOnlyHitsTheVersionsItNames() throws {
        let resolver = try ResolverFixture.resolver("""
            Package: q
            Conflicts: b (>= 2)

            Package: app
            Depends: b

            Package: b
            Version: 2.0

            Package: b
            Version: 1.0
            """)
        #expect(try ResolverFixture.resolve(resolver, ["app", "q"]) == ["app 1.0", "b 1.0", "q 1.0"])
    }

    @Test func aPackageMayConflictWithAVirtualPackageItProvides() throws {
        let resolver = try ResolverFixture.resolver("""
            Package: app
            Depends: mail-transport-agent

            Package: postfix
            Provides: mail-transport-agent
            Conflicts: mail-transport-agent
            """)
        #expect(try ResolverFixture.resolve(resolver, ["app"]) == ["app 1.0", "postfix 1.0"])
    }

    @Test func anUnavoidableConflictNamesBothSides() throws {
        let resolver = try ResolverFixture.resolver("""
            Package: q

            Package: app
            Depends: b

            Package: b
            Depends: c

            Package: c
            Breaks: q
            """)
        let error = try ResolverFixture.error(resolver, ["app", "q"])
        #expect(error?.description == "app → b → c: no candidate (c 1.0 breaks q 1.0)")
    }

    @Test func twoRequestsThatConflictAreAnError() throws {
        let resolver = try ResolverFixture.resolver("""
            Package: exim4
            Provides: mail-transport-agent
            Conflicts: mail-transport-agent

            Package: postfix
            Provides: mail-transport-agent
            Conflicts: mail-transport-agent
            """)
        let error = try ResolverFixture.error(resolver, ["postfix", "exim4"])
        #expect(error?.description == "postfix: no candidate (exim4 1.0 conflicts with postfix 1.0)")
    }

    // MARK: - Multi-Arch and architectures

    @Test func anyNeedsMultiArchAllowed() throws {
        let resolver = try ResolverFixture.resolver("""
            Package: app
            Depends: perl:any, python3:any

            Package: perl
            Multi-Arch: allowed

            Package: python3
            Multi-Arch: foreign
            """)
        let error = try ResolverFixture.error(resolver, ["app"])
        #expect(error?.description == "app → python3:any: no candidate (python3 1.0 is \"Multi-Arch: foreign\", but \":any\" needs \"allowed\")")
    }

    @Test func architectureAllFoldsIntoTheNativeArchitecture() throws {
        let resolver = try ResolverFixture.resolver("""
            Package: app
            Architecture: all
            Depends: lib:native, data

            Package: lib

            Package: data
            Architecture: all
            Version: 1.0

            Package: data
            Version: 2.0
            """)
        #expect(try ResolverFixture.resolve(resolver, ["app"]) == ["app 1.0", "data 2.0", "lib 1.0"])
    }

    @Test func foreignArchitecturesAreIgnoredUnlessEnabled() throws {
        let index = """
            Package: app
            Depends: tool, lib

            Package: tool
            Architecture: i386
            Multi-Arch: foreign

            Package: lib
            Multi-Arch: same

            Package: lib
            Architecture: i386
            Multi-Arch: same
            """
        let nativeOnly = try ResolverFixture.resolver(index)
        #expect(try ResolverFixture.error(nativeOnly, ["app"])?.description == "app → tool: no candidate (no package named tool)")
        let multiArch = try ResolverFixture.resolver(index, foreignArchitectures: ["i386"])
        #expect(try ResolverFixture.resolve(multiArch, ["app"]) == ["app 1.0", "lib 1.0", "tool:i386 1.0"])
    }

    @Test func anUnqualifiedDependencyWantsTheDependersArchitecture() throws {
        let resolver = try ResolverFixture.resolver("""
            Package: app
            Architecture: i386
            Depends: libz, tool

            Package: libz
            Multi-Arch: same

            Package: libz
            Architecture: i386
            Multi-Arch: same

            Package: tool
            Multi-Arch: foreign

            Package: other
            Architecture: i386
            Depends: amd64only

            Package: amd64only
            """, foreignArchitectures: ["i386"])
        #expect(try ResolverFixture.resolve(resolver, ["app:i386"]) == ["app:i386 1.0", "libz:i386 1.0", "tool 1.0"])
        let error = try ResolverFixture.error(resolver, ["other:i386"])
        #expect(error?.description == "other → amd64only: no candidate (amd64only 1.0 is for another architecture)")
    }

    @Test func onlyMultiArchSamePackagesShareANameAcrossArchitectures() throws {
        let resolver = try ResolverFixture.resolver("""
            Package: libsame
            Multi-Arch: same

            Package: libsame
            Architecture: i386
            Multi-Arch: same

            Package: libno

            Package: libno
            Architecture: i386
            """, foreignArchitectures: ["i386"])
        #expect(try ResolverFixture.resolve(resolver, ["libsame", "libsame:i386"]) == ["libsame 1.0", "libsame:i386 1.0"])
        let error = try ResolverFixture.error(resolver, ["libno", "libno:i386"])
        #expect(error?.description == "libno:i386: no candidate (libno 1.0 is already chosen)")
    }

    // MARK: - Recommends

    @Test func recommendsAreOffByDefault() throws {
        let resolver = try ResolverFixture.resolver("""
            Package: app
            Recommends: extra

            Package: extra
            """)
        #expect(try ResolverFixture.resolve(resolver, ["app"]) == ["app 1.0"])
        let resolution = try resolver.resolve([InstallRequest(name: "app")], includesBase: false, installsRecommends: true)
        #expect(resolution.names == ["app", "extra"])
        #expect(resolution["extra"]?.reason == .recommendation(of: "app"))
    }

    @Test func anUnsatisfiableRecommendsIsSkipped() throws {
        let resolver = try ResolverFixture.resolver("""
            Package: app
            Recommends: gone, clashing, broken, extra

            Package: clashing
            Conflicts: app

            Package: broken
            Depends: gone

            Package: extra
            """)
        #expect(try ResolverFixture.resolve(resolver, ["app"], recommends: true) == ["app 1.0", "extra 1.0"])
    }

    /// lxc-templates recommends busybox-static, which conflicts with the busybox that
    /// initramfs-tools-core's `busybox | busybox-static` took first; apt switches to
    /// busybox-static, and so does the resolver.
    @Test func aChoiceThatBlocksARecommendsIsRevisited() throws {
        let resolver = try ResolverFixture.resolver("""
            Package: busybox

            Package: busybox-static
            Provides: busybox
            Conflicts: busybox

            Package: initramfs-tools-core
            Recommends: busybox | busybox-static

            Package: lxc-templates
            Recommends: busybox-static
            """)
        #expect(
            try ResolverFixture.resolve(resolver, ["initramfs-tools-core", "lxc-templates"], recommends: true)
                == ["busybox-static 1.0", "initramfs-tools-core 1.0", "lxc-templates 1.0"])
        #expect(
            try ResolverFixture.resolve(resolver, ["initramfs-tools-core"], recommends: true)
                == ["busybox 1.0", "initramfs-tools-core 1.0"])
    }

    /// Thirty levels of `a | b` that all end in one missing package: 2^30 branches unless a
    /// package found uninstallable for good is remembered as such.
    @Test func alternativesThatAllEndInOneBrokenPackageAreExploredOnce() throws {
        let depth = 30
        var stanzas = ["Package: root\nDepends: x1 | way-out", "Package: way-out"]
        for level in 1...depth {
            let next = level == depth ? "gone" : "x\(level + 1)"
            stanzas.append("Package: x\(level)\nDepends: a\(level) | b\(level)")
            stanzas.append("Package: a\(level)\nDepends: \(next)")
            stanzas.append("Package: b\(level)\nDepends: \(next)")
        }
        let resolver = try ResolverFixture.resolver(stanzas.joined(separator: "\n\n"))
        #expect(try ResolverFixture.resolve(resolver, ["root"]) == ["root 1.0", "way-out 1.0"])
        let chain = ["x1"] + (1...depth).flatMap { level in level == depth ? ["a\(level)"] : ["a\(level)", "x\(level + 1)"] }
        #expect(
            try ResolverFixture.error(resolver, ["x1"])?.description
                == (chain + ["gone: no candidate (no package named gone)"]).joined(separator: " → "))
    }

    /// education-ltsp-server on bookworm: openclipart-libreoffice recommends libreoffice, whose
    /// own dependencies meet the nogui/core conflict above; apt installs libreoffice.
    @Test func aChoiceThatSinksARecommendedPackageIsRevisited() throws {
        let resolver = try ResolverFixture.resolver("""
            Package: clipart
            Recommends: office

            Package: office
            Depends: base-core, writer

            Package: writer
            Depends: core

            Package: base-core
            Depends: core-nogui | core

            Package: core
            Conflicts: core-nogui

            Package: core-nogui
            Conflicts: core
            """)
        #expect(
            try ResolverFixture.resolve(resolver, ["clipart"], recommends: true)
                == ["base-core 1.0", "clipart 1.0", "core 1.0", "office 1.0", "writer 1.0"])
    }

    // MARK: - Cycles

    @Test func preDependsLoopsAndDependsCyclesTerminate() throws {
        let resolver = try ResolverFixture.resolver("""
            Package: a
            Pre-Depends: b

            Package: b
            Pre-Depends: a

            Package: x
            Depends: y

            Package: y
            Depends: z

            Package: z
            Depends: x, z
            """)
        #expect(try ResolverFixture.resolve(resolver, ["a"]) == ["a 1.0", "b 1.0"])
        #expect(try ResolverFixture.resolve(resolver, ["z"]) == ["x 1.0", "y 1.0", "z 1.0"])
    }

    // MARK: - Base set and reasons

    static let base = """
        Package: base-files
        Priority: required

        Package: dash
        Priority: optional
        Essential: yes

        Package: apt
        Priority: important
        Depends: libapt

        Package: libapt
        Priority: optional

        Package: tool
        Priority: optional
        Depends: libapt, helper

        Package: helper
        Priority: optional
        """

    @Test func theBaseIsRequiredEssentialAndApt() throws {
        let resolver = try ResolverFixture.resolver(Self.base)
        #expect(resolver.baseNames == ["apt", "base-files", "dash"])
        let resolution = try resolver.resolve([InstallRequest(name: "tool")])
        #expect(resolution.entries.map { "\($0.package.name): \($0.reason)" } == [
            "apt: required",
            "base-files: required",
            "dash: required",
            "helper: dependency of tool",
            "libapt: dependency of apt",
            "tool: requested",
        ])
        let requested = try resolver.resolve([InstallRequest(name: "dash")])
        #expect(requested["dash"]?.reason == .requested)
    }

    @Test func theBaseNeedsApt() throws {
        let resolver = try ResolverFixture.resolver("""
            Package: base-files
            Priority: required
            """)
        #expect(try ResolverFixture.error(resolver, [], includesBase: true) == .unknownPackage("apt", suggestion: nil))
    }

    @Test func theResultIsIndependentOfRequestOrder() throws {
        let resolver = try ResolverFixture.resolver(Self.base, """
            Package: left
            Depends: one | two

            Package: right
            Depends: two | one

            Package: one

            Package: two
            """)
        let forward = try resolver.resolve(try ["left", "right", "tool"].map { try InstallRequest($0) })
        let backward = try resolver.resolve(try ["tool", "right", "left"].map { try InstallRequest($0) })
        #expect(forward == backward)
        #expect(forward.names == forward.names.sorted())
        #expect(forward.names.contains("one") && !forward.names.contains("two"))
    }

    /// The committed excerpt of a real index keeps the Depends closure of every required and
    /// Essential package, so the minbase set resolves from it offline.
    @Test func resolvesTheBaseFromTheCommittedExcerpt() throws {
        let index = try PackagesIndex(try Fixtures.bytes("Packages"))
        let resolver = DependencyResolver(indexes: [index], architecture: "amd64")
        let resolution = try resolver.resolve([])
        let names = Set(resolution.names)
        #expect(Set(resolver.baseNames).isSubset(of: names))
        #expect(names.count > resolver.baseNames.count)
        for entry in resolution.entries {
            if case .dependency(let parent) = entry.reason {
                #expect(names.contains(parent))
            }
        }
    }
}
