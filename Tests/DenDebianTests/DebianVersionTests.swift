import DenDebian
import Foundation
import Testing

@Suite("DebianVersion")
struct DebianVersionTests {
    struct Parts: Sendable, CustomTestStringConvertible {
        var text: String
        var epoch: Int
        var upstream: String
        var revision: String
        var description: String
        var testDescription: String { "\"\(text)\"" }
    }

    static let valid: [Parts] = [
        Parts(text: "1.0", epoch: 0, upstream: "1.0", revision: "", description: "1.0"),
        Parts(text: "1:1.0-1", epoch: 1, upstream: "1.0", revision: "1", description: "1:1.0-1"),
        Parts(text: "0:1.0", epoch: 0, upstream: "1.0", revision: "", description: "0:1.0"),
        Parts(text: "1.0-1-2", epoch: 0, upstream: "1.0-1", revision: "2", description: "1.0-1-2"),
        Parts(text: "2:1.0~rc1+dfsg-3~bpo12+1", epoch: 2, upstream: "1.0~rc1+dfsg", revision: "3~bpo12+1",
              description: "2:1.0~rc1+dfsg-3~bpo12+1"),
        Parts(text: "  1.0-1\t", epoch: 0, upstream: "1.0", revision: "1", description: "1.0-1"),
        Parts(text: "1:2:3", epoch: 1, upstream: "2:3", revision: "", description: "1:2:3"),
        Parts(text: "00001:1", epoch: 1, upstream: "1", revision: "", description: "00001:1"),
        Parts(text: "2147483647:1", epoch: 2_147_483_647, upstream: "1", revision: "", description: "2147483647:1"),
        Parts(text: "3:1.2.3a+b~c:d-e.f+g~h", epoch: 3, upstream: "1.2.3a+b~c:d", revision: "e.f+g~h",
              description: "3:1.2.3a+b~c:d-e.f+g~h"),
        Parts(text: "7.0.0-1+b1", epoch: 0, upstream: "7.0.0", revision: "1+b1", description: "7.0.0-1+b1"),
    ]

    @Test(arguments: valid)
    func parsesParts(_ expected: Parts) throws {
        let version = try DebianVersion(expected.text)
        #expect(version.epoch == expected.epoch)
        #expect(version.upstream == expected.upstream)
        #expect(version.revision == expected.revision)
        #expect(version.description == expected.description)
    }

    static let invalid: [(String, DebianError.VersionProblem)] = [
        ("", .empty),
        ("  ", .empty),
        ("1 0", .embeddedSpace),
        (":1.0", .emptyEpoch),
        ("a:1.0", .nonNumericEpoch),
        ("1a:1.0", .nonNumericEpoch),
        ("+1:1.0", .nonNumericEpoch),
        ("-1:1.0", .negativeEpoch),
        ("-0:1.0", .negativeEpoch),
        ("-:1.0", .emptyEpoch),
        ("2147483648:1.0", .epochTooLarge),
        ("99999999999999999999:1.0", .epochTooLarge),
        ("1:", .nothingAfterColon),
        ("1.0-", .emptyRevision),
        ("-1", .emptyUpstream),
        ("1:-1", .emptyUpstream),
        ("a1.0", .upstreamStartsWithNonDigit),
        ("~1", .upstreamStartsWithNonDigit),
        ("1.0_1", .invalidCharacterInUpstream("_")),
        ("1.0é", .invalidCharacterInUpstream("é")),
        ("1.0-1_2", .invalidCharacterInRevision("_")),
        ("1.0-1:2", .nonNumericEpoch),
        ("1:1.0-1:2", .invalidCharacterInRevision(":")),
        ("1.0-a-b/c", .invalidCharacterInRevision("/")),
    ]

    @Test(arguments: invalid)
    func rejects(_ text: String, _ problem: DebianError.VersionProblem) {
        #expect(throws: DebianError.invalidVersion(text, problem: problem)) {
            try DebianVersion(text)
        }
    }

    /// dpkg's verdict on the same strings: hard errors exit with status 2, the rest print a
    /// warning. Strings this type accepts must pass dpkg silently.
    @Test(.enabled(if: Dpkg.isAvailable, "dpkg is not installed"), arguments: invalid)
    func dpkgAlsoObjects(_ text: String, _ problem: DebianError.VersionProblem) throws {
        // dpkg reads an empty argument as "no version" and, via strtol, accepts a signed epoch:
        // the two documented divergences.
        let divergences: Set<String> = ["", "+1:1.0", "-0:1.0"]
        let outcome = try Tool.run(Dpkg.path, ["--compare-versions", "--", text, "eq", text])
        if divergences.contains(text) {
            #expect(outcome.status == 0 && !outcome.errorOutput.contains("bad syntax"))
            return
        }
        switch problem {
        case .upstreamStartsWithNonDigit, .invalidCharacterInUpstream, .invalidCharacterInRevision:
            #expect(outcome.status == 0 && outcome.errorOutput.contains("warning"), "\(outcome.errorOutput)")
        default:
            #expect(outcome.status == 2 && outcome.errorOutput.contains("bad syntax"), "\(outcome.errorOutput)")
        }
    }

    @Test(.enabled(if: Dpkg.isAvailable, "dpkg is not installed"), arguments: valid)
    func dpkgAcceptsSilently(_ parts: Parts) throws {
        let outcome = try Tool.run(Dpkg.path, ["--compare-versions", "--", parts.text, "eq", parts.text])
        #expect(outcome.status == 0)
        #expect(outcome.errorOutput.isEmpty, "\(outcome.errorOutput)")
    }

    /// Orderings worth naming, each also checked against dpkg by the oracle tests below.
    static let ordered: [(String, String, Int)] = [
        ("1.0~rc1", "1.0", -1),
        ("1.0~~", "1.0~", -1),
        ("1.0~", "1.0", -1),
        ("1.0~", "1.0~0", 0),
        ("1.0", "1.0+b1", -1),
        ("1.0a", "1.0+", -1),
        ("1.0a", "1.0.", -1),
        ("1.0+", "1.0.", -1),
        ("1.0", "1.0a", -1),
        ("1.0", "1.0.", -1),
        ("1.0", "1.0.1", -1),
        ("1.2", "1.10", -1),
        ("1:0.1", "2.0", 1),
        ("1.0-1", "1.0-1+b1", -1),
        ("1.0-1", "1.0-1~bpo1", 1),
        ("1.0-0", "1.0", 0),
        ("1.00", "1.0", 0),
        ("0:1.0", "1.0", 0),
        ("1.0", "1", 1),
        ("1.99999999999999999999999999", "1.100000000000000000000000000", -1),
        ("1.0000000000000000000000000000001", "1.1", 0),
        ("1.18446744073709551616", "1.18446744073709551615", 1),
        ("1.0-2", "1.0-10", -1),
        ("1.0-a", "1.0-b", -1),
        ("1.0-A", "1.0-a", -1),
        ("9", "10", -1),
        ("1:1", "2147483647:0", -1),
    ]

    @Test(arguments: ordered)
    func orders(_ a: String, _ b: String, _ expected: Int) throws {
        let left = try DebianVersion(a)
        let right = try DebianVersion(b)
        #expect(DebianVersion.compare(left, right).signum() == expected)
        #expect(DebianVersion.compare(right, left).signum() == -expected)
        #expect((left == right) == (expected == 0))
        #expect((left < right) == (expected < 0))
        if expected == 0 {
            #expect(left.hashValue == right.hashValue)
            #expect(Set([left, right]).count == 1)
        }
    }

    @Test func equalVersionsKeepTheirSpelling() throws {
        let a = try DebianVersion("0:1.0-0")
        let b = try DebianVersion("1.0")
        #expect(a == b)
        #expect(a.description == "0:1.0-0")
        #expect(b.description == "1.0")
    }

    /// Respelling a version the ways dpkg ignores (explicit zero epoch, leading zeros on digit
    /// runs, a `-0` revision) must give an equal version with an equal hash; dpkg confirms a
    /// sample of the respellings are equal.
    @Test(.enabled(if: Dpkg.isAvailable, "dpkg is not installed"))
    func respellingsAreEqualAndHashAlike() async throws {
        let strings = Array(Set(Fixtures.lineValues(try Fixtures.text("Packages"), field: "Version"))).sorted()
        var pairs: [(String, String)] = []
        for text in strings {
            var respelled = ""
            var previousIsDigit = false
            for character in text {
                if character.isASCII, character.isNumber, !previousIsDigit {
                    respelled += "00"
                }
                previousIsDigit = character.isASCII && character.isNumber
                respelled.append(character)
            }
            if !text.contains(":") {
                respelled = "0:" + respelled
            }
            if !text.contains("-") {
                respelled += "-0"
            }
            let original = try DebianVersion(text)
            let variant = try DebianVersion(respelled)
            #expect(original == variant, "\(text) vs \(respelled)")
            #expect(original.hashValue == variant.hashValue, "\(text) vs \(respelled)")
            pairs.append((text, respelled))
        }
        var generator = SeededGenerator(state: 42)
        let sample = (0..<60).map { _ in pairs[Int.random(in: 0..<pairs.count, using: &generator)] }
        let disagreements = try await Dpkg.allHold(sample) { try Dpkg.holds($0.0, "eq", $0.1) }
        #expect(disagreements.isEmpty, "dpkg disagrees: \(disagreements)")
    }

    /// Every Version of the committed Packages excerpt plus the hand-picked strings above,
    /// sorted by `DebianVersion`: each adjacent pair and a few hundred seeded random pairs must
    /// get the same verdict from `dpkg --compare-versions`. Equal pairs must also hash equal.
    @Test(.enabled(if: Dpkg.isAvailable, "dpkg is not installed"))
    func orderingAgreesWithDpkg() async throws {
        let packages = try Fixtures.text("Packages")
        var strings = Set(Fixtures.lineValues(packages, field: "Version"))
        for (a, b, _) in Self.ordered {
            strings.insert(a)
            strings.insert(b)
        }
        strings.formUnion(Self.valid.map(\.text).map { $0.trimmingCharacters(in: .whitespaces) })
        #expect(strings.count > 300)
        let sorted = try strings.sorted().map { try DebianVersion($0) }.sorted()

        var pairs: [(String, String, String)] = []
        for (a, b) in zip(sorted, sorted.dropFirst()) {
            let order = DebianVersion.compare(a, b)
            #expect(order <= 0, "sorted() left \(a) before \(b)")
            pairs.append((a.description, order == 0 ? "eq" : "lt", b.description))
            if order == 0 {
                #expect(a.hashValue == b.hashValue, "\(a) == \(b) but hashes differ")
            }
        }
        var generator = SeededGenerator(state: 0x6465_6E20_6465_6221)
        for _ in 0..<300 {
            let a = sorted[Int.random(in: 0..<sorted.count, using: &generator)]
            let b = sorted[Int.random(in: 0..<sorted.count, using: &generator)]
            let order = DebianVersion.compare(a, b)
            pairs.append((a.description, order < 0 ? "lt" : order == 0 ? "eq" : "gt", b.description))
        }
        let disagreements = try await Dpkg.allHold(pairs) { try Dpkg.holds($0.0, $0.1, $0.2) }
        #expect(disagreements.isEmpty, "dpkg disagrees: \(disagreements)")
    }
}
