import DenDebian
import Foundation
import Testing

/// Source lists shaped like the ones installers and distributions write, with example host
/// names only.
enum AptSourcesFixtures {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var format: AptSources.Format
        var text: String
        var expected: [AptSource]
        var testDescription: String { name }
    }

    static let keyring = "/usr/share/keyrings/debian-archive-keyring.gpg"

    static let debian12 = """
        Types: deb
        URIs: http://mirror.example.org/debian
        Suites: bookworm bookworm-updates
        Components: main
        Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

        Types: deb
        URIs: http://security.example.org/debian-security
        Suites: bookworm-security
        Components: main
        Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

        """

    static let ubuntu = """
        # See https://help.example.org/community/UpgradeNotes for how to upgrade to
        # newer versions of the distribution.
        deb http://mirror.example.org/ubuntu/ jammy main restricted
        # deb-src http://mirror.example.org/ubuntu/ jammy main restricted

        ## Major bug fix updates produced after the final release of the
        ## distribution.
        deb http://mirror.example.org/ubuntu/ jammy-updates main restricted
        deb http://mirror.example.org/ubuntu/ jammy universe
        deb http://mirror.example.org/ubuntu/ jammy-backports main restricted universe multiverse

        deb http://security.example.org/ubuntu/ jammy-security main restricted
        """

    static let deb822: [Case] = [
        Case(name: "Debian 12 default", format: .deb822, text: debian12, expected: [
            AptSource(types: ["deb"], uris: ["http://mirror.example.org/debian"], suites: ["bookworm", "bookworm-updates"],
                      components: ["main"], signedBy: [keyring], line: 1),
            AptSource(types: ["deb"], uris: ["http://security.example.org/debian-security"], suites: ["bookworm-security"],
                      components: ["main"], signedBy: [keyring], line: 7),
        ]),
        Case(name: "Debian 13 with sources, comments and every component", format: .deb822, text: """
            # Modernized from /etc/apt/sources.list
            Types: deb deb-src
            URIs: https://mirror.example.org/debian/
            Suites: trixie trixie-updates
            # non-free-firmware came with bookworm
            Components: main contrib non-free non-free-firmware
            Signed-By: /usr/share/keyrings/debian-archive-keyring.pgp

            # Security updates
            Types: deb deb-src
            URIs: https://security.example.org/debian-security/
            Suites: trixie-security
            Components: main contrib non-free non-free-firmware
            Signed-By: /usr/share/keyrings/debian-archive-keyring.pgp
            """, expected: [
            AptSource(types: ["deb", "deb-src"], uris: ["https://mirror.example.org/debian/"], suites: ["trixie", "trixie-updates"],
                      components: ["main", "contrib", "non-free", "non-free-firmware"],
                      signedBy: ["/usr/share/keyrings/debian-archive-keyring.pgp"], line: 2),
            AptSource(types: ["deb", "deb-src"], uris: ["https://security.example.org/debian-security/"], suites: ["trixie-security"],
                      components: ["main", "contrib", "non-free", "non-free-firmware"],
                      signedBy: ["/usr/share/keyrings/debian-archive-keyring.pgp"], line: 10),
        ]),
        Case(name: "multiple URIs, folded values, options, field names in any case", format: .deb822, text: """
            types: deb
            uris: http://a.example.org/debian   file:/srv/mirror/debian
             http://b.example.org/debian
            SUITES:\tbookworm\tsid
            Components: main
            Architectures: amd64 arm64
            Signed-By: /etc/apt/keyrings/a.gpg, /etc/apt/keyrings/b.gpg
            Check-Valid-Until: no
            """, expected: [
            AptSource(types: ["deb"],
                      uris: ["http://a.example.org/debian", "file:/srv/mirror/debian", "http://b.example.org/debian"],
                      suites: ["bookworm", "sid"], components: ["main"], architectures: ["amd64", "arm64"],
                      signedBy: ["/etc/apt/keyrings/a.gpg", "/etc/apt/keyrings/b.gpg"], line: 1),
        ]),
        Case(name: "disabled stanzas, apt's spellings of no", format: .deb822, text: """
            Types: deb
            URIs: http://off.example.org/debian
            Suites: bookworm
            Components: main
            Enabled: no

            Types: deb
            URIs: http://on.example.org/debian
            Suites: bookworm
            Components: main
            Enabled: yes

            Types: deb
            URIs: http://off.example.org/debian
            Suites: bookworm
            Components: main
            Enabled: 0

            Types: deb
            URIs: http://off.example.org/incomplete
            Enabled: False
            """, expected: [
            AptSource(types: ["deb"], uris: ["http://off.example.org/debian"], suites: ["bookworm"], components: ["main"],
                      isEnabled: false, line: 1),
            AptSource(types: ["deb"], uris: ["http://on.example.org/debian"], suites: ["bookworm"], components: ["main"], line: 7),
            AptSource(types: ["deb"], uris: ["http://off.example.org/debian"], suites: ["bookworm"], components: ["main"],
                      isEnabled: false, line: 13),
            AptSource(types: ["deb"], uris: ["http://off.example.org/incomplete"], suites: [], isEnabled: false, line: 19),
        ]),
        Case(name: "cdrom URIs are left out", format: .deb822, text: """
            Types: deb
            URIs: cdrom:[Debian_12_Bookworm]/
            Suites: bookworm
            Components: main

            Types: deb
            URIs: CDROM:[Debian_12_Bookworm]/ http://mirror.example.org/debian
            Suites: bookworm
            Components: main
            """, expected: [
            AptSource(types: ["deb"], uris: ["http://mirror.example.org/debian"], suites: ["bookworm"], components: ["main"], line: 6),
        ]),
        Case(name: "embedded key", format: .deb822, text: """
            Types: deb
            URIs: https://repo.example.org/debian
            Suites: stable
            Components: main
            Signed-By:
             -----BEGIN PGP PUBLIC KEY BLOCK-----
             .
             mDMEZabc
             =wxyz
             -----END PGP PUBLIC KEY BLOCK-----
            """, expected: [
            AptSource(types: ["deb"], uris: ["https://repo.example.org/debian"], suites: ["stable"], components: ["main"],
                      signedBy: ["-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nmDMEZabc\n=wxyz\n-----END PGP PUBLIC KEY BLOCK-----"],
                      line: 1),
        ]),
        Case(name: "flat repository without components", format: .deb822, text: """
            Types: deb
            URIs: file:/srv/repo
            Suites: ./
            """, expected: [
            AptSource(types: ["deb"], uris: ["file:/srv/repo"], suites: ["./"], line: 1),
        ]),
        Case(name: "only comments", format: .deb822, text: "# Types: deb\n\n# URIs: http://mirror.example.org/debian\n",
             expected: []),
    ]

    static let oneLine: [Case] = [
        Case(name: "Ubuntu-style sources.list", format: .oneLine, text: ubuntu, expected: [
            AptSource(types: ["deb"], uris: ["http://mirror.example.org/ubuntu/"], suites: ["jammy"],
                      components: ["main", "restricted"], line: 3),
            AptSource(types: ["deb"], uris: ["http://mirror.example.org/ubuntu/"], suites: ["jammy-updates"],
                      components: ["main", "restricted"], line: 8),
            AptSource(types: ["deb"], uris: ["http://mirror.example.org/ubuntu/"], suites: ["jammy"],
                      components: ["universe"], line: 9),
            AptSource(types: ["deb"], uris: ["http://mirror.example.org/ubuntu/"], suites: ["jammy-backports"],
                      components: ["main", "restricted", "universe", "multiverse"], line: 10),
            AptSource(types: ["deb"], uris: ["http://security.example.org/ubuntu/"], suites: ["jammy-security"],
                      components: ["main", "restricted"], line: 12),
        ]),
        Case(name: "Debian installer sources.list with a cdrom", format: .oneLine, text: """
            #

            # deb cdrom:[Debian GNU/Linux 12.5.0 _Bookworm_ - Official amd64 DVD Binary-1 with firmware 20240210-11:28]/ bookworm contrib main non-free-firmware

            deb cdrom:[Debian GNU/Linux 12.5.0 _Bookworm_ - Official amd64 DVD Binary-1 with firmware 20240210-11:28]/ bookworm contrib main non-free-firmware

            deb http://mirror.example.org/debian/ bookworm main non-free-firmware
            deb-src http://mirror.example.org/debian/ bookworm main non-free-firmware

            deb http://security.example.org/debian-security bookworm-security main non-free-firmware
            deb-src http://security.example.org/debian-security bookworm-security main non-free-firmware
            """, expected: [
            AptSource(types: ["deb"], uris: ["http://mirror.example.org/debian/"], suites: ["bookworm"],
                      components: ["main", "non-free-firmware"], line: 7),
            AptSource(types: ["deb-src"], uris: ["http://mirror.example.org/debian/"], suites: ["bookworm"],
                      components: ["main", "non-free-firmware"], line: 8),
            AptSource(types: ["deb"], uris: ["http://security.example.org/debian-security"], suites: ["bookworm-security"],
                      components: ["main", "non-free-firmware"], line: 10),
            AptSource(types: ["deb-src"], uris: ["http://security.example.org/debian-security"], suites: ["bookworm-security"],
                      components: ["main", "non-free-firmware"], line: 11),
        ]),
        Case(name: "options in brackets", format: .oneLine, text: """
            deb [arch=amd64,arm64 signed-by=/etc/apt/keyrings/a.gpg] https://repo.example.org/apt stable main
            deb [ arch=amd64 ] http://mirror.example.org/debian bookworm main # trailing comment
            deb\t[signed-by=/usr/share/keyrings/debian-archive-keyring.gpg arch+=i386 trusted=yes]\tfile:/srv/mirror\tbookworm\tmain
            deb [arch=amd64,i386 arch-=i386] http://mirror.example.org/debian sid main
            """, expected: [
            AptSource(types: ["deb"], uris: ["https://repo.example.org/apt"], suites: ["stable"], components: ["main"],
                      architectures: ["amd64", "arm64"], signedBy: ["/etc/apt/keyrings/a.gpg"], line: 1),
            AptSource(types: ["deb"], uris: ["http://mirror.example.org/debian"], suites: ["bookworm"], components: ["main"],
                      architectures: ["amd64"], line: 2),
            AptSource(types: ["deb"], uris: ["file:/srv/mirror"], suites: ["bookworm"], components: ["main"],
                      architectures: ["i386"], signedBy: [keyring], line: 3),
            AptSource(types: ["deb"], uris: ["http://mirror.example.org/debian"], suites: ["sid"], components: ["main"],
                      architectures: ["amd64"], line: 4),
        ]),
        Case(name: "old security layout, flat repository, quotes, CRLF", format: .oneLine, text:
            "deb http://security.example.org/debian-security buster/updates main\r\n"
            + "deb file:/srv/repo ./\r\n"
            + "deb \"http://mirror.example.org/debian\" bookworm main\r\n",
            expected: [
                AptSource(types: ["deb"], uris: ["http://security.example.org/debian-security"], suites: ["buster/updates"],
                          components: ["main"], line: 1),
                AptSource(types: ["deb"], uris: ["file:/srv/repo"], suites: ["./"], line: 2),
                AptSource(types: ["deb"], uris: ["http://mirror.example.org/debian"], suites: ["bookworm"],
                          components: ["main"], line: 3),
            ]),
        Case(name: "empty", format: .oneLine, text: "", expected: []),
    ]

    static var all: [Case] { deb822 + oneLine }
}

@Suite("AptSources parsing")
struct AptSourcesParsingTests {
    @Test(arguments: AptSourcesFixtures.all)
    func parses(_ example: AptSourcesFixtures.Case) throws {
        let sources = try AptSources.parse(example.text, format: example.format)
        #expect(sources == example.expected)
    }

    @Test func recordsTheFile() throws {
        let sources = try AptSources.parse(AptSourcesFixtures.debian12, format: .deb822, file: "/x/debian.sources")
        #expect(sources.map(\.file) == ["/x/debian.sources", "/x/debian.sources"])
    }

    @Test(arguments: [("debian.sources", AptSources.Format.deb822), ("x.list", .oneLine)])
    func formatFromFileName(_ name: String, _ format: AptSources.Format) {
        #expect(AptSources.Format(fileName: name) == format)
    }

    @Test(arguments: ["x.list.disabled", "sources", "x.sources.save", "x.list~"])
    func namesAptIgnores(_ name: String) {
        #expect(AptSources.Format(fileName: name) == nil)
    }

    static let errors: [(String, AptSources.Format, AptSourcesError)] = [
        ("deb http://x.example.org/debian\n", .oneLine, .malformedLine(line: 1, problem: .missingSuite)),
        ("# c\ndeb\n", .oneLine, .malformedLine(line: 2, problem: .missingURI)),
        ("deb []\n", .oneLine, .malformedLine(line: 1, problem: .missingURI)),
        ("deb http://x.example.org/debian bookworm\n", .oneLine, .malformedLine(line: 1, problem: .missingComponent)),
        ("deb [arch=amd64 http://x.example.org/debian bookworm main\n", .oneLine,
         .malformedLine(line: 1, problem: .unclosedOptions)),
        ("deb [arch] http://x.example.org/debian bookworm main\n", .oneLine,
         .malformedLine(line: 1, problem: .invalidOption("arch"))),
        ("deb [=x] http://x.example.org/debian bookworm main\n", .oneLine,
         .malformedLine(line: 1, problem: .invalidOption("=x"))),
        ("deb cdrom:[abc http://x.example.org/debian bookworm main\n", .oneLine,
         .malformedLine(line: 1, problem: .unclosedQuote)),
        ("deb \"http://x.example.org/debian bookworm main\n", .oneLine, .malformedLine(line: 1, problem: .unclosedQuote)),
        ("URIs: http://x.example.org/d\nSuites: b\nComponents: main\n", .deb822, .missingField("Types", line: 1)),
        ("\nTypes: deb\nSuites: b\nComponents: main\n", .deb822, .missingField("URIs", line: 2)),
        ("Types: deb\nURIs: http://x.example.org/d\nComponents: main\n", .deb822, .missingField("Suites", line: 1)),
        ("Types: deb\nURIs: http://x.example.org/d\nSuites: b\n", .deb822, .missingField("Components", line: 1)),
        ("Types: deb\nURIs:\nSuites: b\nComponents: main\n", .deb822, .missingField("URIs", line: 1)),
        ("Types deb\n", .deb822, .invalidDeb822(.invalidDeb822(line: 1, problem: .missingColon))),
    ]

    /// `Deb822.parse` refuses a repeated field; apt keeps one of them.
    static let stricterThanApt: [(String, AptSources.Format, AptSourcesError)] = [
        ("Types: deb\nEnabled: no\nTypes: deb-src\n", .deb822, .invalidDeb822(.invalidDeb822(line: 3, problem: .duplicateField("Types")))),
    ]

    @Test(arguments: errors + stricterThanApt)
    func rejects(_ text: String, _ format: AptSources.Format, _ error: AptSourcesError) {
        #expect(throws: error) { try AptSources.parse(text, format: format) }
    }

    @Test func errorMessagesNameTheLine() {
        let error = AptSourcesError.malformedLine(line: 4, problem: .invalidOption("arch"))
        #expect(error.description == #"line 4: the option "arch" is not of the form name=value"#)
        #expect(AptSourcesError.missingField("Suites", line: 2).description == #"the entry at line 2 has no "Suites" field"#)
    }
}

/// apt itself as the oracle: `apt-get indextargets` lists what apt made of a source list
/// (offline, with private state directories), and refuses what apt refuses.
@Suite("AptSources against apt", .enabled(if: AptOracle.isAvailable, "apt-get is not installed"))
struct AptSourcesOracleTests {
    @Test(arguments: AptSourcesFixtures.all)
    func agreesWithApt(_ example: AptSourcesFixtures.Case) throws {
        let outcome = try AptOracle.targets(example.text, format: example.format)
        #expect(outcome.status == 0, "apt refused the fixture: \(outcome.errors)")
        var ours: Set<AptOracle.Target> = []
        for source in example.expected where source.isEnabled {
            for type in source.types {
                for uri in source.uris {
                    for suite in source.suites {
                        for component in source.components.isEmpty ? [""] : source.components {
                            let line = example.format == .oneLine ? source.line : nil
                            ours.insert(AptOracle.Target(type: type, uri: uri.hasSuffix("/") ? uri : uri + "/",
                                                         suite: suite, component: component, line: line))
                        }
                    }
                }
            }
        }
        #expect(ours == outcome.targets.filter { !$0.uri.lowercased().hasPrefix("cdrom:") })
    }

    @Test(arguments: AptSourcesParsingTests.errors)
    func aptRejectsToo(_ text: String, _ format: AptSources.Format, _ error: AptSourcesError) throws {
        #expect(try AptOracle.targets(text, format: format).status != 0)
    }
}

enum AptOracle {
    static let path = "/usr/bin/apt-get"
    static var isAvailable: Bool { Tool.isExecutable(path) }

    struct Target: Hashable, CustomStringConvertible {
        var type: String
        var uri: String
        var suite: String
        var component: String
        /// The line, for one-line files (apt numbers deb822 stanzas instead).
        var line: Int?
        var description: String { "\(type) \(uri) \(suite) \(component) @\(line.map(String.init) ?? "-")" }
    }

    struct Outcome {
        var status: Int32
        var targets: Set<Target>
        var errors: String
    }

    static func targets(_ text: String, format: AptSources.Format) throws -> Outcome {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("den-apt-oracle-\(UUID().uuidString)").path
        let fileManager = FileManager.default
        try fileManager.createDirectory(atPath: "\(directory)/parts", withIntermediateDirectories: true)
        try fileManager.createDirectory(atPath: "\(directory)/lists/partial", withIntermediateDirectories: true)
        defer { try? fileManager.removeItem(atPath: directory) }
        let list = "\(directory)/sources.list"
        switch format {
        case .oneLine:
            try text.write(toFile: list, atomically: true, encoding: .utf8)
        case .deb822:
            try "".write(toFile: list, atomically: true, encoding: .utf8)
            try text.write(toFile: "\(directory)/parts/test.sources", atomically: true, encoding: .utf8)
        }
        let outcome = try Tool.run(path, [
            "-o", "Dir::Etc::SourceList=\(list)", "-o", "Dir::Etc::SourceParts=\(directory)/parts",
            "-o", "Dir::State::Lists=\(directory)/lists", "-o", "Dir::Cache=\(directory)/cache",
            "-o", "Debug::NoLocking=1", "indextargets", "--no-release-info",
            "--format", "$(TARGET_OF)\t$(REPO_URI)\t$(RELEASE)\t$(COMPONENT)\t$(SOURCESENTRY)",
        ])
        var targets: Set<Target> = []
        for line in String(decoding: outcome.output, as: UTF8.self).split(separator: "\n") {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard fields.count == 5 else { continue }
            let component = fields[3] == "$(COMPONENT)" ? "" : fields[3]
            let entryLine = format == .oneLine ? fields[4].split(separator: ":").last.flatMap { Int($0) } : nil
            targets.insert(Target(type: fields[0], uri: fields[1], suite: fields[2], component: component, line: entryLine))
        }
        return Outcome(status: outcome.status, targets: targets, errors: outcome.errorOutput)
    }
}

@Suite("AptSources selection")
struct AptSourcesSelectionTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var format: AptSources.Format
        var text: String
        /// uri, suites and line of the chosen entry, or nil.
        var mirror: Choice?
        var security: Choice? = nil
        var updates: Choice? = nil
        var testDescription: String { name }
    }

    struct Choice: Sendable, Equatable, CustomStringConvertible {
        var uri: String
        var suites: [String]
        var line: Int
        var description: String { "\(uri) \(suites) @\(line)" }

        init(_ uri: String, _ suites: [String], line: Int) {
            self.uri = uri
            self.suites = suites
            self.line = line
        }

        init?(_ source: AptSource?) {
            guard let source else { return nil }
            self.init(source.uris.joined(separator: " "), source.suites, line: source.line)
        }
    }

    static func deb822(uris: String, suites: String = "bookworm", components: String = "main", types: String = "deb",
                       extra: String = "") -> String {
        "Types: \(types)\nURIs: \(uris)\nSuites: \(suites)\nComponents: \(components)\n\(extra)"
    }

    static let cases: [Case] = [
        Case(name: "Debian 12 default", format: .deb822, text: AptSourcesFixtures.debian12,
             mirror: Choice("http://mirror.example.org/debian", ["bookworm"], line: 1),
             security: Choice("http://security.example.org/debian-security", ["bookworm-security"], line: 7),
             updates: Choice("http://mirror.example.org/debian", ["bookworm-updates"], line: 1)),
        Case(name: "Ubuntu-style list", format: .oneLine, text: AptSourcesFixtures.ubuntu,
             mirror: Choice("http://mirror.example.org/ubuntu", ["jammy"], line: 3),
             security: Choice("http://security.example.org/ubuntu", ["jammy-security"], line: 12),
             updates: Choice("http://mirror.example.org/ubuntu", ["jammy-updates"], line: 8)),
        Case(name: "disabled entry skipped", format: .deb822,
             text: deb822(uris: "http://off.example.org/debian", extra: "Enabled: no\n") + "\n"
                 + deb822(uris: "http://on.example.org/debian"),
             mirror: Choice("http://on.example.org/debian", ["bookworm"], line: 7)),
        Case(name: "deb-src only", format: .deb822, text: deb822(uris: "http://mirror.example.org/debian", types: "deb-src"),
             mirror: nil),
        Case(name: "cdrom only", format: .oneLine,
             text: "deb cdrom:[Debian GNU/Linux 12 _Bookworm_]/ bookworm main\n", mirror: nil),
        Case(name: "no main component", format: .oneLine,
             text: "deb http://mirror.example.org/debian bookworm contrib non-free\n", mirror: nil),
        Case(name: "only pockets", format: .oneLine, text: """
            deb http://mirror.example.org/debian bookworm-backports main
            deb http://mirror.example.org/debian bookworm-proposed-updates main
            deb http://mirror.example.org/debian-debug bookworm-debug main
            deb http://mirror.example.org/debian experimental main
            """, mirror: nil),
        Case(name: "unusable schemes skipped within an entry", format: .deb822,
             text: deb822(uris: "mirror+http://mirror.example.org/list.txt tor+http://onion.example.org/debian ftp://old.example.org/debian https://mirror.example.org/debian/"),
             mirror: Choice("https://mirror.example.org/debian", ["bookworm"], line: 1)),
        Case(name: "file mirror normalised", format: .oneLine, text: "deb file:/srv/mirror/debian/ bookworm main\n",
             mirror: Choice("file:///srv/mirror/debian", ["bookworm"], line: 1)),
        Case(name: "another key loses to the Debian keyring", format: .oneLine, text: """
            deb [signed-by=/usr/share/keyrings/vendor.gpg] https://repo.example.org/vendor nodistro main
            deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://mirror.example.org/debian bookworm main
            """, mirror: Choice("http://mirror.example.org/debian", ["bookworm"], line: 2)),
        Case(name: "another key loses to no key", format: .oneLine, text: """
            deb [signed-by=/usr/share/keyrings/vendor.gpg] https://repo.example.org/vendor nodistro main
            deb http://mirror.example.org/debian bookworm main
            """, mirror: Choice("http://mirror.example.org/debian", ["bookworm"], line: 2)),
        Case(name: "per-release Debian keyring counts", format: .oneLine, text: """
            deb [signed-by=/usr/share/keyrings/vendor.gpg] https://repo.example.org/vendor nodistro main
            deb [signed-by=/usr/share/keyrings/debian-archive-bookworm-stable.gpg] http://mirror.example.org/debian bookworm main
            """, mirror: Choice("http://mirror.example.org/debian", ["bookworm"], line: 2)),
        Case(name: "another key when nothing else is there", format: .oneLine, text: """
            deb [signed-by=/etc/apt/keyrings/internal.gpg] https://mirror.example.org/internal bookworm main
            deb [signed-by=/etc/apt/keyrings/other.gpg] https://other.example.org/debian bookworm main
            """, mirror: Choice("https://mirror.example.org/internal", ["bookworm"], line: 1)),
        Case(name: "old security layout", format: .oneLine, text: """
            deb http://mirror.example.org/debian buster main
            deb http://security.example.org/debian-security buster/updates main
            deb http://mirror.example.org/debian buster-proposed-updates main
            """, mirror: Choice("http://mirror.example.org/debian", ["buster"], line: 1),
             security: Choice("http://security.example.org/debian-security", ["buster/updates"], line: 2), updates: nil),
        Case(name: "several release suites kept", format: .deb822,
             text: deb822(uris: "http://mirror.example.org/debian", suites: "stable-updates stable testing stable-backports"),
             mirror: Choice("http://mirror.example.org/debian", ["stable", "testing"], line: 1),
             updates: Choice("http://mirror.example.org/debian", ["stable-updates"], line: 1)),
        Case(name: "empty", format: .oneLine, text: "", mirror: nil),
    ]

    @Test(arguments: cases)
    func selects(_ example: Case) throws {
        let sources = try AptSources.parse(example.text, format: example.format)
        #expect(Choice(AptSources.debianMirror(in: sources)) == example.mirror)
        #expect(Choice(AptSources.security(in: sources)) == example.security)
        #expect(Choice(AptSources.updates(in: sources)) == example.updates)
    }

    @Test func keepsTheEntrysOtherFields() throws {
        let sources = try AptSources.parse(AptSourcesFixtures.debian12, format: .deb822, file: "/x/debian.sources")
        let mirror = try #require(AptSources.debianMirror(in: sources))
        #expect(mirror.signedBy == [AptSources.debianArchiveKeyring])
        #expect(mirror.components == ["main"] && mirror.types == ["deb"] && mirror.file == "/x/debian.sources")
    }

    static let uris: [(String, String?)] = [
        ("http://mirror.example.org/debian", "http://mirror.example.org/debian"),
        ("http://mirror.example.org/debian///", "http://mirror.example.org/debian"),
        ("HTTPS://Mirror.example.org/debian/", "https://Mirror.example.org/debian"),
        ("http://mirror.example.org", "http://mirror.example.org"),
        ("http://mirror.example.org/", "http://mirror.example.org"),
        ("http://127.0.0.1:8080/debian/", "http://127.0.0.1:8080/debian"),
        ("file:/srv/mirror/debian", "file:///srv/mirror/debian"),
        ("file:///srv/mirror/debian/", "file:///srv/mirror/debian"),
        ("http://", nil), ("http:///debian", nil), ("http:mirror.example.org", nil),
        ("file:///", nil), ("file:/", nil), ("file://host.example.org/srv", nil), ("file:srv/mirror", nil),
        ("ftp://mirror.example.org/debian", nil), ("mirror+http://mirror.example.org/list", nil),
        ("cdrom:[Debian]/", nil), ("http://mirror.example.org/a b", nil), ("mirror.example.org/debian", nil), ("", nil),
    ]

    @Test(arguments: uris)
    func normalisesArchiveURIs(_ uri: String, _ expected: String?) {
        #expect(AptSources.archiveURI(uri) == expected)
    }

    @Test(arguments: [
        ("/usr/share/keyrings/debian-archive-keyring.gpg", true), ("/usr/share/keyrings/debian-archive-keyring.pgp", true),
        ("/etc/apt/trusted.gpg.d/debian-archive-bookworm-security-automatic.asc", true),
        ("/usr/share/keyrings/debian-archive-removed-keys.gpg", false), ("/usr/share/keyrings/ubuntu-archive-keyring.gpg", false),
        ("debian-archive-keyring.gpg", false), ("/etc/apt/keyrings/debian-archive-keyring.txt", false),
    ])
    func recognisesTheDebianKeyring(_ path: String, _ isDebian: Bool) {
        #expect(AptSources.isDebianArchiveKeyring(path) == isDebian)
    }
}
