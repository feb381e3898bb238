/// The four RFC 3339 forms TOML allows: offset date-time, local date-time, local date, local time.
extension TOMLScanner {
    /// True when the next characters start a date ("1979-") or a time ("07:").
    var isAtDateTime: Bool {
        func digit(_ offset: Int) -> Bool { peek(offset).map(Self.isDigit) ?? false }
        if digit(0) && digit(1) && digit(2) && digit(3) && peek(4) == "-" { return true }
        return digit(0) && digit(1) && peek(2) == ":"
    }

    mutating func scanDateTime() throws(TOMLParseError) -> TOMLDateTime {
        let start = index
        guard peek(4) == "-" else {
            let time = try scanTime()
            try expectDateTimeEnd(start: start)
            return TOMLDateTime(time: time)
        }
        let date = try scanDate()
        // A space separates date and time only when a time follows; otherwise the value is a date.
        let separator = current
        let hasTime = separator == "T" || separator == "t"
            || (separator == " " && (peek(1).map(Self.isDigit) ?? false))
        guard hasTime else {
            try expectDateTimeEnd(start: start)
            return TOMLDateTime(date: date)
        }
        index += 1
        let time = try scanTime()
        let offsetStart = index
        let offsetMinutes: Int
        switch current {
        case "Z", "z":
            index += 1
            offsetMinutes = 0
        case "+", "-":
            let sign = current == "-" ? -1 : 1
            index += 1
            guard let hours = digits(2), current == ":", advance(), let minutes = digits(2) else {
                throw error("invalid offset '\(dateTimeText(from: offsetStart))': expected +HH:MM or -HH:MM", at: offsetStart)
            }
            guard hours <= 23, minutes <= 59 else {
                throw error("invalid offset '\(text(from: offsetStart, to: index))': out of range", at: offsetStart)
            }
            offsetMinutes = sign * (hours * 60 + minutes)
        default:
            try expectDateTimeEnd(start: start)
            return TOMLDateTime(date: date, time: time)
        }
        try expectDateTimeEnd(start: start)
        guard let value = TOMLDateTime(date: date, time: time, offsetMinutes: offsetMinutes) else {
            throw error("invalid offset '\(text(from: offsetStart, to: index))'", at: offsetStart)
        }
        return value
    }

    private mutating func scanDate() throws(TOMLParseError) -> TOMLDateTime.LocalDate {
        let start = index
        guard let year = digits(4), current == "-", advance(), let month = digits(2), current == "-", advance(),
            let day = digits(2)
        else {
            throw error("invalid date '\(dateTimeText(from: start))': expected YYYY-MM-DD", at: start)
        }
        guard let date = TOMLDateTime.LocalDate(year: year, month: month, day: day) else {
            let reason = (1...12).contains(month) ? "day out of range" : "month out of range"
            throw error("invalid date '\(text(from: start, to: index))': \(reason)", at: start)
        }
        return date
    }

    private mutating func scanTime() throws(TOMLParseError) -> TOMLDateTime.LocalTime {
        let start = index
        guard let hour = digits(2), current == ":", advance(), let minute = digits(2), current == ":", advance(),
            let second = digits(2)
        else {
            throw error("invalid time '\(dateTimeText(from: start))': expected HH:MM:SS", at: start)
        }
        var nanosecond = 0
        if current == "." {
            index += 1
            let fractionStart = index
            while let scalar = current, Self.isDigit(scalar) {
                if index - fractionStart < 9 {
                    nanosecond = nanosecond * 10 + Int(scalar.value - 0x30)
                }
                index += 1
            }
            guard index > fractionStart else {
                throw error("invalid time '\(dateTimeText(from: start))': expected digits after '.'", at: start)
            }
            for _ in min(index - fractionStart, 9)..<9 { nanosecond *= 10 }
        }
        guard let time = TOMLDateTime.LocalTime(hour: hour, minute: minute, second: second, nanosecond: nanosecond) else {
            let reason = hour > 23 ? "hour out of range" : minute > 59 ? "minute out of range" : "second out of range"
            throw error("invalid time '\(text(from: start, to: index))': \(reason)", at: start)
        }
        return time
    }

    /// A date-time must not run on into more letters or digits ("1979-05-27x", "07:32:00Z" for a
    /// local time).
    private func expectDateTimeEnd(start: Int) throws(TOMLParseError) {
        guard let scalar = current, Self.isBareValueCharacter(scalar) || scalar == ":" else { return }
        throw error("invalid date-time '\(dateTimeText(from: start))'", at: start)
    }

    /// The date-time-like text from `start`, for messages.
    private func dateTimeText(from start: Int) -> String {
        var end = start
        while end < scalars.count {
            let scalar = scalars[end]
            let continues = Self.isBareValueCharacter(scalar) || scalar == ":"
                || (scalar == " " && end + 1 < scalars.count && Self.isDigit(scalars[end + 1]) && end - start == 10)
            guard continues else { break }
            end += 1
        }
        return text(from: start, to: end)
    }

    /// Exactly `count` ASCII digits as a number, or nil (consuming nothing) if they are not there.
    private mutating func digits(_ count: Int) -> Int? {
        var value = 0
        for offset in 0..<count {
            guard let scalar = peek(offset), Self.isDigit(scalar) else { return nil }
            value = value * 10 + Int(scalar.value - 0x30)
        }
        index += count
        return value
    }

    /// Moves past the current character; returns true so it can sit in a guard chain.
    private mutating func advance() -> Bool {
        index += 1
        return true
    }
}
