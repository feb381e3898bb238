import DenTOML

/// A starter manifest for a common stack. The texts are compiled into den (a single binary
/// has no side files) from `templates/` by `scripts/embed-templates`.
public struct Template: Sendable, Equatable {
    public var name: String
    public var text: String

    public init(name: String, text: String) {
        self.name = name
        self.text = text
    }

    public static var all: [Template] { EmbeddedTemplates.all }

    public static func named(_ name: String) -> Template? {
        all.first { $0.name == name }
    }

    /// The first line of the template, without its comment marker.
    public var summary: String {
        let first = text.split(separator: "\n", maxSplits: 1).first ?? ""
        return String(first.drop { $0 == "#" || $0 == " " })
    }

    /// The manifest text with `name` and `base` set. Comments and layout stay as written: only
    /// the two top-level lines change, found through the parser rather than by pattern.
    public func rendered(name: String, base: String?) throws(TOMLParseError) -> String {
        let table = try TOML.parse(text)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var replacements: [(key: String, value: String)] = [("name", name)]
        if let base { replacements.append(("base", base)) }
        for (key, value) in replacements {
            let line = "\(key) = \(TOML.quoted(value))"
            if let entry = table[key] {
                lines[entry.keyPosition.line - 1] = line
            } else {
                // Insert after the leading comment block, so the summary line stays first.
                let index = lines.firstIndex { !$0.hasPrefix("#") } ?? lines.count
                lines.insert(line, at: index)
            }
        }
        return lines.joined(separator: "\n")
    }
}
