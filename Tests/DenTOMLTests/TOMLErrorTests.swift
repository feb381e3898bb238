import DenTOML
import Testing

@Suite("errors")
struct TOMLErrorTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let document: String
        let message: String
        let position: String
        /// False where den deliberately differs from tomllib.
        let isCheckedByOracle: Bool

        init(_ document: String, _ message: String, at position: String, isCheckedByOracle: Bool = true) {
            self.document = document
            self.message = message
            self.position = position
            self.isCheckedByOracle = isCheckedByOracle
        }

        var testDescription: String { message }
    }

    /// Integers beyond 64 bits are errors in den but valid in tomllib, which has no size limit.
    static let cases: [Case] = [
        // Duplicates and conflicting definitions
        Case("a = 1\na = 2\n", "duplicate key 'a' (first defined at 1:1)", at: "2:1"),
        Case("name = \"x\"\n\n  name = \"y\"\n", "duplicate key 'name' (first defined at 1:1)", at: "3:3"),
        Case("a = 1\n\"a\" = 2\n", "duplicate key 'a' (first defined at 1:1)", at: "2:1"),
        Case("a.b = 1\na.b = 2\n", "duplicate key 'a.b' (first defined at 1:3)", at: "2:3"),
        Case("a.b = 1\na = 2\n", "duplicate key 'a' (first defined at 1:1)", at: "2:1"),
        Case("a = 1\na.b = 2\n", "cannot define 'a.b': 'a' is already an integer (defined at 1:5)", at: "2:1"),
        Case("a = \"s\"\na.b = 2\n", "cannot define 'a.b': 'a' is already a string (defined at 1:5)", at: "2:1"),
        Case("a = {x = 1, x = 2}\n", "duplicate key 'x' (first defined at 1:6)", at: "1:13"),
        Case("[a]\n[a]\n", "duplicate table 'a' (first defined at 1:1)", at: "2:2"),
        Case("[a.b]\n[a]\n[a]\n", "duplicate table 'a' (first defined at 2:1)", at: "3:2"),
        Case("[ a . b ]\nx = 1\n[a.b]\n", "duplicate table 'a.b' (first defined at 1:1)", at: "3:4"),
        Case("[a]\nb = 1\n[a.b]\n", "cannot define table 'a.b': 'a.b' is already an integer (defined at 2:5)", at: "3:4"),
        Case("[fruit]\napple.color = \"red\"\n[fruit.apple]\n",
             "cannot define table 'fruit.apple': it was already created by a dotted key at 2:1", at: "3:8"),
        Case("a.b.c = 1\n[a.b]\n", "cannot define table 'a.b': it was already created by a dotted key at 1:3", at: "2:4"),
        Case("[a.b.c]\n[a]\nb.c.t = 1\n",
             "cannot add 'b.c.t' with a dotted key: table 'b.c' was already defined at 1:1", at: "3:3"),
        // Inline tables and static arrays are complete as written
        Case("a = {b = 1}\na.c = 2\n",
             "cannot define 'a.c': 'a' is already an inline table (defined at 1:5), which cannot be extended", at: "2:1"),
        Case("a = {}\n[a]\n",
             "cannot define table 'a': 'a' is already an inline table (defined at 1:5), which cannot be extended", at: "2:2"),
        Case("a = {b = 1}\n[a.c]\n",
             "cannot define table 'a.c': 'a' is already an inline table (defined at 1:5), which cannot be extended", at: "2:2"),
        Case("a = {b = {c = 1}}\n[a.b.d]\n",
             "cannot define table 'a.b.d': 'a' is already an inline table (defined at 1:5), which cannot be extended", at: "2:2"),
        Case("x = {a.b = 1, a = 2}\n", "duplicate key 'a' (first defined at 1:6)", at: "1:15"),
        Case("x = {a = {}, a.b = 1}\n",
             "cannot define 'a.b': 'a' is already an inline table (defined at 1:10), which cannot be extended", at: "1:14"),
        Case("a = [1]\n[[a]]\n", "cannot define array of tables 'a': 'a' is already an array (defined at 1:5)", at: "2:3"),
        Case("a = [{b = 1}]\n[a.c]\n", "cannot define table 'a.c': 'a' is already an array (defined at 1:5)", at: "2:2"),
        Case("[[a]]\n[a]\n", "cannot define table 'a': 'a' is already an array of tables (defined at 1:1)", at: "2:2"),
        Case("[a]\n[[a]]\n", "cannot define array of tables 'a': 'a' is already a table (defined at 1:1)", at: "2:3"),
        Case("[[a.b]]\n[a]\nb.c = 1\n",
             "cannot define 'b.c': 'b' is already an array of tables (defined at 1:1)", at: "3:1"),
        Case("[[a]]\nb = 1\n[a.b]\n", "cannot define table 'a.b': 'a.b' is already an integer (defined at 2:5)", at: "3:4"),
        // Statements and keys
        Case("name \"x\"\n", "expected '=' after key 'name', found '\"'", at: "1:6"),
        Case("name", "expected '=' after key 'name', found end of input", at: "1:5"),
        Case("a.b\n", "expected '=' after key 'a.b', found newline", at: "1:4"),
        Case("= 1\n", "expected a key, found '='", at: "1:1"),
        Case("a. = 1\n", "expected a key, found '='", at: "1:4"),
        Case("é = 1\n", "expected a key, found 'é'", at: "1:1"),
        Case("\u{FEFF}a = 1\n", "expected a key, found U+FEFF (a byte order mark)", at: "1:1"),
        Case("a\u{A0}= 1\n", "expected '=' after key 'a', found U+00A0", at: "1:2"),
        Case("\"\"\"a\"\"\" = 1\n", "a multi-line string cannot be a key", at: "1:1"),
        Case("a = 1 2\n", "expected a newline after the value of 'a', found '2'", at: "1:7"),
        Case("\"日本\" = \"語\" x\n", "expected a newline after the value of '\"日本\"', found 'x'", at: "1:12"),
        Case("[a] x = 1\n", "expected a newline after a table header, found 'x'", at: "1:5"),
        Case("[a\n", "expected ']' to close the header '[a', found newline", at: "1:3"),
        Case("[[a]\n", "expected ']]' to close the header '[[a', found newline", at: "1:5"),
        Case("[]\n", "expected a key, found ']'", at: "1:2"),
        // Values
        Case("a = ", "expected a value, found end of input", at: "1:5"),
        Case("a =\nb = 1\n", "expected a value, found newline", at: "1:4"),
        Case("a = hello\n", "invalid value 'hello' (strings must be quoted)", at: "1:5"),
        Case("a = True\n", "invalid value 'True' (strings must be quoted)", at: "1:5"),
        Case("a = \"abc", "unterminated string", at: "1:5"),
        Case("a = \"abc\nb = 1\n", "unterminated string", at: "1:5"),
        Case("a = 'abc\n", "unterminated string", at: "1:5"),
        Case("a = \"\"\"abc\n\n", "unterminated multi-line string", at: "1:5"),
        Case("a = '''abc\n", "unterminated multi-line string", at: "1:5"),
        Case("a = \"\"\"abc\\", "unterminated multi-line string", at: "1:5"),
        Case("a = \"x\\qy\"\n", "invalid escape '\\q'", at: "1:7"),
        Case("a = \"\\e\"\n", "invalid escape '\\e'", at: "1:6"),
        Case("a = \"\\u12\"\n", "invalid unicode escape '\\u12': expected 4 hex digits", at: "1:6"),
        Case("a = \"\\uD800\"\n", "unicode escape '\\uD800' is not a unicode scalar value", at: "1:6"),
        Case("a = \"\\U00110000\"\n", "unicode escape '\\U00110000' is not a unicode scalar value", at: "1:6"),
        Case("a = \"x\u{1}\"\n", "control character U+0001 must be escaped in a string", at: "1:7"),
        Case("a = '''\n\u{7F}'''\n", "control character U+007F is not allowed in a literal string", at: "2:1"),
        Case("a = \"\"\"\n\u{7F}\"\"\"\n", "control character U+007F must be escaped in a string", at: "2:1"),
        Case("a = \"\"\"a\\  b\"\"\"\n", "a backslash followed by whitespace must end the line", at: "1:9"),
        Case("a = \"\"\"x\"\"\"\"\"\"\n", "too many quotes at the end of a multi-line string", at: "1:14"),
        Case("a = 01\n", "leading zeros are not allowed in '01'", at: "1:5"),
        Case("a = -00.5\n", "leading zeros are not allowed in '-00.5'", at: "1:5"),
        Case("a = 9223372036854775808\n", "integer '9223372036854775808' does not fit in 64 bits", at: "1:5",
             isCheckedByOracle: false),
        Case("a = -9223372036854775809\n", "integer '-9223372036854775809' does not fit in 64 bits", at: "1:5",
             isCheckedByOracle: false),
        Case("a = 0x8000000000000000\n", "integer '0x8000000000000000' does not fit in 64 bits", at: "1:5",
             isCheckedByOracle: false),
        Case("a = 0b1_0000000000000000000000000000000000000000000000000000000000000000\n",
             "integer '0b1_0000000000000000000000000000000000000000000000000000000000000000' does not fit in 64 bits",
             at: "1:5", isCheckedByOracle: false),
        Case("a = 1__0\n", "invalid number '1__0'", at: "1:5"),
        Case("a = +0x10\n", "invalid number '+0x10'", at: "1:5"),
        Case("a = 0xZZ\n", "invalid integer '0xZZ'", at: "1:5"),
        Case("a = 1.e5\n", "invalid float '1.e5': expected digits after '.'", at: "1:5"),
        Case("a = 1e\n", "invalid float '1e': expected digits in the exponent", at: "1:5"),
        Case("a = .5\n", "invalid number '.5'", at: "1:5"),
        Case("a = 1979-02-29\n", "invalid date '1979-02-29': day out of range", at: "1:5"),
        Case("a = 1979-13-01\n", "invalid date '1979-13-01': month out of range", at: "1:5"),
        Case("a = 1979-5-27\n", "invalid date '1979-5-27': expected YYYY-MM-DD", at: "1:5"),
        Case("a = 24:00:00\n", "invalid time '24:00:00': hour out of range", at: "1:5"),
        Case("a = 07:32:60\n", "invalid time '07:32:60': second out of range", at: "1:5"),
        Case("a = 1979-05-27T07:32\n", "invalid time '07:32': expected HH:MM:SS", at: "1:16"),
        Case("a = 1979-05-27T07:32:00+24:00\n", "invalid offset '+24:00': out of range", at: "1:24"),
        Case("a = 1979-05-27T07:32:00+0700\n", "invalid offset '+0700': expected +HH:MM or -HH:MM", at: "1:24"),
        Case("a = 07:32:00Z\n", "invalid date-time '07:32:00Z'", at: "1:5"),
        // Arrays and inline tables
        Case("a = [1, 2", "unterminated array", at: "1:5"),
        Case("a = [1 2]\n", "expected ',' or ']' after an array element, found '2'", at: "1:8"),
        Case("a = [1,,2]\n", "expected a value, found ','", at: "1:8"),
        Case("a = {b = 1,}\n", "a trailing comma is not allowed in an inline table", at: "1:12"),
        Case("a = {b = 1\n}\n",
             "expected ',' or '}' in an inline table, found newline (inline tables must be on one line)", at: "1:11"),
        Case("a = {b = 1", "unterminated inline table", at: "1:5"),
        // Comments and newlines
        Case("# \u{7F}\n", "control character U+007F is not allowed in a comment", at: "1:3"),
        Case("a = 1 # \u{0}\n", "control character U+0000 is not allowed in a comment", at: "1:9"),
        Case("a = 1\rb = 2\n", "carriage return (U+000D) must be followed by a line feed", at: "1:6"),
        Case("a = 1\r\n\r\nb = 2 x\r\n", "expected a newline after the value of 'b', found 'x'", at: "3:7"),
    ]

    @Test("message and position", arguments: cases)
    func reportsError(_ errorCase: Case) {
        #expect {
            _ = try TOML.parse(errorCase.document)
        } throws: { error in
            guard let error = error as? TOMLParseError else { return false }
            #expect(error.message == errorCase.message)
            #expect(error.position.description == errorCase.position)
            return true
        }
    }

    @Test("description puts the position first")
    func description() {
        let error = TOMLParseError(message: "duplicate key 'a' (first defined at 1:1)", position: TOMLPosition(line: 2, column: 1))
        #expect(error.description == "2:1: duplicate key 'a' (first defined at 1:1)")
    }
}
