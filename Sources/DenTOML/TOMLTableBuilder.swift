/// A table under construction. Parsing needs reference semantics (a header walks into a table
/// created lines earlier) and a memory of how each table came to be, which decides what may
/// still add to it. `build()` turns the tree into values once the document is read.
final class TOMLTableBuilder {
    enum Origin: Equatable {
        /// Created as a step of a longer header path (`a` in `[a.b]`): one header may still define it.
        case implicit
        /// Defined by a `[header]`, an `[[array]]` element, or the document or inline table root.
        case explicit
        /// Created by a dotted key; only later dotted keys of the same section may add to it.
        case dotted(section: Int)
    }

    enum Item {
        case table(TOMLTableBuilder)
        case tableArray(TOMLTableArrayBuilder)
        case value(TOMLNode)
    }

    struct Slot {
        var key: String
        var keyPosition: TOMLPosition
        var item: Item
    }

    var origin: Origin
    var position: TOMLPosition
    let depth: Int
    private(set) var slots: [Slot] = []
    private var slotIndex: [ExactKey: Int] = [:]

    init(origin: Origin, position: TOMLPosition, depth: Int) {
        self.origin = origin
        self.position = position
        self.depth = depth
    }

    func slot(_ key: String) -> Slot? {
        slotIndex[ExactKey(key)].map { slots[$0] }
    }

    func add(_ key: String, at keyPosition: TOMLPosition, _ item: Item) {
        slotIndex[ExactKey(key)] = slots.count
        slots.append(Slot(key: key, keyPosition: keyPosition, item: item))
    }

    func updateKeyPosition(_ key: String, to keyPosition: TOMLPosition) {
        if let index = slotIndex[ExactKey(key)] { slots[index].keyPosition = keyPosition }
    }

    func build() -> TOMLTable {
        TOMLTable(entries: slots.map { slot in
            TOMLTable.Entry(key: slot.key, keyPosition: slot.keyPosition, node: slot.item.build())
        })
    }
}

extension TOMLTableBuilder.Item {
    func build() -> TOMLNode {
        switch self {
        case .table(let table):
            TOMLNode(.table(table.build()), at: table.position)
        case .tableArray(let array):
            TOMLNode(.array(array.elements.map { TOMLNode(.table($0.build()), at: $0.position) }), at: array.position)
        case .value(let node):
            node
        }
    }

    /// "an integer (defined at 1:5)": how a conflict message names what a key already holds.
    var summary: String {
        switch self {
        case .table(let table):
            "a table (defined at \(table.position))"
        case .tableArray(let array):
            "an array of tables (defined at \(array.position))"
        case .value(let node):
            switch node.value {
            case .table: "an inline table (defined at \(node.position)), which cannot be extended"
            case .array: "an array (defined at \(node.position))"
            case .integer: "an integer (defined at \(node.position))"
            default: "a \(node.value.typeName) (defined at \(node.position))"
            }
        }
    }
}
