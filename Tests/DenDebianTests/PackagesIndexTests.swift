import DenDebian
import Foundation
import Testing

@Suite("PackagesIndex")
struct PackagesIndexTests {
    static let digest = String(repeating: "ab", count: 32)

    static func paragraph(_ extra: String = "", version: String = "1.0-1") -> String {
        """
        Package: foo
        Version: \(version)
        Architecture: amd64
        \(extra)Filename: pool/main/f/foo/foo_1.0-1_amd64.deb
        Size: 1234
        SHA256: \(digest)

        """
    }

    @Test func readsEveryModelledField() throws {
        let text = """
            Package: libfoo1
            Source: foo (1:1.0-1)
            Version: 1:1.0-1+b2
            Installed-Size: 120
            Maintainer: Someone <someone@example.org>
            Architecture: amd64
            Multi-Arch: same
            Replaces: libfoo0 (<< 1.0)
            Provides: libfoo (= 1:1.0-1+b2), foo-abi-1
            Depends: libc6 (>= 2.34), libbar1 | libbaz1 (>= 2~)
            Pre-Depends: dpkg (>= 1.15)
            Recommends: foo-data
            Conflicts: libfoo-old
            Breaks: foo-tools (<< 1.0)
            Description: a library
            Essential: yes
            Section: libs
            Priority: optional
            Filename: pool/main/f/foo/libfoo1_1.0-1+b2_amd64.deb
            Size: 5678
            SHA256: \(Self.digest.uppercased())

            """
        let index = try PackagesIndex(text)
        let package = try #require(index.packages.first)
        #expect(index.packages.count == 1)
        #expect(package.name == "libfoo1")
        #expect(package.version == (try DebianVersion("1:1.0-1+b2")))
        #expect(package.architecture == "amd64")
        #expect(package.multiArch == .same)
        #expect(package.priority == .optional)
        #expect(package.isEssential)
        #expect(package.section == "libs")
        #expect(package.installedSize == 120)
        #expect(package.depends.description == "libc6 (>= 2.34), libbar1 | libbaz1 (>= 2~)")
        #expect(package.preDepends.description == "dpkg (>= 1.15)")
        #expect(package.recommends.description == "foo-data")
        #expect(package.provides.map(\.description) == ["libfoo (= 1:1.0-1+b2)", "foo-abi-1"])
        #expect(package.conflicts.map(\.description) == ["libfoo-old"])
        #expect(package.breaks.map(\.description) == ["foo-tools (<< 1.0)"])
        #expect(package.replaces.map(\.description) == ["libfoo0 (<< 1.0)"])
        #expect(package.filename == "pool/main/f/foo/libfoo1_1.0-1+b2_amd64.deb")
        #expect(package.size == 5678)
        #expect(package.sha256 == Self.digest)
        #expect(package.sourceName == "foo")
        #expect(package.sourceVersion.description == "1:1.0-1")
    }

    @Test func appliesDefaults() throws {
        let package = try #require(try PackagesIndex(Self.paragraph()).packages.first)
        #expect(package.multiArch == .no)
        #expect(package.priority == nil)
        #expect(!package.isEssential)
        #expect(package.installedSize == nil)
        #expect(package.depends.isEmpty)
        #expect(package.provides.isEmpty)
        #expect(package.sourceName == "foo")
        #expect(package.sourceVersion.description == "1.0-1")
    }

    static let fields: [(String, @Sendable (BinaryPackage) -> Bool)] = [
        ("Source: bar\n", { $0.sourceName == "bar" && $0.sourceVersion.description == "1.0-1" }),
        ("Source: bar(2.0)\n", { $0.sourceName == "bar" && $0.sourceVersion.description == "2.0" }),
        ("Multi-Arch: foreign\n", { $0.multiArch == .foreign }),
        ("Multi-Arch: allowed\n", { $0.multiArch == .allowed }),
        ("Multi-Arch: no\n", { $0.multiArch == .no }),
        ("Priority: required\n", { $0.priority == .required }),
        ("Priority: Important\n", { $0.priority == .important }),
        ("Priority: source\n", { $0.priority == .other("source") }),
        ("Essential: no\n", { !$0.isEssential }),
        ("Depends:\n", { $0.depends.isEmpty }),
        ("Depends: a,\n b | c\n", { $0.depends.groups.map { $0.map(\.name) } == [["a"], ["b", "c"]] }),
        ("depends: a\n", { $0.depends.groups.map { $0.map(\.name) } == [["a"]] }),
        ("Provides: x:any\n", { $0.provides.first?.architectureQualifier == .any }),
        ("Homepage: https://example.org/\n", { $0.name == "foo" }),
    ]

    @Test(arguments: fields)
    func readsField(_ field: String, _ check: @Sendable (BinaryPackage) -> Bool) throws {
        let package = try #require(try PackagesIndex(Self.paragraph(field)).packages.first)
        #expect(check(package))
        // The Deb822 route must give the very same package.
        let paragraph = try #require(try Deb822.parse(Self.paragraph(field)).first)
        #expect(try BinaryPackage(paragraph: paragraph) == package)
    }

    static let invalid: [(String, DebianError)] = [
        ("Package: foo\nArchitecture: all\nFilename: f\nSize: 1\nSHA256: \(digest)\n",
         .missingField("Version", line: 1)),
        ("\n\nPackage: foo\nVersion: 1\nFilename: f\nSize: 1\nSHA256: \(digest)\n",
         .missingField("Architecture", line: 3)),
        ("Package: foo\nVersion: 1\nArchitecture: all\nSize: 1\nSHA256: \(digest)\n", .missingField("Filename", line: 1)),
        ("Package: foo\nVersion: 1\nArchitecture: all\nFilename: f\nSHA256: \(digest)\n", .missingField("Size", line: 1)),
        ("Package: foo\nVersion: 1\nArchitecture: all\nFilename: f\nSize: 1\n", .missingField("SHA256", line: 1)),
        ("Version: 1\nArchitecture: all\nFilename: f\nSize: 1\nSHA256: \(digest)\n", .missingField("Package", line: 1)),
        (paragraph(version: "a1"),
         .inField("Version", line: 2, cause: .invalidVersion("a1", problem: .upstreamStartsWithNonDigit))),
        (paragraph("Depends: a (>= 1\n"),
         .inField("Depends", line: 4, cause: .invalidRelation("a (>= 1", problem: .unclosedParenthesis))),
        (paragraph("Provides: a (>= 1)\n"),
         .inField("Provides", line: 4, cause: .invalidRelation("a (>= 1)", problem: .onlyExactVersionAllowed))),
        (paragraph("Conflicts: a | b\n"),
         .inField("Conflicts", line: 4, cause: .invalidRelation("a | b", problem: .alternativesNotAllowed))),
        (paragraph("Source: bar (x)\n"),
         .inField("Source", line: 4, cause: .invalidVersion("x", problem: .upstreamStartsWithNonDigit))),
        (paragraph("Source: bar baz\n"), .invalidField("Source", value: "bar baz", line: 4, problem: .invalidPackageName)),
        (paragraph("Multi-Arch: sometimes\n"),
         .invalidField("Multi-Arch", value: "sometimes", line: 4, problem: .unknownMultiArch)),
        (paragraph("Essential: true\n"), .invalidField("Essential", value: "true", line: 4, problem: .notYesOrNo)),
        (paragraph("Installed-Size: 12k\n"),
         .invalidField("Installed-Size", value: "12k", line: 4, problem: .notANumber)),
        (paragraph("Installed-Size: 99999999999999999999\n"),
         .invalidField("Installed-Size", value: "99999999999999999999", line: 4, problem: .notANumber)),
        ("Package: Foo!\n", .invalidField("Package", value: "Foo!", line: 1, problem: .invalidPackageName)),
        ("Package: foo\nSHA256: abc\n", .invalidField("SHA256", value: "abc", line: 2, problem: .notASHA256)),
        ("Package: foo\nSize: -1\n", .invalidField("Size", value: "-1", line: 2, problem: .notANumber)),
        ("Package: foo\nArchitecture:\n", .invalidField("Architecture", value: "", line: 2, problem: .empty)),
        (paragraph() + "\n" + paragraph("Package: bar\n"), .invalidDeb822(line: 11, problem: .duplicateField("Package"))),
    ]

    @Test(arguments: invalid)
    func rejects(_ text: String, _ error: DebianError) throws {
        #expect(throws: error) { try PackagesIndex(text) }
        // The Deb822 route must fail the same way.
        #expect(throws: error) {
            for paragraph in try Deb822.parse(text) {
                _ = try BinaryPackage(paragraph: paragraph)
            }
        }
    }

    @Test func readsTheCommittedExcerpt() throws {
        let text = try Fixtures.text("Packages")
        let index = try PackagesIndex(try Fixtures.bytes("Packages"))
        #expect(index.packages.count == Fixtures.lineValues(text, field: "Package").count)
        #expect(index.packages.count > 300)
        #expect(index.packages.map(\.name) == Fixtures.lineValues(text, field: "Package"))
        #expect(index.packages.map(\.version.description) == Fixtures.lineValues(text, field: "Version"))
        #expect(index.packages.map(\.filename) == Fixtures.lineValues(text, field: "Filename"))
        #expect(index.packages.map(\.sha256) == Fixtures.lineValues(text, field: "SHA256"))
        #expect(index.packages.map { String($0.size) } == Fixtures.lineValues(text, field: "Size"))
        #expect(index.packages.filter(\.isEssential).count == Fixtures.lineValues(text, field: "Essential").count)

        let byName = Dictionary(index.packages.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let libc = try #require(byName["libc6"])
        #expect(libc.multiArch == .same)
        #expect(libc.priority == .optional || libc.priority == .required)
        #expect(libc.sourceName == "glibc")
        let dpkg = try #require(byName["dpkg"])
        #expect(dpkg.isEssential)
        #expect(dpkg.priority == .required)
        #expect(dpkg.preDepends.groups.contains { $0.map(\.name) == ["libc6"] })
        #expect(index.packages.contains { $0.sourceVersion != $0.version })

        // The string, byte and Deb822 routes agree.
        #expect(try PackagesIndex(text) == index)
        let viaParagraphs = try Deb822.parse(text).map { paragraph throws(DebianError) in
            try BinaryPackage(paragraph: paragraph)
        }
        #expect(viaParagraphs == index.packages)
    }

    /// Every binary Packages index apt has downloaded on this host, at full size. Prints the
    /// parse time (debug builds are several times slower than release).
    @Test(.enabled(if: HostLists.isUsable, "no Packages index under /var/lib/apt/lists (run `apt-get update`)"))
    func readsTheHostIndexes() throws {
        for path in HostLists.packagesFiles {
            let bytes = try HostLists.contents(of: path)
            let clock = ContinuousClock()
            var index = PackagesIndex(packages: [])
            let elapsed = try clock.measure { index = try PackagesIndex(bytes) }
            let expected = bytes.split(separator: UInt8(ascii: "\n")).filter { $0.starts(with: Array("Package: ".utf8)) }
            #expect(index.packages.count == expected.count)
            print("parsed \(index.packages.count) packages (\(bytes.count / 1_000_000) MB) in \(elapsed)")
        }
    }
}
