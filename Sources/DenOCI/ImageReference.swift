/// A container image reference as the distribution spec defines it:
/// `[REGISTRY/]REPOSITORY[:TAG][@ALGORITHM:HEX]`.
///
/// den has no built-in default registry: a reference without one stays unqualified
/// (`registry == nil`) until it is resolved against the host's registries configuration,
/// the way podman treats short names.
public struct ImageReference: Sendable, Hashable, CustomStringConvertible {
    public var registry: String?
    public var repository: String
    public var tag: String?
    public var digest: String?

    public init(registry: String?, repository: String, tag: String?, digest: String?) {
        self.registry = registry
        self.repository = repository
        self.tag = tag
        self.digest = digest
    }

    public init(parsing text: String) throws(ImageReferenceError) {
        guard !text.isEmpty else { throw .empty }
        guard text.utf8.count <= 4096 else { throw .tooLong }
        var rest = Substring(text)

        var digest: String?
        if let at = rest.firstIndex(of: "@") {
            let candidate = String(rest[rest.index(after: at)...])
            try Self.validateDigest(candidate)
            digest = candidate
            rest = rest[..<at]
        }

        // A ':' after the last '/' starts the tag; one before it belongs to a registry port.
        var tag: String?
        let lastSlash = rest.lastIndex(of: "/")
        if let colon = rest.lastIndex(of: ":"), lastSlash.map({ colon > $0 }) ?? true {
            let candidate = String(rest[rest.index(after: colon)...])
            guard Self.isValidTag(candidate) else { throw .invalidTag(candidate) }
            tag = candidate
            rest = rest[..<colon]
        }

        var components = rest.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        var registry: String?
        // Docker's rule: the first component names a registry when it looks like a host
        // (has a dot or a port, or is localhost); otherwise it is part of the repository.
        if components.count > 1, let first = components.first,
           first.contains(".") || first.contains(":") || first == "localhost" {
            guard Self.isValidRegistry(first) else { throw .invalidRegistry(first) }
            registry = first
            components.removeFirst()
        }
        guard !components.isEmpty else { throw .invalidRepository(String(rest)) }
        for component in components where !Self.isValidPathComponent(component) {
            throw .invalidRepository(String(rest))
        }
        let repository = components.joined(separator: "/")
        let registryLength = registry.map { $0.utf8.count + 1 } ?? 0
        guard registryLength + repository.utf8.count <= 255 else { throw .tooLong }

        self.init(registry: registry, repository: repository, tag: tag, digest: digest)
    }

    /// True when the reference names a registry; short names need resolving first.
    public var isFullyQualified: Bool { registry != nil }

    public var description: String {
        var text = registry.map { "\($0)/" } ?? ""
        text += repository
        if let tag { text += ":\(tag)" }
        if let digest { text += "@\(digest)" }
        return text
    }

    // MARK: - Grammar (distribution/reference)

    private static func isLowerAlnum(_ c: UInt8) -> Bool {
        (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9"))
    }

    /// `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*`
    static func isValidPathComponent(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard let first = bytes.first, let last = bytes.last, isLowerAlnum(first), isLowerAlnum(last) else { return false }
        var index = 0
        while index < bytes.count {
            let c = bytes[index]
            if isLowerAlnum(c) { index += 1; continue }
            // A separator run: one '.', one or two '_', or any number of '-'.
            var end = index
            while end < bytes.count, !isLowerAlnum(bytes[end]) { end += 1 }
            let run = bytes[index..<end]
            let valid = run.allSatisfy { $0 == UInt8(ascii: "-") }
                || Array(run) == [UInt8(ascii: ".")]
                || Array(run) == [UInt8(ascii: "_")]
                || Array(run) == [UInt8(ascii: "_"), UInt8(ascii: "_")]
            guard valid else { return false }
            index = end
        }
        return true
    }

    /// `[\w][\w.-]{0,127}`
    static func isValidTag(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty, bytes.count <= 128 else { return false }
        func isWord(_ c: UInt8) -> Bool {
            isLowerAlnum(c) || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z")) || c == UInt8(ascii: "_")
        }
        return isWord(bytes[0]) && bytes.dropFirst().allSatisfy { isWord($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") }
    }

    /// A host name or IPv4 address with an optional port (bracketed IPv6 is accepted as-is).
    static func isValidRegistry(_ text: String) -> Bool {
        if text.hasPrefix("[") { return text.contains("]") }
        var host = Substring(text)
        if let colon = text.lastIndex(of: ":") {
            let port = text[text.index(after: colon)...]
            guard !port.isEmpty, port.allSatisfy(\.isASCII), port.allSatisfy(\.isNumber), port.count <= 5 else { return false }
            host = text[..<colon]
        }
        let labels = host.split(separator: ".", omittingEmptySubsequences: false)
        return !labels.isEmpty && labels.allSatisfy { label in
            guard let first = label.first, let last = label.last, first != "-", last != "-" else { return false }
            return label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
        }
    }

    static func validateDigest(_ text: String) throws(ImageReferenceError) {
        guard let colon = text.firstIndex(of: ":") else { throw .invalidDigest(text) }
        let algorithm = text[..<colon]
        let hex = text[text.index(after: colon)...]
        let isHex = hex.allSatisfy { $0.isHexDigit && !$0.isUppercase }
        switch algorithm {
        case "sha256": guard hex.count == 64, isHex else { throw .invalidDigest(text) }
        case "sha512": guard hex.count == 128, isHex else { throw .invalidDigest(text) }
        default: throw .unsupportedDigestAlgorithm(String(algorithm))
        }
    }
}

public enum ImageReferenceError: Error, Sendable, Equatable {
    case empty
    case tooLong
    case invalidRegistry(String)
    case invalidRepository(String)
    case invalidTag(String)
    case invalidDigest(String)
    case unsupportedDigestAlgorithm(String)
}

extension ImageReferenceError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .empty: "the image reference is empty"
        case .tooLong: "the image reference is longer than 255 characters"
        case .invalidRegistry(let text): "'\(text)' is not a valid registry host"
        case .invalidRepository(let text): "'\(text)' is not a valid repository name (lowercase letters, digits and separators '.', '_', '__', '-')"
        case .invalidTag(let text): "'\(text)' is not a valid tag (letters, digits, '_', '.', '-', at most 128)"
        case .invalidDigest(let text): "'\(text)' is not a valid digest (expected sha256: and 64 lowercase hex digits)"
        case .unsupportedDigestAlgorithm(let text): "digest algorithm '\(text)' is not supported (use sha256)"
        }
    }
}
