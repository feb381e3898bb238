import DenDebian
import Testing

@Suite("ReleaseFile")
struct ReleaseFileTests {
    static let digestA = String(repeating: "a", count: 64)
    static let digestB = String(repeating: "0123456789abcdef", count: 4)

    @Test func readsTheFields() throws {
        let text = """
            Origin: Debian
            Label: Debian-Security
            Suite: oldstable-security
            Version: 12
            Codename: bookworm-security
            Date: Wed, 25 Nov 2026 02:22:30 UTC
            Valid-Until: Wed, 02 Dec 2026 02:22:30 UTC
            Acquire-By-Hash: yes
            Architectures: amd64 arm64
            Components: updates/main updates/contrib
            Description: Debian 12 - Security Updates
            MD5Sum:
             d41d8cd98f00b204e9800998ecf8427e 0 ignored
            SHA256:
             \(Self.digestA)   1456 main/binary-amd64/Packages.xz
             \(Self.digestB.uppercased()) 32 main/i18n/Translation-en

            """
        let release = try ReleaseFile(text)
        #expect(release.origin == "Debian")
        #expect(release.label == "Debian-Security")
        #expect(release.suite == "oldstable-security")
        #expect(release.version == "12")
        #expect(release.codename == "bookworm-security")
        #expect(release.date == "Wed, 25 Nov 2026 02:22:30 UTC")
        #expect(release.validUntil == "Wed, 02 Dec 2026 02:22:30 UTC")
        #expect(release.parsedDate == ReleaseDate(secondsSince1970: 1_795_573_350))
        #expect(release.parsedValidUntil == ReleaseDate(secondsSince1970: 1_795_573_350 + 7 * 86_400))
        #expect(release.acquireByHash)
        #expect(release.architectures == ["amd64", "arm64"])
        #expect(release.components == ["updates/main", "updates/contrib"])
        #expect(release.sha256 == [
            ReleaseFile.IndexFile(path: "main/binary-amd64/Packages.xz", size: 1456, sha256: Self.digestA),
            ReleaseFile.IndexFile(path: "main/i18n/Translation-en", size: 32, sha256: Self.digestB),
        ])
        #expect(release.indexFile(at: "main/i18n/Translation-en")?.size == 32)
        #expect(release.indexFile(at: "main/binary-arm64/Packages.xz") == nil)
        #expect(release.paragraph["Description"] == "Debian 12 - Security Updates")
    }

    @Test func optionalFieldsMayBeAbsent() throws {
        let release = try ReleaseFile("Suite: local\n")
        #expect(release.origin == nil)
        #expect(release.date == nil)
        #expect(release.parsedDate == nil)
        #expect(release.architectures.isEmpty)
        #expect(!release.acquireByHash)
        #expect(release.sha256.isEmpty)
    }

    @Test func keepsAnUnparseableDateAsText() throws {
        let release = try ReleaseFile("Date: sometime next week\n")
        #expect(release.date == "sometime next week")
        #expect(release.parsedDate == nil)
    }

    static let invalid: [(String, DebianError)] = [
        ("SHA256:\n \(digestA) 12\n",
         .invalidField("SHA256", value: "\(digestA) 12", line: 2, problem: .malformedIndexLine)),
        ("Origin: x\nSHA256:\n \(digestA) 12 a\n abc 12 b\n",
         .invalidField("SHA256", value: "abc 12 b", line: 4, problem: .notASHA256)),
        ("SHA256:\n \(digestA) 1x a\n", .invalidField("SHA256", value: "\(digestA) 1x a", line: 2, problem: .notANumber)),
        ("Acquire-By-Hash: maybe\n", .invalidField("Acquire-By-Hash", value: "maybe", line: 1, problem: .notYesOrNo)),
        ("Origin: a\n\nOrigin: b\n", .unexpectedParagraphCount(2)),
        ("", .unexpectedParagraphCount(0)),
        ("Origin a\n", .invalidDeb822(line: 1, problem: .missingColon)),
    ]

    @Test(arguments: invalid)
    func rejects(_ text: String, _ error: DebianError) {
        #expect(throws: error) { try ReleaseFile(text) }
    }

    /// The real InRelease files: every SHA256 line, split independently, must come back in
    /// order, and the dates must parse and print back exactly as the archive wrote them.
    @Test(arguments: Fixtures.inReleaseNames)
    func readsTheRealInRelease(_ name: String) throws {
        let signedText = try ClearSigned(try Fixtures.text(name)).signedText
        let release = try ReleaseFile(signedText)
        #expect(release.origin == "Debian")
        #expect(release.codename.map { $0 + ".InRelease" } == name)
        #expect(release.suite != nil)
        #expect(release.architectures.contains("amd64"))
        #expect(!release.components.isEmpty)
        #expect(release.acquireByHash)

        let lines = signedText.split(separator: "\n", omittingEmptySubsequences: false)
        let listed = lines.drop { $0 != "SHA256:" }.dropFirst().prefix { $0.hasPrefix(" ") }
            .map { $0.split(separator: " ").map(String.init) }
        #expect(listed.count > 10)
        #expect(release.sha256.map(\.sha256) == listed.map { $0[0] })
        #expect(release.sha256.map { String($0.size) } == listed.map { $0[1] })
        #expect(release.sha256.map(\.path) == listed.map { $0[2] })

        let date = try #require(release.parsedDate)
        #expect(date.description == release.date)
        if let validUntil = release.validUntil {
            #expect(release.parsedValidUntil?.description == validUntil)
            #expect(try #require(release.parsedValidUntil) > date)
        }
    }
}

@Suite("ReleaseDate")
struct ReleaseDateTests {
    /// Expected values from `date -u -d '<text>' +%s` (GNU coreutils).
    static let valid: [(String, Int64)] = [
        ("Sat, 10 Jun 2023 08:55:14 UTC", 1_686_387_314),
        ("10 Jun 2023 08:55:14 UTC", 1_686_387_314),
        ("Thu, 01 Jan 1970 00:00:00 UTC", 0),
        ("Mon, 29 Feb 2016 23:59:59 GMT", 1_456_790_399),
        ("Wed, 25 Nov 2026 02:22:30 +0100", 1_795_569_750),
        ("Wed, 25 Nov 2026 02:22:30 -0530", 1_795_593_150),
        ("Sat, 1 Jan 2000 00:00 UTC", 946_684_800),
        ("Tue, 01 Mar 2100 12:00:00 Z", 4_107_585_600),
        ("sat, 10 jun 2023 08:55:14 utc", 1_686_387_314),
        // GNU date refuses leap seconds; counting 23:59:60 as the next second is our choice.
        ("Fri, 31 Dec 1999 23:59:60 UTC", 946_684_800),
    ]

    @Test(arguments: valid)
    func parses(_ text: String, _ seconds: Int64) {
        #expect(ReleaseDate(text)?.secondsSince1970 == seconds)
    }

    @Test(arguments: [
        "", "Sat, 30 Feb 2023 08:55:14 UTC", "Sat, 29 Feb 2100 00:00:00 UTC", "Sat, 10 Jun 2023 24:00:00 UTC",
        "Sat, 10 Jun 2023 08:60:00 UTC", "Sat, 10 Jun 2023 08:55:14", "Sat, 10 Foo 2023 08:55:14 UTC",
        "2023-06-10T08:55:14Z", "Xyz, 10 Jun 2023 08:55:14 UTC", "Sat, 10 Jun 23 08:55:14 UTC",
        "Sat, 10 Jun 2023 08:55:14 CEST", "Sat, 10 Jun 2023 8:55:14 UTC", "Sat, 0 Jun 2023 08:55:14 UTC",
    ])
    func rejects(_ text: String) {
        #expect(ReleaseDate(text) == nil)
    }

    @Test(arguments: [
        (Int64(1_686_387_314), "Sat, 10 Jun 2023 08:55:14 UTC"),
        (0, "Thu, 01 Jan 1970 00:00:00 UTC"),
        (-1, "Wed, 31 Dec 1969 23:59:59 UTC"),
        (951_782_400, "Tue, 29 Feb 2000 00:00:00 UTC"),
        // Found by fuzzing: the year lost its leading zero and the text no longer parsed.
        (-56_220_534_286, "Tue, 10 Jun 0188 08:55:14 UTC"),
        (-62_167_219_200, "Sat, 01 Jan 0000 00:00:00 UTC"),
    ])
    func formats(_ seconds: Int64, _ text: String) {
        #expect(ReleaseDate(secondsSince1970: seconds).description == text)
        #expect(ReleaseDate(text)?.secondsSince1970 == seconds)
    }

    @Test func compares() throws {
        let earlier = try #require(ReleaseDate("Sat, 10 Jun 2023 08:55:14 UTC"))
        let later = try #require(ReleaseDate("Sat, 10 Jun 2023 09:55:14 +0100"))
        #expect(earlier == later)
        #expect(earlier < ReleaseDate(secondsSince1970: earlier.secondsSince1970 + 1))
    }
}
