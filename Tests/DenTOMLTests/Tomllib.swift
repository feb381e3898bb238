import DenTOML
import Foundation

/// A parsed value in a form both den and Python can produce, so their trees can be compared.
/// Integers stay decimal text because tomllib allows any size; date-times are their fields with
/// microseconds, tomllib's precision.
indirect enum TaggedValue: Sendable, Equatable, CustomStringConvertible {
    case string(String)
    case integer(String)
    case float(Double)
    case boolean(Bool)
    case dateTime(kind: String, fields: [Int])
    case array([TaggedValue])
    /// Members sorted by code points; keys compare exactly, as TOML's do.
    case table([(key: String, value: TaggedValue)])

    init(_ value: TOMLValue) {
        switch value {
        case .string(let string): self = .string(string)
        case .integer(let integer): self = .integer(String(integer))
        case .float(let float): self = .float(float)
        case .boolean(let boolean): self = .boolean(boolean)
        case .dateTime(let dateTime):
            var fields: [Int] = []
            if let date = dateTime.date { fields += [date.year, date.month, date.day] }
            if let time = dateTime.time { fields += [time.hour, time.minute, time.second, time.nanosecond / 1000] }
            if let offset = dateTime.offsetMinutes { fields.append(offset) }
            let kind = switch dateTime.kind {
            case .offsetDateTime: "datetime"
            case .localDateTime: "datetime-local"
            case .localDate: "date-local"
            case .localTime: "time-local"
            }
            self = .dateTime(kind: kind, fields: fields)
        case .array(let nodes): self = .array(nodes.map { TaggedValue($0.value) })
        case .table(let table):
            self = .table(Self.sorted(table.entries.map { ($0.key, TaggedValue($0.node.value)) }))
        }
    }

    static func sorted(_ members: [(key: String, value: TaggedValue)]) -> [(key: String, value: TaggedValue)] {
        members.sorted { $0.key.unicodeScalars.map(\.value).lexicographicallyPrecedes($1.key.unicodeScalars.map(\.value)) }
    }

    static func == (lhs: TaggedValue, rhs: TaggedValue) -> Bool {
        switch (lhs, rhs) {
        case (.string(let a), .string(let b)): a.utf8.elementsEqual(b.utf8)
        case (.integer(let a), .integer(let b)): a == b
        case (.float(let a), .float(let b)): (a.isNaN && b.isNaN) || a.bitPattern == b.bitPattern
        case (.boolean(let a), .boolean(let b)): a == b
        case (.dateTime(let kindA, let fieldsA), .dateTime(let kindB, let fieldsB)): kindA == kindB && fieldsA == fieldsB
        case (.array(let a), .array(let b)): a == b
        case (.table(let a), .table(let b)):
            a.count == b.count && zip(a, b).allSatisfy { $0.key.utf8.elementsEqual($1.key.utf8) && $0.value == $1.value }
        default: false
        }
    }

    var description: String {
        switch self {
        case .string(let string): "\"\(string.unicodeScalars.map { $0.escaped(asASCII: true) }.joined())\""
        case .integer(let integer): integer
        case .float(let float): "\(float)f"
        case .boolean(let boolean): "\(boolean)"
        case .dateTime(let kind, let fields): "\(kind)\(fields)"
        case .array(let values): "[" + values.map(\.description).joined(separator: ", ") + "]"
        case .table(let members):
            "{" + members.map { "\($0.key.debugDescription): \($0.value)" }.joined(separator: ", ") + "}"
        }
    }
}

/// Python's tomllib as an oracle. Every document is sent in one python3 run, keyed by its text.
enum Tomllib {
    struct Result: Sendable, Decodable {
        let valid: Bool
        let value: Tagged?
        let error: String?
    }

    /// tomllib's answer as JSON: {"type": ..., "value": text | [ints] | [tagged] | [[key, tagged]]}.
    /// Tables are lists of pairs because a JSON object decodes into a Dictionary, whose String keys
    /// would merge canonically equivalent keys.
    struct Tagged: Sendable, Decodable {
        enum Payload: Sendable, Decodable {
            case text(String)
            case numbers([Int])
            case list([Tagged])
            case pairs([Pair])

            init(from decoder: any Decoder) throws {
                let container = try decoder.singleValueContainer()
                if let text = try? container.decode(String.self) {
                    self = .text(text)
                } else if let numbers = try? container.decode([Int].self) {
                    self = .numbers(numbers)
                } else if let list = try? container.decode([Tagged].self) {
                    self = .list(list)
                } else {
                    self = .pairs(try container.decode([Pair].self))
                }
            }
        }

        struct Pair: Sendable, Decodable {
            let key: String
            let value: Tagged

            init(from decoder: any Decoder) throws {
                var container = try decoder.unkeyedContainer()
                key = try container.decode(String.self)
                value = try container.decode(Tagged.self)
            }
        }

        let type: String
        let value: Payload

        func converted() throws -> TaggedValue {
            switch (type, value) {
            case ("string", .text(let text)): return .string(text)
            case ("integer", .text(let text)): return .integer(text)
            case ("float", .text(let text)): return .float(Double(text) ?? .signalingNaN)
            case ("bool", .text(let text)): return .boolean(text == "true")
            case ("array", .numbers([])): return .array([])
            case ("table", .numbers([])): return .table([])
            case ("array", .list(let list)): return .array(try list.map { try $0.converted() })
            case ("table", .pairs(let pairs)):
                return .table(TaggedValue.sorted(try pairs.map { ($0.key, try $0.value.converted()) }))
            case (_, .numbers(let fields)): return .dateTime(kind: type, fields: fields)
            default: throw OracleFailure(message: "unexpected oracle value of type \(type)")
            }
        }
    }

    struct OracleFailure: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }

    static let script = #"""
        import datetime, json, sys, tomllib

        def tag(v):
            if isinstance(v, bool):
                return {"type": "bool", "value": "true" if v else "false"}
            if isinstance(v, int):
                return {"type": "integer", "value": str(v)}
            if isinstance(v, float):
                return {"type": "float", "value": repr(v)}
            if isinstance(v, str):
                return {"type": "string", "value": v}
            if isinstance(v, datetime.datetime):
                fields = [v.year, v.month, v.day, v.hour, v.minute, v.second, v.microsecond]
                if v.tzinfo is None:
                    return {"type": "datetime-local", "value": fields}
                return {"type": "datetime", "value": fields + [int(v.utcoffset().total_seconds()) // 60]}
            if isinstance(v, datetime.date):
                return {"type": "date-local", "value": [v.year, v.month, v.day]}
            if isinstance(v, datetime.time):
                return {"type": "time-local", "value": [v.hour, v.minute, v.second, v.microsecond]}
            if isinstance(v, list):
                return {"type": "array", "value": [tag(x) for x in v]}
            if isinstance(v, dict):
                return {"type": "table", "value": [[k, tag(x)] for k, x in v.items()]}
            raise TypeError(type(v))

        with open(sys.argv[1], encoding="utf-8") as f:
            documents = json.load(f)
        results = {}
        for text in documents:
            try:
                results[text] = {"valid": True, "value": tag(tomllib.loads(text))}
            except tomllib.TOMLDecodeError as error:
                results[text] = {"valid": False, "error": str(error)}
        json.dump(results, sys.stdout)
        """#

    static let isAvailable: Bool = (try? runPython(["-c", "import tomllib"])) != nil

    /// Every document any test asks the oracle about.
    static let documents: [String] =
        OracleCorpus.valid.map(\.text) + OracleCorpus.invalid.map(\.text)
        + TOMLErrorTests.cases.map(\.document) + TOMLValueTests.oracleDocuments
        + OracleMutants.documents.map(\.text)

    /// tomllib's verdict on every document, or the reason the oracle could not run.
    static let results: Swift.Result<[String: Result], OracleFailure> = {
        do {
            let input = FileManager.default.temporaryDirectory
                .appendingPathComponent("den-toml-oracle-\(ProcessInfo.processInfo.processIdentifier).json")
            try JSONSerialization.data(withJSONObject: documents).write(to: input)
            defer { try? FileManager.default.removeItem(at: input) }
            let output = try runPython(["-c", script, input.path])
            return .success(try JSONDecoder().decode([String: Result].self, from: output))
        } catch {
            return .failure(OracleFailure(message: "running tomllib failed: \(error)"))
        }
    }()

    static func result(for text: String) throws -> Result {
        guard let result = try results.get()[text] else {
            throw OracleFailure(message: "document was not sent to the oracle")
        }
        return result
    }

    private static func runPython(_ arguments: [String]) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        let stdout = Pipe()
        process.standardOutput = stdout
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw OracleFailure(message: "python3 exited with status \(process.terminationStatus)")
        }
        return data
    }
}
