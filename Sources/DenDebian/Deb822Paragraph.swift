/// A paragraph of a deb822 document: fields in their original order, looked up by name
/// regardless of ASCII case (`Package`, `package` and `PACKAGE` are one field).
public struct Deb822Paragraph: Sendable, Hashable {
    public var fields: [Deb822Field]
    /// The line of the paragraph's first field (0 when built in code).
    public var line: Int

    public init(fields: [Deb822Field], line: Int = 0) {
        self.fields = fields
        self.line = line
    }

    public func field(_ name: String) -> Deb822Field? {
        fields.first { Self.namesMatch($0.name, name) }
    }

    /// The value of the named field, or nil when the paragraph has none. Setting replaces the
    /// value in place (keeping the field's position), appends a new field, or removes it (nil).
    public subscript(name: String) -> String? {
        get { field(name)?.value }
        set {
            let index = fields.firstIndex { Self.namesMatch($0.name, name) }
            switch (index, newValue) {
            case (let index?, let value?):
                fields[index].value = value
            case (let index?, nil):
                fields.remove(at: index)
            case (nil, let value?):
                fields.append(Deb822Field(name: name, value: value))
            case (nil, nil):
                break
            }
        }
    }

    static func namesMatch(_ a: String, _ b: String) -> Bool {
        let a = a.utf8
        let b = b.utf8
        guard a.count == b.count else { return false }
        return zip(a, b).allSatisfy { ASCII.lowercased($0) == ASCII.lowercased($1) }
    }
}

extension Deb822Paragraph: CustomStringConvertible {
    /// The paragraph in deb822 syntax, each field ending with a newline: the inverse of parsing
    /// for values `Deb822.parse` produced (continuation lines get a leading space back, empty
    /// lines become ` .`).
    public var description: String {
        var output = ""
        for field in fields {
            output += field.name
            output += ":"
            var isFirst = true
            for line in field.value.split(separator: "\n", omittingEmptySubsequences: false) {
                if isFirst {
                    if !line.isEmpty {
                        output += " " + line
                    }
                    isFirst = false
                } else {
                    output += line.isEmpty ? "\n ." : "\n " + line
                }
            }
            output += "\n"
        }
        return output
    }
}
