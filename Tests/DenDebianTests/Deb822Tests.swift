import DenDebian
import Testing

@Suite("Deb822")
struct Deb822Tests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var text: String
        /// Per paragraph: (first line, [(name, value)]).
        var expected: [(Int, [(String, String)])]
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "two paragraphs", text: "A: 1\nB: 2\n\nC: 3\n",
             expected: [(1, [("A", "1"), ("B", "2")]), (4, [("C", "3")])]),
        Case(name: "several blank lines, leading and trailing", text: "\n\nA: 1\n\n\n\nB: 2\n\n\n",
             expected: [(3, [("A", "1")]), (7, [("B", "2")])]),
        Case(name: "whitespace-only separator", text: "A: 1\n \t \nB: 2",
             expected: [(1, [("A", "1")]), (3, [("B", "2")])]),
        Case(name: "no final newline", text: "A: 1", expected: [(1, [("A", "1")])]),
        Case(name: "blanks around the value", text: "A:   x y  \t\n", expected: [(1, [("A", "x y")])]),
        Case(name: "no space after the colon", text: "A:x\n", expected: [(1, [("A", "x")])]),
        Case(name: "empty value", text: "A:\nB: 2\n", expected: [(1, [("A", ""), ("B", "2")])]),
        Case(name: "colon inside the value", text: "A: b: c\n", expected: [(1, [("A", "b: c")])]),
        Case(name: "continuation lines", text: "Description: short\n long one\n  indented\n .\n last\n",
             expected: [(1, [("Description", "short\nlong one\n indented\n\nlast")])]),
        Case(name: "tab continuation", text: "A: x\n\ty\n", expected: [(1, [("A", "x\ny")])]),
        Case(name: "empty first line", text: "SHA256:\n aa 1 f\n bb 2 g\n",
             expected: [(1, [("SHA256", "\naa 1 f\nbb 2 g")])]),
        Case(name: "comments", text: "# head\nA: 1\n# between fields\nB: x\n# inside a value\n y\n",
             expected: [(2, [("A", "1"), ("B", "x\ny")])]),
        Case(name: "comment between paragraphs", text: "A: 1\n\n# note\n\nB: 2\n",
             expected: [(1, [("A", "1")]), (5, [("B", "2")])]),
        Case(name: "CRLF", text: "A: 1\r\nB: x\r\n y\r\n\r\nC: 3\r\n",
             expected: [(1, [("A", "1"), ("B", "x\ny")]), (5, [("C", "3")])]),
        Case(name: "byte-order mark", text: "\u{FEFF}A: 1\n", expected: [(1, [("A", "1")])]),
        Case(name: "unusual but valid names", text: "X-Cargo-Built-Using: a\nFoo.Bar_2#: b\n",
             expected: [(1, [("X-Cargo-Built-Using", "a"), ("Foo.Bar_2#", "b")])]),
        Case(name: "UTF-8 values", text: "Maintainer: Jérôme <j@example.org>\n",
             expected: [(1, [("Maintainer", "Jérôme <j@example.org>")])]),
        Case(name: "empty document", text: "", expected: []),
        Case(name: "only comments and blanks", text: "# x\n\n  \n# y\n", expected: []),
    ]

    @Test(arguments: cases)
    func parses(_ example: Case) throws {
        let paragraphs = try Deb822.parse(example.text)
        #expect(paragraphs.count == example.expected.count)
        for (paragraph, (line, fields)) in zip(paragraphs, example.expected) {
            #expect(paragraph.line == line)
            #expect(paragraph.fields.map(\.name) == fields.map(\.0))
            #expect(paragraph.fields.map(\.value) == fields.map(\.1))
        }
        // The byte entry point must agree with the string one.
        #expect(try Deb822.parse(Array(example.text.utf8)) == paragraphs)
    }

    static let errors: [(String, DebianError)] = [
        ("Package foo\n", .invalidDeb822(line: 1, problem: .missingColon)),
        (" continued\n", .invalidDeb822(line: 1, problem: .continuationWithoutField)),
        ("A: 1\n\n more\n", .invalidDeb822(line: 3, problem: .continuationWithoutField)),
        ("A: 1\nB: 2\na: 3\n", .invalidDeb822(line: 3, problem: .duplicateField("a"))),
        (": x\n", .invalidDeb822(line: 1, problem: .emptyFieldName)),
        ("-Foo: bar\n", .invalidDeb822(line: 1, problem: .invalidFieldName("-Foo"))),
        ("Fo o: bar\n", .invalidDeb822(line: 1, problem: .invalidFieldName("Fo o"))),
        ("Fé: bar\n", .invalidDeb822(line: 1, problem: .invalidFieldName("Fé"))),
        ("A: 1\n\n# c\nB 2\n", .invalidDeb822(line: 4, problem: .missingColon)),
        ("A: 1\r\nB: 2\r\nB: 3\r\n", .invalidDeb822(line: 3, problem: .duplicateField("B"))),
        ("-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\nA: 1\n", .invalidDeb822(line: 1, problem: .missingColon)),
    ]

    @Test(arguments: errors)
    func rejects(_ text: String, _ error: DebianError) {
        #expect(throws: error) { try Deb822.parse(text) }
    }

    @Test func lookupIgnoresCase() throws {
        let paragraph = try #require(try Deb822.parse("Pre-Depends: a\nMULTI-ARCH: same\n").first)
        #expect(paragraph["pre-depends"] == "a")
        #expect(paragraph["Multi-Arch"] == "same")
        #expect(paragraph.field("multi-arch")?.line == 2)
        #expect(paragraph["Depends"] == nil)
    }

    @Test func subscriptEditsInPlace() throws {
        var paragraph = try #require(try Deb822.parse("A: 1\nB: 2\nC: 3\n").first)
        paragraph["b"] = "two"
        paragraph["D"] = "4"
        paragraph["A"] = nil
        #expect(paragraph.fields.map(\.name) == ["B", "C", "D"])
        #expect(paragraph.fields.map(\.value) == ["two", "3", "4"])
    }

    /// Formatting then parsing gives back the same names, values and order.
    @Test(arguments: cases)
    func formatRoundTrips(_ example: Case) throws {
        let paragraphs = try Deb822.parse(example.text)
        let reparsed = try Deb822.parse(Deb822.format(paragraphs))
        #expect(reparsed.map { $0.fields.map(\.name) } == paragraphs.map { $0.fields.map(\.name) })
        #expect(reparsed.map { $0.fields.map(\.value) } == paragraphs.map { $0.fields.map(\.value) })
    }

    @Test func formatsContinuationLines() {
        let paragraph = Deb822Paragraph(fields: [
            Deb822Field(name: "Description", value: "short\nlong\n\n indented"),
            Deb822Field(name: "SHA256", value: "\naa 1 f"),
        ])
        #expect(paragraph.description == "Description: short\n long\n .\n  indented\nSHA256:\n aa 1 f\n")
    }

    @Test func parsesTheCommittedPackagesExcerpt() throws {
        let text = try Fixtures.text("Packages")
        let paragraphs = try Deb822.parse(text)
        #expect(paragraphs.count == Fixtures.lineValues(text, field: "Package").count)
        #expect(paragraphs.compactMap { $0["Package"] } == Fixtures.lineValues(text, field: "Package"))
        #expect(paragraphs.compactMap { $0["version"] } == Fixtures.lineValues(text, field: "Version"))
    }
}
