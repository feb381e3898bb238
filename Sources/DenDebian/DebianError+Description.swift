extension DebianError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .invalidVersion(let text, let problem):
            return "invalid version \"\(text)\": \(problem)"
        case .invalidDeb822(let line, let problem):
            return "line \(line): \(problem)"
        case .malformedArmor(let line, let problem):
            return "malformed clear-signed message at line \(line): \(problem)"
        case .invalidRelation(let text, let problem):
            return "invalid relation \"\(text)\": \(problem)"
        case .missingField(let name, let line):
            return "paragraph at line \(line) has no \"\(name)\" field"
        case .invalidField(let name, let value, let line, let problem):
            return "line \(line): field \"\(name)\" has value \"\(value)\", \(problem)"
        case .inField(let name, let line, let cause):
            return "line \(line): field \"\(name)\": \(cause)"
        case .unexpectedParagraphCount(let count):
            return "expected exactly one paragraph, found \(count)"
        }
    }
}

extension DebianError.VersionProblem: CustomStringConvertible {
    public var description: String {
        switch self {
        case .empty: "version string is empty"
        case .embeddedSpace: "version string has embedded spaces"
        case .emptyEpoch: "epoch in version is empty"
        case .nonNumericEpoch: "epoch in version is not a number"
        case .negativeEpoch: "epoch in version is negative"
        case .epochTooLarge: "epoch in version is too big"
        case .nothingAfterColon: "nothing after colon in version number"
        case .emptyRevision: "revision number is empty"
        case .emptyUpstream: "upstream version is empty"
        case .upstreamStartsWithNonDigit: "version number does not start with a digit"
        case .invalidCharacterInUpstream(let c): "invalid character \"\(c)\" in version number"
        case .invalidCharacterInRevision(let c): "invalid character \"\(c)\" in revision number"
        }
    }
}

extension DebianError.Deb822Problem: CustomStringConvertible {
    public var description: String {
        switch self {
        case .missingColon: "line is neither a field, a continuation nor a comment (no colon)"
        case .emptyFieldName: "field name is empty"
        case .invalidFieldName(let name): "invalid field name \"\(name)\""
        case .continuationWithoutField: "continuation line outside a field"
        case .duplicateField(let name): "duplicate field \"\(name)\" in paragraph"
        }
    }
}

extension DebianError.ArmorProblem: CustomStringConvertible {
    public var description: String {
        switch self {
        case .missingBeginLine: "expected \"-----BEGIN PGP SIGNED MESSAGE-----\""
        case .unsupportedHeader(let name): "armor header \"\(name)\" is not allowed in a clear-signed message"
        case .invalidHeader(let line): "invalid armor header \"\(line)\""
        case .unescapedDash: "line starts with a dash but is not dash-escaped"
        case .missingSignature: "expected \"-----BEGIN PGP SIGNATURE-----\""
        case .missingEndLine: "expected \"-----END PGP SIGNATURE-----\""
        case .invalidBase64: "invalid base64 in signature"
        case .checksumMismatch: "armor checksum does not match the signature"
        case .emptySignature: "signature block is empty"
        case .trailingContent: "content after the signature"
        }
    }
}

extension DebianError.RelationProblem: CustomStringConvertible {
    public var description: String {
        switch self {
        case .missingPackageName: "missing package name"
        case .invalidPackageName(let name): "invalid package name \"\(name)\""
        case .invalidArchitecture(let name): "invalid architecture \"\(name)\""
        case .invalidOperator(let op): "invalid version operator \"\(op)\""
        case .missingOperator: "version constraint has no operator"
        case .missingVersion: "version constraint has no version"
        case .invalidVersion(let problem): "\(problem)"
        case .unclosedParenthesis: "missing \")\" after the version"
        case .unclosedArchitectureList: "missing \"]\" after the architecture list"
        case .emptyArchitectureList: "empty architecture list"
        case .unclosedProfileList: "missing \">\" after the build profile list"
        case .emptyProfileList: "empty build profile list"
        case .invalidProfileName(let name): "invalid build profile \"\(name)\""
        case .unexpectedCharacter(let c): "unexpected \"\(c)\""
        case .emptyAlternative: "empty alternative"
        case .alternativesNotAllowed: "alternatives (\"|\") are not allowed in this field"
        case .onlyExactVersionAllowed: "only exact versions (\"=\") are allowed in this field"
        }
    }
}

extension DebianError.FieldProblem: CustomStringConvertible {
    public var description: String {
        switch self {
        case .notANumber: "expected a non-negative integer"
        case .notYesOrNo: "expected \"yes\" or \"no\""
        case .unknownMultiArch: "expected \"no\", \"same\", \"foreign\" or \"allowed\""
        case .notASHA256: "expected 64 hexadecimal digits"
        case .invalidPackageName: "expected a package name"
        case .empty: "expected a value"
        case .malformedIndexLine: "expected \"<checksum> <size> <path>\""
        }
    }
}
