import Testing
import DenDebian

@Suite struct InstallOrderTests {
    static func packages(_ text: String) throws -> [BinaryPackage] {
        try ResolverFixture.index(text).packages
    }

    @Test func essentialSetIsTheEssentialPackagesAndWhatTheyNeed() throws {
        let set = try Self.packages("""
            Package: dpkg
            Essential: yes
            Pre-Depends: libc6 (>= 2.0), tar | gtar

            Package: libc6
            Version: 2.36

            Package: tar

            Package: gtar

            Package: sh
            Essential: yes
            Depends: libfoo-provider

            Package: libfoo
            Provides: libfoo-provider

            Package: apt
            Pre-Depends: libapt
            Depends: dpkg

            Package: libapt
            Depends: libc6
            """)
        let order = InstallOrder(packages: set)
        #expect(order.essential.map(\.name) == ["dpkg", "libc6", "tar", "sh", "libfoo"])
        // gtar is an alternative nobody needed first; apt's pre-dependency goes in an earlier call.
        #expect(order.batches.map { $0.map(\.name) } == [["gtar", "libapt"], ["apt"]])
    }

    @Test func versionedRelationsNeedAMatchingVersionOrProvision() throws {
        let set = try Self.packages("""
            Package: a
            Pre-Depends: b (>= 2)

            Package: b
            Version: 1

            Package: c
            Provides: b (= 3)
            """)
        // Only c meets "b (>= 2)": a waits for it.
        #expect(InstallOrder(packages: set).batches.map { $0.map(\.name) } == [["b", "c"], ["a"]])
    }

    @Test func onABaseNothingIsEssentialAndUnmetRelationsAreTheBases() throws {
        let set = try Self.packages("""
            Package: hello
            Essential: yes
            Pre-Depends: libc6

            Package: tool
            Pre-Depends: hello
            """)
        let order = InstallOrder(packages: set, isOnBase: true)
        #expect(order.essential.isEmpty)
        #expect(order.batches.map { $0.map(\.name) } == [["hello"], ["tool"]])
    }

    @Test func aPreDependsCycleStillEndsInOneBatch() throws {
        let set = try Self.packages("""
            Package: x
            Pre-Depends: y

            Package: y
            Pre-Depends: x
            """)
        #expect(InstallOrder(packages: set).batches.map { $0.map(\.name) } == [["x", "y"]])
    }

    @Test func readsADebsControlFile() throws {
        let control = "Package: tar\nVersion: 1.34+dfsg-1.2\nArchitecture: amd64\nEssential: yes\nPre-Depends: libc6 (>= 2.34)\nDescription: GNU tar\n tape archiver\n"
        let package = try BinaryPackage(control: control, filename: "pool/t/tar.deb", size: 10, sha256: String(repeating: "a", count: 64))
        #expect(package.name == "tar")
        #expect(package.isEssential)
        #expect(package.preDepends.groups.first?.first?.name == "libc6")
        #expect(package.filename == "pool/t/tar.deb")
    }
}
