/// Byte-level parser for dependency-style fields, following dpkg's `parse_depends`: package
/// names, `:arch` qualifiers, `(op version)`, `[arch …]` and `<profile …>` lists, `|` between
/// alternatives and `,` between groups. Empty elements (`a,,b`, a trailing comma) are errors
/// there too.
struct RelationParser {
    private let bytes: Bytes
    private var position = 0
    private var relationStart = 0

    private init(bytes: Bytes) {
        self.bytes = bytes
    }

    static func parseList(_ bytes: Bytes, allowsAlternatives: Bool) throws(DebianError) -> [[Relation]] {
        var parser = RelationParser(bytes: bytes)
        return try parser.parseGroups(allowsAlternatives: allowsAlternatives)
    }

    static func parseFlatList(_ bytes: Bytes, exactVersionsOnly: Bool) throws(DebianError) -> [Relation] {
        var parser = RelationParser(bytes: bytes)
        let groups = try parser.parseGroups(allowsAlternatives: false)
        var relations: [Relation] = []
        relations.reserveCapacity(groups.count)
        for group in groups {
            guard let relation = group.first else { continue }
            if exactVersionsOnly, let constraint = relation.constraint, constraint.op != .equal {
                throw DebianError.invalidRelation(relation.description, problem: .onlyExactVersionAllowed)
            }
            relations.append(relation)
        }
        return relations
    }

    private mutating func parseGroups(allowsAlternatives: Bool) throws(DebianError) -> [[Relation]] {
        skipWhitespace()
        guard position < bytes.count else { return [] }
        var groups: [[Relation]] = []
        while true {
            var group: [Relation] = []
            while true {
                group.append(try parseRelation())
                skipWhitespace()
                guard position < bytes.count, bytes[position] == ASCII.pipe else { break }
                guard allowsAlternatives else { throw failure(.alternativesNotAllowed) }
                position += 1
                skipWhitespace()
            }
            groups.append(group)
            guard position < bytes.count else { break }
            guard bytes[position] == ASCII.comma else { throw unexpectedCharacter() }
            position += 1
            skipWhitespace()
        }
        return groups
    }

    private mutating func parseRelation() throws(DebianError) -> Relation {
        relationStart = position
        let nameStart = position
        while position < bytes.count, !endsName(bytes[position]) { position += 1 }
        guard position > nameStart else {
            if position < bytes.count, bytes[position] == ASCII.pipe || bytes[position] == ASCII.comma {
                throw failure(.emptyAlternative)
            }
            throw failure(.missingPackageName)
        }
        guard isPackageName(nameStart, position) else {
            throw failure(.invalidPackageName(bytes.string(nameStart, position)))
        }
        var relation = Relation(name: bytes.string(nameStart, position))

        if position < bytes.count, bytes[position] == ASCII.colon {
            position += 1
            let qualifierStart = position
            while position < bytes.count, isArchitectureCharacter(bytes[position]) { position += 1 }
            guard position > qualifierStart, ASCII.isAlphanumeric(bytes[qualifierStart]) else {
                throw failure(.invalidArchitecture(bytes.string(qualifierStart, position)))
            }
            if ASCII.equalsLowercase(bytes, qualifierStart, position, "any") {
                relation.architectureQualifier = .any
            } else if ASCII.equalsLowercase(bytes, qualifierStart, position, "native") {
                relation.architectureQualifier = .native
            } else {
                relation.architectureQualifier = .named(bytes.string(qualifierStart, position))
            }
        }
        skipWhitespace()

        if position < bytes.count, bytes[position] == ASCII.openParen {
            position += 1
            relation.constraint = try parseConstraint()
            skipWhitespace()
        }
        if position < bytes.count, bytes[position] == ASCII.openBracket {
            position += 1
            relation.architectures = try parseTerms(
                closing: ASCII.closeBracket, unclosed: .unclosedArchitectureList, empty: .emptyArchitectureList,
                isNameCharacter: isArchitectureCharacter
            ).map { Relation.ArchitectureTerm($0.name, isNegated: $0.isNegated) }
            skipWhitespace()
        }
        while position < bytes.count, bytes[position] == ASCII.less {
            position += 1
            let terms = try parseTerms(
                closing: ASCII.greater, unclosed: .unclosedProfileList, empty: .emptyProfileList,
                isNameCharacter: isProfileCharacter)
            relation.profiles.append(terms.map { Relation.ProfileTerm($0.name, isNegated: $0.isNegated) })
            skipWhitespace()
        }
        return relation
    }

    private mutating func parseConstraint() throws(DebianError) -> VersionConstraint {
        skipWhitespace()
        let opStart = position
        while position < bytes.count, isOperatorCharacter(bytes[position]) { position += 1 }
        let op: VersionConstraint.Operator
        switch position - opStart {
        case 0:
            throw failure(.missingOperator)
        case 1 where bytes[opStart] == ASCII.equal:
            op = .equal
        // dpkg still reads the pre-1995 `<` and `>` as `<=` and `>=` (with a warning).
        case 1 where bytes[opStart] == ASCII.less:
            op = .lessOrEqual
        case 1 where bytes[opStart] == ASCII.greater:
            op = .greaterOrEqual
        case 2 where bytes[opStart] == ASCII.less && bytes[opStart + 1] == ASCII.less:
            op = .lessThan
        case 2 where bytes[opStart] == ASCII.less && bytes[opStart + 1] == ASCII.equal:
            op = .lessOrEqual
        case 2 where bytes[opStart] == ASCII.greater && bytes[opStart + 1] == ASCII.equal:
            op = .greaterOrEqual
        case 2 where bytes[opStart] == ASCII.greater && bytes[opStart + 1] == ASCII.greater:
            op = .greaterThan
        default:
            throw failure(.invalidOperator(bytes.string(opStart, position)))
        }
        skipWhitespace()
        let versionStart = position
        while position < bytes.count, !ASCII.isWhitespace(bytes[position]), bytes[position] != ASCII.closeParen {
            position += 1
        }
        guard position > versionStart else { throw failure(.missingVersion) }
        let version: DebianVersion
        do {
            version = try DebianVersion(utf8: bytes.slice(versionStart, position))
        } catch {
            guard case .invalidVersion(_, let problem) = error else { throw error }
            throw failure(.invalidVersion(problem))
        }
        skipWhitespace()
        guard position < bytes.count, bytes[position] == ASCII.closeParen else {
            throw failure(.unclosedParenthesis)
        }
        position += 1
        return VersionConstraint(op, version)
    }

    private mutating func parseTerms(
        closing: UInt8,
        unclosed: DebianError.RelationProblem,
        empty: DebianError.RelationProblem,
        isNameCharacter: (UInt8) -> Bool
    ) throws(DebianError) -> [(name: String, isNegated: Bool)] {
        var terms: [(name: String, isNegated: Bool)] = []
        while true {
            skipWhitespace()
            guard position < bytes.count else { throw failure(unclosed) }
            if bytes[position] == closing {
                position += 1
                break
            }
            let isNegated = bytes[position] == ASCII.exclamation
            if isNegated {
                position += 1
            }
            let nameStart = position
            while position < bytes.count, isNameCharacter(bytes[position]) { position += 1 }
            guard position > nameStart else {
                guard position < bytes.count else { throw failure(unclosed) }
                throw unexpectedCharacter()
            }
            terms.append((bytes.string(nameStart, position), isNegated))
        }
        guard !terms.isEmpty else { throw failure(empty) }
        return terms
    }

    private mutating func skipWhitespace() {
        while position < bytes.count, ASCII.isWhitespace(bytes[position]) { position += 1 }
    }

    private func endsName(_ c: UInt8) -> Bool {
        ASCII.isWhitespace(c) || c == ASCII.colon || c == ASCII.openParen || c == ASCII.comma
            || c == ASCII.pipe || c == ASCII.openBracket || c == ASCII.less
    }

    /// dpkg's `pkg_name_is_illegal`: an alphanumeric first character, then alphanumerics and
    /// `-+._` (`_` is deprecated but still accepted).
    private func isPackageName(_ start: Int, _ end: Int) -> Bool {
        guard ASCII.isAlphanumeric(bytes[start]) else { return false }
        for i in start..<end {
            let c = bytes[i]
            if !ASCII.isAlphanumeric(c), c != ASCII.hyphen, c != ASCII.plus, c != ASCII.dot, c != ASCII.underscore {
                return false
            }
        }
        return true
    }

    private func isArchitectureCharacter(_ c: UInt8) -> Bool {
        ASCII.isAlphanumeric(c) || c == ASCII.hyphen
    }

    private func isProfileCharacter(_ c: UInt8) -> Bool {
        ASCII.isAlphanumeric(c) || c == ASCII.hyphen || c == ASCII.dot || c == ASCII.plus || c == ASCII.underscore
    }

    private func isOperatorCharacter(_ c: UInt8) -> Bool {
        c == ASCII.less || c == ASCII.equal || c == ASCII.greater
    }

    private func unexpectedCharacter() -> DebianError {
        failure(.unexpectedCharacter(character(in: bytes, at: position)))
    }

    /// The error names the relation being read: from its start up to the next `,` or `|`.
    private func failure(_ problem: DebianError.RelationProblem) -> DebianError {
        var end = Swift.max(position, relationStart)
        while end < bytes.count, bytes[end] != ASCII.comma, bytes[end] != ASCII.pipe { end += 1 }
        if case .alternativesNotAllowed = problem {
            // Show the whole offending group so the `|` is visible.
            end = position + 1
            while end < bytes.count, bytes[end] != ASCII.comma { end += 1 }
        }
        var start = relationStart
        while start < end, ASCII.isWhitespace(bytes[start]) { start += 1 }
        while end > start, ASCII.isWhitespace(bytes[end - 1]) { end -= 1 }
        if start == end {
            // An empty element (`a,,b`): the whole field is the useful context.
            start = 0
            end = bytes.count
            while start < end, ASCII.isWhitespace(bytes[start]) { start += 1 }
            while end > start, ASCII.isWhitespace(bytes[end - 1]) { end -= 1 }
        }
        return .invalidRelation(bytes.string(start, end), problem: problem)
    }
}
