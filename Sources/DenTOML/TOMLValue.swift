/// A TOML value. Arrays hold nodes so that every element keeps its own position.
public enum TOMLValue: Sendable {
    case string(String)
    case integer(Int64)
    case float(Double)
    case boolean(Bool)
    case dateTime(TOMLDateTime)
    case array([TOMLNode])
    case table(TOMLTable)

    /// The type as a user would call it in a message: "expected an array of strings, found integer".
    public var typeName: String {
        switch self {
        case .string: "string"
        case .integer: "integer"
        case .float: "float"
        case .boolean: "boolean"
        case .dateTime: "date-time"
        case .array: "array"
        case .table: "table"
        }
    }

    public var stringValue: String? {
        if case .string(let value) = self { value } else { nil }
    }

    public var integerValue: Int64? {
        if case .integer(let value) = self { value } else { nil }
    }

    public var floatValue: Double? {
        if case .float(let value) = self { value } else { nil }
    }

    public var booleanValue: Bool? {
        if case .boolean(let value) = self { value } else { nil }
    }

    public var dateTimeValue: TOMLDateTime? {
        if case .dateTime(let value) = self { value } else { nil }
    }

    public var arrayValue: [TOMLNode]? {
        if case .array(let value) = self { value } else { nil }
    }

    public var tableValue: TOMLTable? {
        if case .table(let value) = self { value } else { nil }
    }
}

extension TOMLValue: Equatable {
    /// Compares what a document means: positions and table entry order are ignored, strings and keys
    /// compare scalar by scalar (no Unicode normalisation), `nan` equals
    /// `nan`, and `0.0` differs from `-0.0` because TOML writes them differently.
    public static func == (lhs: TOMLValue, rhs: TOMLValue) -> Bool {
        switch (lhs, rhs) {
        case (.string(let a), .string(let b)): a.utf8.elementsEqual(b.utf8)
        case (.integer(let a), .integer(let b)): a == b
        case (.float(let a), .float(let b)): (a.isNaN && b.isNaN) || (a == b && a.sign == b.sign)
        case (.boolean(let a), .boolean(let b)): a == b
        case (.dateTime(let a), .dateTime(let b)): a == b
        case (.array(let a), .array(let b)): a == b
        case (.table(let a), .table(let b)): a == b
        default: false
        }
    }
}
