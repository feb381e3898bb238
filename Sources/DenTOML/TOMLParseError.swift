/// Why a document is not valid TOML, and where.
///
/// `message` is lowercase and names the offending text in quotes; `position` points at the token
/// that made the document invalid (for an unterminated string: its opening quote).
public struct TOMLParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public var position: TOMLPosition

    public init(message: String, position: TOMLPosition) {
        self.message = message
        self.position = position
    }

    /// "3:7: duplicate key 'name' (first defined at 2:1)"
    public var description: String { "\(position): \(message)" }
}
