import DenTOML
import Testing

@Suite("values")
struct TOMLValueTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let source: String
        let expected: TOMLValue
        /// False where den deliberately differs from tomllib.
        let isCheckedByOracle: Bool

        init(_ source: String, _ expected: TOMLValue, isCheckedByOracle: Bool = true) {
            self.source = source
            self.expected = expected
            self.isCheckedByOracle = isCheckedByOracle
        }

        var document: String { "v = \(source)\n" }
        var testDescription: String { source }
    }

    static func date(_ year: Int, _ month: Int, _ day: Int) -> TOMLDateTime.LocalDate {
        TOMLDateTime.LocalDate(year: year, month: month, day: day)!
    }

    static func time(_ hour: Int, _ minute: Int, _ second: Int, _ nanosecond: Int = 0) -> TOMLDateTime.LocalTime {
        TOMLDateTime.LocalTime(hour: hour, minute: minute, second: second, nanosecond: nanosecond)!
    }

    static func array(_ values: TOMLValue...) -> TOMLValue {
        .array(values.map { TOMLNode($0) })
    }

    static func table(_ pairs: KeyValuePairs<String, TOMLValue>) -> TOMLValue {
        var table = TOMLTable()
        for (key, value) in pairs { table.set(key, value) }
        return .table(table)
    }

    static let cases: [Case] = [
        // Basic strings
        Case(#""hello""#, .string("hello")),
        Case("\"\"", .string("")),
        Case(#""\b\t\n\f\r\"\\""#, .string("\u{08}\t\n\u{0C}\r\"\\")),
        Case(#""\u00E9\U0001F600\u0041""#, .string("é😀A")),
        Case(#""\u0000\u007F\uFFFF\U0010FFFF""#, .string("\u{0}\u{7F}\u{FFFF}\u{10FFFF}")),
        Case("\"raw\ttab\"", .string("raw\ttab")),
        Case(#""é 日本 🎉 # not a comment""#, .string("é 日本 🎉 # not a comment")),
        // Literal strings
        Case(#"'C:\path\n'"#, .string(#"C:\path\n"#)),
        Case("''", .string("")),
        Case(#"'say "hi"'"#, .string(#"say "hi""#)),
        // Multi-line basic strings
        Case("\"\"\"\nfirst\nsecond\"\"\"", .string("first\nsecond")),
        Case("\"\"\"\r\nfirst\r\nsecond\"\"\"", .string("first\nsecond")),
        Case("\"\"\"\n\nblank first\"\"\"", .string("\nblank first")),
        Case("\"\"\"a \\\n    b\"\"\"", .string("a b")),
        Case("\"\"\"a\\   \n\n   \t b\"\"\"", .string("ab")),
        Case("\"\"\"a\\\r\n  b\"\"\"", .string("ab")),
        Case("\"\"\"trailing\\\n   \"\"\"", .string("trailing")),
        Case("\"\"\"\"quoted\"\"\"\"", .string("\"quoted\"")),
        Case("\"\"\"a\"\"\"\"\"", .string("a\"\"")),
        Case("\"\"\"a\"\"b\"\"\"", .string("a\"\"b")),
        Case("\"\"\"" + "\\\"" + "\"\"\"\"\"", .string("\"\"\"")),
        Case("\"\"\"\"\"\"", .string("")),
        // Multi-line literal strings
        Case("'''\nraw \\ text\n'''", .string("raw \\ text\n")),
        Case("''''a'''''", .string("'a''")),
        Case("'''a\\\n  b'''", .string("a\\\n  b")),
        // Integers
        Case("42", .integer(42)),
        Case("+17", .integer(17)),
        Case("-17", .integer(-17)),
        Case("0", .integer(0)),
        Case("-0", .integer(0)),
        Case("+0", .integer(0)),
        Case("1_000_000", .integer(1_000_000)),
        Case("0xDEAD_beef", .integer(0xDEAD_BEEF)),
        Case("0x00", .integer(0)),
        Case("0o755", .integer(0o755)),
        Case("0o0_7", .integer(7)),
        Case("0b1010", .integer(10)),
        Case("0b0", .integer(0)),
        Case("9223372036854775807", .integer(.max)),
        Case("-9223372036854775808", .integer(.min)),
        Case("0x7FFFFFFFFFFFFFFF", .integer(.max)),
        Case("0o777777777777777777777", .integer(.max)),
        // Floats
        Case("3.14", .float(3.14)),
        Case("-0.5", .float(-0.5)),
        Case("+1.5", .float(1.5)),
        Case("1e3", .float(1000)),
        Case("1E-3", .float(0.001)),
        Case("6.02e+23", .float(6.02e23)),
        Case("1e06", .float(1e6)),
        Case("1_000.000_1", .float(1000.0001)),
        Case("0.0", .float(0)),
        Case("-0.0", .float(-0.0)),
        Case("0e0", .float(0)),
        Case("1.7976931348623157e308", .float(.greatestFiniteMagnitude)),
        Case("1e400", .float(.infinity)),
        Case("inf", .float(.infinity)),
        Case("+inf", .float(.infinity)),
        Case("-inf", .float(-.infinity)),
        Case("nan", .float(.nan)),
        Case("-nan", .float(.nan)),
        // Booleans
        Case("true", .boolean(true)),
        Case("false", .boolean(false)),
        // Date-times
        Case("1979-05-27T07:32:00Z", .dateTime(TOMLDateTime(date: date(1979, 5, 27), time: time(7, 32, 0), offsetMinutes: 0)!)),
        Case("1979-05-27T00:32:00-07:00",
             .dateTime(TOMLDateTime(date: date(1979, 5, 27), time: time(0, 32, 0), offsetMinutes: -420)!)),
        Case("1979-05-27 00:32:00.999999+05:30",
             .dateTime(TOMLDateTime(date: date(1979, 5, 27), time: time(0, 32, 0, 999_999_000), offsetMinutes: 330)!)),
        Case("1979-05-27t07:32:00z", .dateTime(TOMLDateTime(date: date(1979, 5, 27), time: time(7, 32, 0), offsetMinutes: 0)!)),
        Case("1979-05-27T07:32:00", .dateTime(TOMLDateTime(date: date(1979, 5, 27), time: time(7, 32, 0)))),
        Case("1979-05-27T07:32:00.5", .dateTime(TOMLDateTime(date: date(1979, 5, 27), time: time(7, 32, 0, 500_000_000)))),
        Case("1979-05-27", .dateTime(TOMLDateTime(date: date(1979, 5, 27)))),
        Case("2000-02-29", .dateTime(TOMLDateTime(date: date(2000, 2, 29)))),
        Case("2024-02-29", .dateTime(TOMLDateTime(date: date(2024, 2, 29)))),
        Case("07:32:00", .dateTime(TOMLDateTime(time: time(7, 32, 0)))),
        Case("23:59:59.123456789", .dateTime(TOMLDateTime(time: time(23, 59, 59, 123_456_789)))),
        Case("00:00:00.1234567891", .dateTime(TOMLDateTime(time: time(0, 0, 0, 123_456_789)))),
        // tomllib cannot represent year 0 (Python's datetime starts at year 1); RFC 3339 allows it.
        Case("0000-01-01", .dateTime(TOMLDateTime(date: date(0, 1, 1))), isCheckedByOracle: false),
        // Arrays
        Case("[]", array()),
        Case("[1, 2, 3]", array(.integer(1), .integer(2), .integer(3))),
        Case("[1, \"a\", 1.5, true]", array(.integer(1), .string("a"), .float(1.5), .boolean(true))),
        Case("[[1], [], [[\"x\"]]]", array(array(.integer(1)), array(), array(array(.string("x"))))),
        Case("[\n  1, # one\n  2,\n]", array(.integer(1), .integer(2))),
        Case("[{ a = 1 }, { a = 2 }]", array(table(["a": .integer(1)]), table(["a": .integer(2)]))),
        // Inline tables
        Case("{}", table([:])),
        Case("{ a = 1, b = \"x\" }", table(["a": .integer(1), "b": .string("x")])),
        Case("{ a.b = 1, a.c = 2 }", table(["a": table(["b": .integer(1), "c": .integer(2)])])),
        Case("{ a = { b = [1] } }", table(["a": table(["b": array(.integer(1))])])),
    ]

    static var oracleDocuments: [String] {
        cases.filter(\.isCheckedByOracle).map(\.document)
    }

    @Test("parses", arguments: cases)
    func parses(_ valueCase: Case) throws {
        let table = try TOML.parse(valueCase.document)
        let entry = try #require(table["v"])
        #expect(entry.node.value == valueCase.expected)
        #expect(table.keys == ["v"])
    }

    @Test("type names", arguments: [
        ("\"s\"", "string"), ("1", "integer"), ("1.0", "float"), ("true", "boolean"),
        ("1979-05-27", "date-time"), ("07:32:00", "date-time"), ("[]", "array"), ("{}", "table"),
    ])
    func typeNames(_ source: String, _ name: String) throws {
        let table = try TOML.parse("v = \(source)")
        #expect(table["v"]?.node.value.typeName == name)
    }

    @Test("date-time kinds and descriptions", arguments: [
        ("1979-05-27T07:32:00Z", TOMLDateTime.Kind.offsetDateTime, "1979-05-27T07:32:00Z"),
        ("1979-05-27 07:32:00+00:00", .offsetDateTime, "1979-05-27T07:32:00Z"),
        ("1979-05-27t00:32:00.999-07:00", .offsetDateTime, "1979-05-27T00:32:00.999-07:00"),
        ("1979-05-27T00:32:00.100+05:30", .offsetDateTime, "1979-05-27T00:32:00.1+05:30"),
        ("1979-05-27T07:32:00", .localDateTime, "1979-05-27T07:32:00"),
        ("1979-05-27T07:32:00.000000001", .localDateTime, "1979-05-27T07:32:00.000000001"),
        ("1979-05-27", .localDate, "1979-05-27"),
        ("0001-01-01", .localDate, "0001-01-01"),
        ("07:32:00", .localTime, "07:32:00"),
        ("07:32:00.250", .localTime, "07:32:00.25"),
    ])
    func dateTimes(_ source: String, _ kind: TOMLDateTime.Kind, _ description: String) throws {
        let value = try #require(try TOML.parse("v = \(source)")["v"]?.node.value.dateTimeValue)
        #expect(value.kind == kind)
        #expect(value.description == description)
        #expect(try TOML.parse("v = \(description)")["v"]?.node.value.dateTimeValue == value)
    }

    @Test("date validation follows the calendar", arguments: [
        (2000, 2, 29, true), (2024, 2, 29, true), (1900, 2, 29, false), (2023, 2, 29, false),
        (2023, 2, 28, true), (2023, 4, 31, false), (2023, 12, 31, true), (2023, 13, 1, false),
        (2023, 0, 1, false), (2023, 1, 0, false), (10000, 1, 1, false), (0, 1, 1, true),
    ])
    func dateValidation(_ year: Int, _ month: Int, _ day: Int, _ isValid: Bool) {
        #expect((TOMLDateTime.LocalDate(year: year, month: month, day: day) != nil) == isValid)
    }

    @Test("time and offset validation")
    func timeValidation() {
        #expect(TOMLDateTime.LocalTime(hour: 23, minute: 59, second: 59, nanosecond: 999_999_999) != nil)
        #expect(TOMLDateTime.LocalTime(hour: 24, minute: 0, second: 0) == nil)
        #expect(TOMLDateTime.LocalTime(hour: 0, minute: 60, second: 0) == nil)
        #expect(TOMLDateTime.LocalTime(hour: 0, minute: 0, second: 60) == nil)
        #expect(TOMLDateTime.LocalTime(hour: 0, minute: 0, second: 0, nanosecond: 1_000_000_000) == nil)
        let day = Self.date(2024, 1, 1)
        let noon = Self.time(12, 0, 0)
        #expect(TOMLDateTime(date: day, time: noon, offsetMinutes: 23 * 60 + 59) != nil)
        #expect(TOMLDateTime(date: day, time: noon, offsetMinutes: 24 * 60) == nil)
        #expect(TOMLDateTime(date: day, time: noon, offsetMinutes: -(24 * 60)) == nil)
    }

    @Test("accessors return only their own kind")
    func accessors() throws {
        let table = try TOML.parse("s = \"x\"\ni = 1\nf = 1.5\nb = true\nd = 07:32:00\na = [1]\nt = {}\n")
        #expect(table["s"]?.node.value.stringValue == "x")
        #expect(table["s"]?.node.value.integerValue == nil)
        #expect(table["i"]?.node.value.integerValue == 1)
        #expect(table["i"]?.node.value.floatValue == nil)
        #expect(table["f"]?.node.value.floatValue == 1.5)
        #expect(table["b"]?.node.value.booleanValue == true)
        #expect(table["d"]?.node.value.dateTimeValue?.kind == .localTime)
        #expect(table["a"]?.node.value.arrayValue?.count == 1)
        #expect(table["t"]?.node.value.tableValue?.isEmpty == true)
        #expect(table["t"]?.node.value.arrayValue == nil)
        #expect(table["missing"] == nil)
    }

    @Test("equality ignores positions and key order but not values")
    func equality() throws {
        let first = try TOML.parse("a = 1\nb = [1, 2]\n[t]\nx = nan\n")
        let second = try TOML.parse("\n\nb = [ 1, 2 ]\na = 1\nt.x = nan\n")
        #expect(first == second)
        #expect(first != (try TOML.parse("a = 1\nb = [2, 1]\n[t]\nx = nan\n")))
        #expect(first != (try TOML.parse("a = 1.0\nb = [1, 2]\n[t]\nx = nan\n")))
        #expect(first != (try TOML.parse("a = 1\nb = [1, 2]\n[t]\nx = nan\ny = 1\n")))
        #expect(TOMLValue.float(0.0) != TOMLValue.float(-0.0))
    }

    @Test("keys and strings are not normalised")
    func noNormalisation() throws {
        let table = try TOML.parse("\"\u{E9}\" = 1\n\"e\u{301}\" = 2\ns = \"\u{E9}\"\n")
        #expect(table.count == 3)
        #expect(table["\u{E9}"]?.node.value == .integer(1))
        #expect(table["e\u{301}"]?.node.value == .integer(2))
        #expect(table["s"]?.node.value != .string("e\u{301}"))
        #expect(table != (try TOML.parse("\"e\u{301}\" = 1\n\"\u{E9}\" = 2\ns = \"\u{E9}\"\n")))
        #expect(throws: TOMLParseError.self) { _ = try TOML.parse("\"\u{E9}\" = 1\n\"\\u00E9\" = 2\n") }
    }

    @Test("building tables with set and remove")
    func building() {
        var table = TOMLTable()
        table.set("b", .integer(1))
        table.set("a", .integer(2))
        table.set("b", .string("replaced"))
        #expect(table.keys == ["b", "a"])
        #expect(table["b"]?.node.value == .string("replaced"))
        #expect(table.remove("b")?.key == "b")
        #expect(table.remove("b") == nil)
        #expect(table.keys == ["a"])
        #expect(table["a"]?.node.position == .unknown)
    }
}
