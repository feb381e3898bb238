import DenTOML
import Testing

@Suite("positions")
struct TOMLPositionTests {
    /// Lines are numbered in the comments; columns count Unicode scalars.
    static let document = """
        title = "x"
        [server]
        host.name = "a"
        ports = [ 80,
          443 ]
        inline = { a = 1, b.c = 2 }

        [[mount]]
        src = "s"

        [[mount]]
          src = "t"
        [a.b.c]
        [a]
        "ключ" = "значение"
        e = ["😀", "é"]
        \tt = 1
        """

    struct Case: Sendable, CustomTestStringConvertible {
        let path: String
        /// nil for array elements, which have no key.
        let key: String?
        let value: String

        init(_ path: String, key: String?, value: String) {
            self.path = path
            self.key = key
            self.value = value
        }

        var testDescription: String { path }
    }

    static let cases: [Case] = [
        Case("title", key: "1:1", value: "1:9"),
        Case("server", key: "2:2", value: "2:1"),
        Case("server.host", key: "3:1", value: "3:1"),
        Case("server.host.name", key: "3:6", value: "3:13"),
        Case("server.ports", key: "4:1", value: "4:9"),
        Case("server.ports[0]", key: nil, value: "4:11"),
        Case("server.ports[1]", key: nil, value: "5:3"),
        Case("server.inline", key: "6:1", value: "6:10"),
        Case("server.inline.a", key: "6:12", value: "6:16"),
        Case("server.inline.b", key: "6:19", value: "6:19"),
        Case("server.inline.b.c", key: "6:21", value: "6:25"),
        Case("mount", key: "8:3", value: "8:1"),
        Case("mount[0]", key: nil, value: "8:1"),
        Case("mount[0].src", key: "9:1", value: "9:7"),
        Case("mount[1]", key: nil, value: "11:1"),
        Case("mount[1].src", key: "12:3", value: "12:9"),
        // [a] defines the table that [a.b.c] created implicitly: it now points at [a].
        Case("a", key: "14:2", value: "14:1"),
        Case("a.b", key: "13:4", value: "13:4"),
        Case("a.b.c", key: "13:6", value: "13:1"),
        Case("a.ключ", key: "15:1", value: "15:10"),
        Case("a.e", key: "16:1", value: "16:5"),
        Case("a.e[0]", key: nil, value: "16:6"),
        Case("a.e[1]", key: nil, value: "16:11"),
        Case("a.t", key: "17:2", value: "17:6"),
    ]

    @Test("keys and values", arguments: cases)
    func positions(_ positionCase: Case) throws {
        let table = try TOML.parse(Self.document)
        let (keyPosition, node) = try #require(Self.lookup(positionCase.path, in: table))
        #expect(keyPosition?.description == positionCase.key)
        #expect(node.position.description == positionCase.value)
    }

    @Test("entries keep document order")
    func order() throws {
        let table = try TOML.parse("z = 1\na = 2\n[m]\nk = 3\n[b]\n")
        #expect(table.keys == ["z", "a", "m", "b"])
    }

    @Test("crlf, multi-line strings and tabs", arguments: [
        ("a = 1\r\nb = 2\r\n", "b", "2:1", "2:5"),
        ("a = \"\"\"\nx\ny\"\"\"\nb = 1\n", "b", "4:1", "4:5"),
        ("a = '''\r\n\r\n'''\r\nb = 1", "b", "4:1", "4:5"),
        ("a = [\n  [1,\n   2],\n]\nb = 1", "b", "5:1", "5:5"),
        ("\t b\t=\t1", "b", "1:3", "1:7"),
        ("# ü\n\"ü\" = 'ü'", "ü", "2:1", "2:7"),
    ])
    func lineBreaks(_ document: String, _ key: String, _ keyPosition: String, _ valuePosition: String) throws {
        let entry = try #require(try TOML.parse(document)[key])
        #expect(entry.keyPosition.description == keyPosition)
        #expect(entry.node.position.description == valuePosition)
    }

    @Test("positions order by line, then column")
    func comparable() {
        let positions = [
            TOMLPosition(line: 2, column: 1), TOMLPosition(line: 1, column: 9), TOMLPosition(line: 1, column: 10),
        ]
        #expect(positions.sorted().map(\.description) == ["1:9", "1:10", "2:1"])
        #expect(TOMLPosition.unknown.description == "0:0")
    }

    /// Follows "a.b[1].c" through tables and arrays; returns the key position (nil for an array
    /// element) and the node.
    static func lookup(_ path: String, in table: TOMLTable) -> (TOMLPosition?, TOMLNode)? {
        var keyPosition: TOMLPosition?
        var node = TOMLNode(.table(table))
        for component in path.split(separator: ".") {
            var parts = component.split(separator: "[", omittingEmptySubsequences: false)
            let key = String(parts.removeFirst())
            guard let entry = node.value.tableValue?[key] else { return nil }
            keyPosition = entry.keyPosition
            node = entry.node
            for part in parts {
                guard let index = Int(part.dropLast()), let elements = node.value.arrayValue,
                    elements.indices.contains(index)
                else { return nil }
                keyPosition = nil
                node = elements[index]
            }
        }
        return (keyPosition, node)
    }
}
