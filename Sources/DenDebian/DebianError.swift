/// Everything the Debian parsers can reject. Line numbers are 1-based and count physical lines
/// of the text that was handed to the parser.
public indirect enum DebianError: Error, Sendable, Hashable {
    /// A version string that dpkg would refuse (see `DebianVersion` for the strictness chosen).
    case invalidVersion(String, problem: VersionProblem)
    /// A deb822 document that is not a sequence of `Name: value` paragraphs.
    case invalidDeb822(line: Int, problem: Deb822Problem)
    /// An OpenPGP clear-signed message whose armour is not well formed.
    case malformedArmor(line: Int, problem: ArmorProblem)
    /// A dependency-style field (`Depends`, `Provides`, …) that does not parse. The string is the
    /// relation being read when the parser gave up.
    case invalidRelation(String, problem: RelationProblem)
    /// A field a paragraph must have is absent; `line` is where the paragraph starts.
    case missingField(String, line: Int)
    /// A field value that is present but not of the expected shape.
    case invalidField(String, value: String, line: Int, problem: FieldProblem)
    /// A version or relation error inside a named field, with the line of that field.
    case inField(String, line: Int, cause: DebianError)
    /// A Release file holds exactly one paragraph.
    case unexpectedParagraphCount(Int)

    public enum VersionProblem: Sendable, Hashable {
        case empty
        case embeddedSpace
        case emptyEpoch
        case nonNumericEpoch
        case negativeEpoch
        case epochTooLarge
        case nothingAfterColon
        case emptyRevision
        case emptyUpstream
        case upstreamStartsWithNonDigit
        case invalidCharacterInUpstream(Character)
        case invalidCharacterInRevision(Character)
    }

    public enum Deb822Problem: Sendable, Hashable {
        case missingColon
        case emptyFieldName
        case invalidFieldName(String)
        case continuationWithoutField
        case duplicateField(String)
    }

    public enum ArmorProblem: Sendable, Hashable {
        case missingBeginLine
        case unsupportedHeader(String)
        case invalidHeader(String)
        case unescapedDash
        case missingSignature
        case missingEndLine
        case invalidBase64
        case checksumMismatch
        case emptySignature
        case trailingContent
    }

    public enum RelationProblem: Sendable, Hashable {
        case missingPackageName
        case invalidPackageName(String)
        case invalidArchitecture(String)
        case invalidOperator(String)
        case missingOperator
        case missingVersion
        case invalidVersion(VersionProblem)
        case unclosedParenthesis
        case unclosedArchitectureList
        case emptyArchitectureList
        case unclosedProfileList
        case emptyProfileList
        case invalidProfileName(String)
        case unexpectedCharacter(Character)
        case emptyAlternative
        case alternativesNotAllowed
        case onlyExactVersionAllowed
    }

    public enum FieldProblem: Sendable, Hashable {
        case notANumber
        case notYesOrNo
        case unknownMultiArch
        case notASHA256
        case invalidPackageName
        case empty
        case malformedIndexLine
    }
}
