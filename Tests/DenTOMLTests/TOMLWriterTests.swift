import DenTOML
import Testing

@Suite("writer")
struct TOMLWriterTests {
    static func table(_ pairs: KeyValuePairs<String, TOMLValue>) -> TOMLTable {
        var table = TOMLTable()
        for (key, value) in pairs { table.set(key, value) }
        return table
    }

    static func array(_ values: TOMLValue...) -> TOMLValue {
        .array(values.map { TOMLNode($0) })
    }

    @Test("a lockfile renders scalars first, then sections in entry order")
    func lockfile() {
        let lock = Self.table([
            "version": .integer(1),
            "base": .table(Self.table([
                "image": .string("debian:bookworm"),
                "digest": .string("sha256:0123"),
            ])),
            "package": Self.array(
                .table(Self.table([
                    "name": .string("curl"),
                    "version": .string("7.88.1-10+deb12u5"),
                    "depends": Self.array(.string("libc6"), .string("libcurl4")),
                ])),
                .table(Self.table(["name": .string("git")]))
            ),
            "manifest": .string("sha256:abcd"),
            "created": .dateTime(TOMLDateTime(
                date: TOMLDateTime.LocalDate(year: 2024, month: 3, day: 1)!,
                time: TOMLDateTime.LocalTime(hour: 12, minute: 0, second: 5)!, offsetMinutes: 0)!),
        ])
        #expect(TOML.render(lock) == """
            version = 1
            manifest = "sha256:abcd"
            created = 2024-03-01T12:00:05Z

            [base]
            image = "debian:bookworm"
            digest = "sha256:0123"

            [[package]]
            name = "curl"
            version = "7.88.1-10+deb12u5"
            depends = ["libc6", "libcurl4"]

            [[package]]
            name = "git"

            """)
    }

    @Test("nested sections, empty tables and inline values")
    func nesting() {
        let document = Self.table([
            "a": .table(Self.table([
                "b": .table(Self.table([
                    "c": .table(TOMLTable()),
                    "d": .table(Self.table(["x": .integer(1)])),
                ])),
            ])),
            "list": Self.array(.integer(1), .table(Self.table(["k": .boolean(false)])), Self.array()),
            "inline": Self.array(.table(TOMLTable())),
            "empty": Self.array(),
            "element": Self.array(.table(Self.table([
                "sub": .table(Self.table(["y": .float(2.5)])),
                "more": Self.array(.table(Self.table(["z": .string("q")]))),
            ]))),
        ])
        #expect(TOML.render(document) == """
            list = [1, { k = false }, []]
            empty = []

            [a.b.c]

            [a.b.d]
            x = 1

            [[inline]]

            [[element]]

            [element.sub]
            y = 2.5

            [[element.more]]
            z = "q"

            """)
    }

    @Test("the empty table renders as an empty line")
    func emptyTable() {
        #expect(TOML.render(TOMLTable()) == "\n")
    }

    @Test("strings are escaped", arguments: [
        ("plain", #""plain""#),
        (#"quote " and backslash \"#, #""quote \" and backslash \\""#),
        ("tab\tnew\nline\rcr", #""tab\tnew\nline\rcr""#),
        ("\u{08}\u{0C}\u{0}\u{1F}\u{7F}", #""\b\f\u0000\u001F\u007F""#),
        ("ünïcödé 😀 \u{85}", "\"ünïcödé 😀 \u{85}\""),
    ])
    func strings(_ string: String, _ rendered: String) throws {
        #expect(TOML.render(Self.table(["s": .string(string)])) == "s = \(rendered)\n")
        #expect(try TOML.parse(TOML.render(Self.table(["s": .string(string)])))["s"]?.node.value == .string(string))
    }

    @Test("keys are bare when possible", arguments: [
        ("bare_key-1", "bare_key-1"),
        ("with space", #""with space""#),
        ("", #""""#),
        ("a.b", #""a.b""#),
        ("ключ", #""ключ""#),
        ("quote\"", #""quote\"""#),
    ])
    func keys(_ key: String, _ rendered: String) throws {
        let document = Self.table([key: .integer(1), "t": .table(Self.table([key: .table(TOMLTable())]))])
        #expect(TOML.render(document) == "\(rendered) = 1\n\n[t.\(rendered)]\n")
        #expect(try TOML.parse(TOML.render(document)) == document)
    }

    @Test("floats round-trip", arguments: [
        (1.0, "1.0"), (0.1, "0.1"), (-0.0, "-0.0"), (1e100, "1e+100"), (1e-7, "1e-07"), (.leastNonzeroMagnitude, "5e-324"),
        (.greatestFiniteMagnitude, "1.7976931348623157e+308"), (123456789.125, "123456789.125"),
        (.infinity, "inf"), (-.infinity, "-inf"), (.nan, "nan"),
    ])
    func floats(_ value: Double, _ rendered: String) throws {
        #expect(TOML.render(Self.table(["f": .float(value)])) == "f = \(rendered)\n")
        let parsed = try #require(try TOML.parse("f = \(rendered)")["f"]?.node.value.floatValue)
        #expect(parsed.bitPattern == value.bitPattern || (parsed.isNaN && value.isNaN))
    }

    @Test("integers and date-times render as parsed", arguments: [
        "i = -9223372036854775808", "i = 9223372036854775807", "d = 1979-05-27T00:32:00.999999-07:00",
        "d = 1979-05-27T07:32:00", "d = 1979-05-27", "d = 07:32:00.5",
    ])
    func scalars(_ line: String) throws {
        #expect(TOML.render(try TOML.parse(line)) == line + "\n")
    }

    @Test("every valid corpus document survives a round trip", arguments: OracleCorpus.valid)
    func roundTrip(_ document: CorpusDocument) throws {
        let parsed = try TOML.parse(document.text)
        let rendered = TOML.render(parsed)
        let reparsed = try TOML.parse(rendered)
        #expect(reparsed == parsed)
        #expect(TOML.render(reparsed) == rendered)
        #expect(rendered.hasSuffix("\n"))
    }
}
