import DenDebian
import Testing

@Suite("Relation")
struct RelationTests {
    /// Table literals are known-good; a typo should stop the run loudly.
    static func version(_ text: String) -> DebianVersion {
        try! DebianVersion(text)
    }

    static func r(
        _ name: String, _ qualifier: Relation.ArchitectureQualifier? = nil,
        _ op: VersionConstraint.Operator? = nil, _ version: String = "",
        arch: [Relation.ArchitectureTerm] = [], profiles: [[Relation.ProfileTerm]] = []
    ) -> Relation {
        Relation(
            name: name, architectureQualifier: qualifier,
            constraint: op.map { VersionConstraint($0, Self.version(version)) },
            architectures: arch, profiles: profiles)
    }

    static let lists: [(String, [[Relation]], String)] = [
        ("", [], ""),
        (" \n\t ", [], ""),
        ("libc6", [[r("libc6")]], "libc6"),
        ("libc6 (>= 2.36)", [[r("libc6", nil, .greaterOrEqual, "2.36")]], "libc6 (>= 2.36)"),
        ("a | b (>= 1.0) [amd64] <!nocheck>, c:any, d (<< 2)",
         [[r("a"), r("b", nil, .greaterOrEqual, "1.0", arch: [.init("amd64")], profiles: [[.init("nocheck", isNegated: true)]])],
          [r("c", .any)], [r("d", nil, .lessThan, "2")]],
         "a | b (>= 1.0) [amd64] <!nocheck>, c:any, d (<< 2)"),
        ("a (>=1.0)", [[r("a", nil, .greaterOrEqual, "1.0")]], "a (>= 1.0)"),
        ("a(>=1.0)", [[r("a", nil, .greaterOrEqual, "1.0")]], "a (>= 1.0)"),
        ("a ( <= 1:2.0-1 )", [[r("a", nil, .lessOrEqual, "1:2.0-1")]], "a (<= 1:2.0-1)"),
        ("a (= 1.0)", [[r("a", nil, .equal, "1.0")]], "a (= 1.0)"),
        ("a (>> 1.0)", [[r("a", nil, .greaterThan, "1.0")]], "a (>> 1.0)"),
        ("a (< 1.0)", [[r("a", nil, .lessOrEqual, "1.0")]], "a (<= 1.0)"),
        ("a (> 1.0)", [[r("a", nil, .greaterOrEqual, "1.0")]], "a (>= 1.0)"),
        ("python3:native", [[r("python3", .native)]], "python3:native"),
        ("libfoo:amd64 (>= 1)", [[r("libfoo", .named("amd64"), .greaterOrEqual, "1")]], "libfoo:amd64 (>= 1)"),
        ("a [!i386 !hurd-any]", [[r("a", arch: [.init("i386", isNegated: true), .init("hurd-any", isNegated: true)])]],
         "a [!i386 !hurd-any]"),
        ("a [ linux-any ]", [[r("a", arch: [.init("linux-any")])]], "a [linux-any]"),
        ("a <!nocheck> <stage1 cross>",
         [[r("a", profiles: [[.init("nocheck", isNegated: true)], [.init("stage1"), .init("cross")]])]],
         "a <!nocheck> <stage1 cross>"),
        ("a,\n b |\n  c", [[r("a")], [r("b"), r("c")]], "a, b | c"),
        ("a,b|c", [[r("a")], [r("b"), r("c")]], "a, b | c"),
        ("libstdc++6, g++-12, foo.bar, x_y", [[r("libstdc++6")], [r("g++-12")], [r("foo.bar")], [r("x_y")]],
         "libstdc++6, g++-12, foo.bar, x_y"),
        ("\ta (= 1)  ", [[r("a", nil, .equal, "1")]], "a (= 1)"),
    ]

    @Test(arguments: lists)
    func parsesList(_ text: String, _ expected: [[Relation]], _ normalized: String) throws {
        let list = try RelationList(text)
        #expect(list.groups == expected)
        #expect(list.description == normalized)
        #expect(try RelationList(list.description) == list)
    }

    static let invalid: [(String, DebianError)] = [
        ("a,", .invalidRelation("a,", problem: .missingPackageName)),
        ("a,,b", .invalidRelation("a,,b", problem: .emptyAlternative)),
        ("a | | b", .invalidRelation("a | | b", problem: .emptyAlternative)),
        ("(>= 1)", .invalidRelation("(>= 1)", problem: .missingPackageName)),
        ("-a", .invalidRelation("-a", problem: .invalidPackageName("-a"))),
        ("a*b", .invalidRelation("a*b", problem: .invalidPackageName("a*b"))),
        ("a:", .invalidRelation("a:", problem: .invalidArchitecture(""))),
        ("a:-x", .invalidRelation("a:-x", problem: .invalidArchitecture("-x"))),
        ("x, a (>= )", .invalidRelation("a (>= )", problem: .missingVersion)),
        ("a (>= 1.0", .invalidRelation("a (>= 1.0", problem: .unclosedParenthesis)),
        ("a (>= 1.0 2.0)", .invalidRelation("a (>= 1.0 2.0)", problem: .unclosedParenthesis)),
        ("a (=> 1.0)", .invalidRelation("a (=> 1.0)", problem: .invalidOperator("=>"))),
        ("a (<<= 1.0)", .invalidRelation("a (<<= 1.0)", problem: .invalidOperator("<<="))),
        ("a (1.0)", .invalidRelation("a (1.0)", problem: .missingOperator)),
        ("a (>= a1)", .invalidRelation("a (>= a1)", problem: .invalidVersion(.upstreamStartsWithNonDigit))),
        ("a [amd64", .invalidRelation("a [amd64", problem: .unclosedArchitectureList)),
        ("a []", .invalidRelation("a []", problem: .emptyArchitectureList)),
        ("a [amd64*]", .invalidRelation("a [amd64*]", problem: .unexpectedCharacter("*"))),
        ("a <>", .invalidRelation("a <>", problem: .emptyProfileList)),
        ("a <nocheck", .invalidRelation("a <nocheck", problem: .unclosedProfileList)),
        ("a b", .invalidRelation("a b", problem: .unexpectedCharacter("b"))),
        ("a (>= 1) (<< 2)", .invalidRelation("a (>= 1) (<< 2)", problem: .unexpectedCharacter("("))),
        ("a [amd64] (>= 1)", .invalidRelation("a [amd64] (>= 1)", problem: .unexpectedCharacter("("))),
    ]

    @Test(arguments: invalid)
    func rejectsList(_ text: String, _ error: DebianError) {
        #expect(throws: error) { try RelationList(text) }
    }

    @Test func parsesSingleRelation() throws {
        #expect(try Relation("foo:any (>= 1)") == Self.r("foo", .any, .greaterOrEqual, "1"))
        #expect(throws: DebianError.invalidRelation("a | b", problem: .alternativesNotAllowed)) {
            try Relation("a | b")
        }
        #expect(throws: DebianError.self) { try Relation("a, b") }
        #expect(throws: DebianError.self) { try Relation("") }
    }

    static let flat: [(String, Bool, [Relation]?, DebianError?)] = [
        ("mail-transport-agent, foo (= 1.0-1)", true,
         [r("mail-transport-agent"), r("foo", nil, .equal, "1.0-1")], nil),
        ("foo (>= 1)", true, nil, .invalidRelation("foo (>= 1)", problem: .onlyExactVersionAllowed)),
        ("foo (>= 1)", false, [r("foo", nil, .greaterOrEqual, "1")], nil),
        ("a | b, c", false, nil, .invalidRelation("a | b", problem: .alternativesNotAllowed)),
        ("", false, [], nil),
    ]

    @Test(arguments: flat)
    func parsesFlatList(_ text: String, _ exactOnly: Bool, _ expected: [Relation]?, _ error: DebianError?) throws {
        if let error {
            #expect(throws: error) { try Relation.parseList(text, exactVersionsOnly: exactOnly) }
        } else {
            #expect(try Relation.parseList(text, exactVersionsOnly: exactOnly) == expected)
        }
    }

    static let constraints: [(String, String, Bool)] = [
        ("<< 2.0", "1.9", true), ("<< 2.0", "2.0", false), ("<< 2.0", "2.0~rc1", true),
        ("<= 2.0", "2.0", true), ("<= 2.0", "2.0-0", true), ("<= 2.0", "2.0-1", false),
        ("= 1:1.0", "1:1.0", true), ("= 1:1.0", "1.0", false), ("= 1.0", "0:1.0", true),
        (">= 1.0", "1.0", true), (">= 1.0", "1.0~", false), (">= 1.0", "1.0+b1", true),
        (">> 1.0", "1.0", false), (">> 1.0", "1.0.0", true), (">> 1.0", "1.00", false),
    ]

    @Test(arguments: constraints)
    func checksConstraints(_ constraint: String, _ candidate: String, _ expected: Bool) throws {
        let relation = try Relation("pkg (\(constraint))")
        let parsed = try #require(relation.constraint)
        #expect(parsed.isSatisfied(by: try DebianVersion(candidate)) == expected)
    }

    /// The same rows asked of dpkg, which accepts the relation operators directly.
    @Test(.enabled(if: Dpkg.isAvailable, "dpkg is not installed"), arguments: constraints)
    func constraintsAgreeWithDpkg(_ constraint: String, _ candidate: String, _ expected: Bool) throws {
        let parts = constraint.split(separator: " ").map(String.init)
        #expect(try Dpkg.holds(candidate, parts[0], parts[1]) == expected)
    }

    /// Every dependency field of the committed excerpt parses, and prints back exactly as the
    /// archive wrote it (the archive's spelling is already the normalised one).
    @Test(arguments: ["Depends", "Pre-Depends", "Recommends", "Suggests", "Breaks", "Conflicts", "Replaces", "Provides",
                      "Enhances", "Built-Using"])
    func excerptFieldsRoundTrip(_ field: String) throws {
        let values = Fixtures.lineValues(try Fixtures.text("Packages"), field: field)
        #expect(!values.isEmpty)
        for value in values {
            #expect(try RelationList(value).description == value)
        }
    }
}
