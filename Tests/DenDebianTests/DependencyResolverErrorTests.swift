import DenDebian
import Testing

/// The errors a manifest author sees: exact messages, since they are the interface.
@Suite("DependencyResolver errors")
struct DependencyResolverErrorTests {
    static let python = """
        Package: python3
        Version: 3.11.2-1+b1
        Depends: python3.11 (>= 3.11.2-1~)

        Package: python3
        Version: 3.11.1-1

        Package: python3.11
        Version: 3.11.2-6
        Depends: libpython3.11-stdlib (>= 3.11.2), media-types | mime-support

        Package: libpython3.11-stdlib
        Version: 3.11.1-1

        Package: mime-support
        Version: 3.66
        """

    @Test func anImpossibleRequestNamesTheChain() throws {
        let resolver = try ResolverFixture.resolver(Self.python)
        let error = try ResolverFixture.error(resolver, ["python3"])
        let stdlib = try Relation("libpython3.11-stdlib (>= 3.11.2)")
        #expect(
            error == .unsatisfiable(
                chain: ["python3", "python3.11"], dependency: [stdlib],
                rejections: [.versionMismatch("libpython3.11-stdlib", available: [try DebianVersion("3.11.1-1")], constraint: try #require(stdlib.constraint))]))
        #expect(
            error?.description
                == "python3 → python3.11 → libpython3.11-stdlib (>= 3.11.2): no candidate (libpython3.11-stdlib has only 3.11.1-1, too old)")
    }

    @Test func tooNewVersionsAreSaidToBe() throws {
        let resolver = try ResolverFixture.resolver("""
            Package: app
            Depends: lib (<< 2)

            Package: lib
            Version: 2.0

            Package: lib
            Version: 3.0
            """)
        #expect(try ResolverFixture.error(resolver, ["app"])?.description == "app → lib (<< 2): no candidate (lib has only 3.0, 2.0, too new)")
    }

    @Test func everyAlternativeGetsAReason() throws {
        let resolver = try ResolverFixture.resolver("""
            Package: app
            Depends: gone | old (= 2.0) | virt (>= 1)

            Package: old

            Package: provider
            Provides: virt
            """)
        #expect(
            try ResolverFixture.error(resolver, ["app"])?.description
                == "app → gone | old (= 2.0) | virt (>= 1): no candidate (no package named gone; old has only 1.0; virt is provided only by provider, without a matching version)")
    }

    @Test func aFailureFurtherDownShowsThePreferredAlternativesChain() throws {
        let resolver = try ResolverFixture.resolver("""
            Package: app
            Depends: a | b

            Package: a
            Depends: gone

            Package: b
            Depends: missing
            """)
        #expect(try ResolverFixture.error(resolver, ["app"])?.description == "app → a → gone: no candidate (no package named gone)")
    }

    @Test(arguments: [
        ("pyhton3", "python3"),
        ("python", "python3"),
        ("libpython3.11-stdlbi", "libpython3.11-stdlib"),
        ("mime-suport", "mime-support"),
        ("media-type", "media-types"),
    ])
    func anUnknownPackageSuggestsACloseName(request: String, suggestion: String) throws {
        let resolver = try ResolverFixture.resolver(Self.python, """
            Package: media-types-provider
            Provides: media-types
            """)
        let error = try ResolverFixture.error(resolver, [request])
        #expect(error == .unknownPackage(request, suggestion: suggestion))
        #expect(error?.description == "unknown package \"\(request)\"; did you mean \"\(suggestion)\"?")
    }

    @Test func anUnknownPackageWithNothingCloseHasNoSuggestion() throws {
        let resolver = try ResolverFixture.resolver(Self.python)
        #expect(try ResolverFixture.error(resolver, ["emacs"])?.description == "unknown package \"emacs\"")
        // A name that exists only for another architecture suggests the native package.
        #expect(try ResolverFixture.error(resolver, ["python3:arm64"]) == .unknownPackage("python3:arm64", suggestion: "python3"))
    }

    @Test func aMissingPinListsTheAvailableVersions() throws {
        let resolver = try ResolverFixture.resolver(Self.python)
        let error = try ResolverFixture.error(resolver, ["python3=3.9.2-3"])
        #expect(error?.description == "package \"python3\" has no version \"3.9.2-3\"; available: \"3.11.2-1+b1\", \"3.11.1-1\"")
    }

    @Test func aVirtualPackageWithSeveralProvidersMustBeChosen() throws {
        let resolver = try ResolverFixture.resolver("""
            Package: postfix
            Provides: mail-transport-agent

            Package: exim4-daemon-light
            Provides: mail-transport-agent
            """)
        #expect(
            try ResolverFixture.error(resolver, ["mail-transport-agent"])?.description
                == "\"mail-transport-agent\" is a virtual package provided by \"exim4-daemon-light\", \"postfix\"; request one of them")
    }

    @Test func aPinnedRequestThatConflictsIsNotReplacedByAnotherVersion() throws {
        let resolver = try ResolverFixture.resolver("""
            Package: guard
            Breaks: lib (<< 2)

            Package: lib
            Version: 1.0

            Package: lib
            Version: 2.0
            """)
        #expect(try ResolverFixture.resolve(resolver, ["guard", "lib"]) == ["guard 1.0", "lib 2.0"])
        #expect(try ResolverFixture.error(resolver, ["guard", "lib=1.0"])?.description == "lib (= 1.0): no candidate (guard 1.0 breaks lib 1.0)")
    }
}
