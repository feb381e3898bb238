import DenTOML
import Testing

@Suite("limits")
struct TOMLLimitsTests {
    @Test("nesting up to the limit parses, one more level is an error", arguments: [
        ("[", "]"), ("{a=", "}"),
    ])
    func nestingLimit(_ open: String, _ close: String) throws {
        let depth = TOML.maximumDepth
        let deepest = "v = " + String(repeating: open, count: depth) + "1" + String(repeating: close, count: depth)
        _ = try TOML.parse(deepest)
        let tooDeep = "v = " + String(repeating: open, count: depth + 1) + "1" + String(repeating: close, count: depth + 1)
        let column = 5 + depth * open.count
        #expect(throws: TOMLParseError(
            message: "nesting deeper than \(depth) levels", position: TOMLPosition(line: 1, column: column))
        ) { _ = try TOML.parse(tooDeep) }
    }

    @Test("a hostile nesting depth is an error, not a crash")
    func hostileNesting() {
        #expect(throws: TOMLParseError.self) { _ = try TOML.parse("v = " + String(repeating: "[", count: 200_000)) }
        #expect(throws: TOMLParseError.self) { _ = try TOML.parse("v = " + String(repeating: "{a=", count: 200_000)) }
    }

    static func dotted(_ key: String, _ count: Int) -> String {
        Array(repeating: key, count: count).joined(separator: ".")
    }

    static let longKeyDocuments: [String] = [
        "[\(dotted("a", TOML.maximumDepth + 1))]",
        "\(dotted("a", TOML.maximumDepth + 1)) = {}",
        "[\(dotted("a", 100))]\n\(dotted("b", 30)) = 1",
        "[\(dotted("a", 100))]\nb = { \(dotted("c", 29)) = 1 }",
    ]

    @Test("long key paths count as nesting", arguments: longKeyDocuments)
    func longKeys(_ document: String) {
        #expect {
            _ = try TOML.parse(document)
        } throws: { error in
            (error as? TOMLParseError)?.message == "nesting deeper than \(TOML.maximumDepth) levels"
        }
    }

    @Test("a key path at the limit parses")
    func keyAtLimit() throws {
        let keys = Array(repeating: "a", count: TOML.maximumDepth)
        let table = try TOML.parse("[" + keys.joined(separator: ".") + "]\nx = 1")
        #expect(TOML.render(table).hasPrefix("[" + keys.joined(separator: ".") + "]\nx = 1\n"))
    }

    /// A megabyte in the shapes a lockfile or a generated manifest take: many sections, one very
    /// long line, one very long string. Debug builds must still parse each well inside the limit.
    @Test("a megabyte parses quickly", arguments: ["sections", "one line", "one string"])
    func megabyte(_ shape: String) throws {
        let document: String
        switch shape {
        case "sections":
            var text = "version = 1\n"
            var index = 0
            while text.utf8.count < 1_000_000 {
                text += """
                    [[package]]
                    name = "package-\(index)"
                    version = "1.\(index).0-1"
                    sha256 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
                    depends = ["libc6 (>= 2.36)", 'libssl3', \(index), \(Double(index) / 7), 1979-05-27T07:32:00Z]
                    meta = { size = \(index * 1024), essential = false, tags.kind = "lib" } # ünïcödé


                    """
                index += 1
            }
            document = text
        case "one line":
            document = "v = [" + (0..<170_000).map(String.init).joined(separator: ",") + "] # end"
        default:
            document = "v = \"" + String(repeating: "ab\\tc\\u00e9 ", count: 100_000) + "\""
        }
        #expect(document.utf8.count >= 1_000_000)
        let clock = ContinuousClock()
        let start = clock.now
        let table = try TOML.parse(document)
        let elapsed = clock.now - start
        #expect(!table.isEmpty)
        #expect(elapsed < .seconds(5), "parsing took \(elapsed)")
    }
}
