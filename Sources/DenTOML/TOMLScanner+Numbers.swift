/// Bare values: booleans, integers and floats. They are read as one token of letters, digits and
/// `_ + - .` and then checked against the grammar, so a message can quote the whole token.
extension TOMLScanner {
    static func isBareValueCharacter(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A, 0x5F, 0x2B, 0x2D, 0x2E: true
        default: false
        }
    }

    /// Reads a boolean, integer or float. Returns nil, consuming nothing, when no bare value
    /// character is present.
    mutating func scanBareValue() throws(TOMLParseError) -> TOMLValue? {
        let start = index
        while index < scalars.count, Self.isBareValueCharacter(scalars[index]) {
            index += 1
        }
        guard index > start else { return nil }
        let token = scalars[start..<index]
        let written = text(from: start, to: index)
        switch written {
        case "true": return .boolean(true)
        case "false": return .boolean(false)
        case "inf", "+inf": return .float(.infinity)
        case "-inf": return .float(-.infinity)
        case "nan", "+nan", "-nan": return .float(.nan)
        default: break
        }
        guard let first = token.first, Self.isDigit(first) || first == "+" || first == "-" || first == "." else {
            throw error("invalid value '\(written)' (strings must be quoted)", at: start)
        }
        if token.count > 2, first == "0", let radix = Self.radix(of: token[start + 1]) {
            return .integer(try prefixedInteger(token.dropFirst(2), radix: radix, written: written, start: start))
        }
        return try decimalNumber(token, written: written, start: start)
    }

    private static func radix(of marker: Unicode.Scalar) -> UInt64? {
        switch marker {
        case "x": 16
        case "o": 8
        case "b": 2
        default: nil
        }
    }

    /// Digits with single underscores between them; nil if the underscores are misplaced or a
    /// character is not a digit.
    private static func digitsWithoutUnderscores(
        _ digits: ArraySlice<Unicode.Scalar>, isDigit: (Unicode.Scalar) -> Bool
    ) -> [Unicode.Scalar]? {
        var result: [Unicode.Scalar] = []
        result.reserveCapacity(digits.count)
        var previousWasDigit = false
        for scalar in digits {
            if scalar == "_" {
                guard previousWasDigit else { return nil }
                previousWasDigit = false
            } else {
                guard isDigit(scalar) else { return nil }
                result.append(scalar)
                previousWasDigit = true
            }
        }
        return previousWasDigit ? result : nil
    }

    private func prefixedInteger(
        _ body: ArraySlice<Unicode.Scalar>, radix: UInt64, written: String, start: Int
    ) throws(TOMLParseError) -> Int64 {
        guard let digits = Self.digitsWithoutUnderscores(body, isDigit: { Self.hexValue($0).map { UInt64($0) < radix } ?? false })
        else { throw error("invalid integer '\(written)'", at: start) }
        var magnitude: UInt64 = 0
        for digit in digits {
            let (shifted, overflow) = magnitude.multipliedReportingOverflow(by: radix)
            guard !overflow, shifted <= UInt64(Int64.max) - UInt64(Self.hexValue(digit) ?? 0) else {
                throw error("integer '\(written)' does not fit in 64 bits", at: start)
            }
            magnitude = shifted + UInt64(Self.hexValue(digit) ?? 0)
        }
        return Int64(magnitude)
    }

    /// Decimal integers and floats: `[+-]int[.frac][(e|E)[+-]exp]`, where the integer part has no
    /// leading zeros and every part needs at least one digit.
    private func decimalNumber(
        _ token: ArraySlice<Unicode.Scalar>, written: String, start: Int
    ) throws(TOMLParseError) -> TOMLValue {
        var rest = token
        var isNegative = false
        if let sign = rest.first, sign == "+" || sign == "-" {
            isNegative = sign == "-"
            rest = rest.dropFirst()
        }
        let integerEnd = rest.firstIndex { $0 == "." || $0 == "e" || $0 == "E" } ?? rest.endIndex
        let integerPart = rest[rest.startIndex..<integerEnd]
        guard let integerDigits = Self.digitsWithoutUnderscores(integerPart, isDigit: Self.isDigit) else {
            throw error("invalid number '\(written)'", at: start)
        }
        if integerDigits.count > 1, integerDigits[0] == "0" {
            throw error("leading zeros are not allowed in '\(written)'", at: start)
        }
        if integerEnd == rest.endIndex {
            return .integer(try decimalInteger(integerDigits, isNegative: isNegative, written: written, start: start))
        }

        var cleaned = String.UnicodeScalarView()
        if isNegative { cleaned.append("-") }
        cleaned.append(contentsOf: integerDigits)
        var cursor = integerEnd
        if rest[cursor] == "." {
            let fractionEnd = rest[(cursor + 1)...].firstIndex { $0 == "e" || $0 == "E" } ?? rest.endIndex
            guard let fraction = Self.digitsWithoutUnderscores(rest[(cursor + 1)..<fractionEnd], isDigit: Self.isDigit) else {
                throw error("invalid float '\(written)': expected digits after '.'", at: start)
            }
            cleaned.append(".")
            cleaned.append(contentsOf: fraction)
            cursor = fractionEnd
        }
        if cursor < rest.endIndex {
            var exponent = rest[(cursor + 1)...]
            cleaned.append("e")
            if let sign = exponent.first, sign == "+" || sign == "-" {
                cleaned.append(sign)
                exponent = exponent.dropFirst()
            }
            guard let exponentDigits = Self.digitsWithoutUnderscores(exponent, isDigit: Self.isDigit) else {
                throw error("invalid float '\(written)': expected digits in the exponent", at: start)
            }
            cleaned.append(contentsOf: exponentDigits)
        }
        guard let value = Double(String(cleaned)) else {
            throw error("invalid float '\(written)'", at: start)
        }
        return .float(value)
    }

    private func decimalInteger(
        _ digits: [Unicode.Scalar], isNegative: Bool, written: String, start: Int
    ) throws(TOMLParseError) -> Int64 {
        // Accumulate negatively: Int64.min has no positive counterpart.
        var value: Int64 = 0
        for digit in digits {
            let (shifted, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (next, overflow2) = shifted.subtractingReportingOverflow(Int64(digit.value - 0x30))
            guard !overflow1, !overflow2 else {
                throw error("integer '\(written)' does not fit in 64 bits", at: start)
            }
            value = next
        }
        if isNegative { return value }
        guard value != Int64.min else {
            throw error("integer '\(written)' does not fit in 64 bits", at: start)
        }
        return -value
    }
}
