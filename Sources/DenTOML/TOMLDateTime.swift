/// One of TOML's four date-time forms, held as validated fields.
///
/// Fractional seconds keep nanosecond precision (further digits are truncated, as the TOML spec
/// allows). Equality compares fields: the same instant written with two offsets is two values.
public struct TOMLDateTime: Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        case offsetDateTime = "offset date-time"
        case localDateTime = "local date-time"
        case localDate = "local date"
        case localTime = "local time"
    }

    /// A calendar date in the proleptic Gregorian calendar, years 0000 to 9999.
    public struct LocalDate: Sendable, Hashable, CustomStringConvertible {
        public let year: Int
        public let month: Int
        public let day: Int

        /// Returns nil unless the fields name a real day (so February 29 only in leap years).
        public init?(year: Int, month: Int, day: Int) {
            guard (0...9999).contains(year), (1...12).contains(month),
                (1...LocalDate.daysIn(month: month, year: year)).contains(day)
            else { return nil }
            self.year = year
            self.month = month
            self.day = day
        }

        public var description: String {
            "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
        }

        static func daysIn(month: Int, year: Int) -> Int {
            switch month {
            case 2: isLeapYear(year) ? 29 : 28
            case 4, 6, 9, 11: 30
            default: 31
            }
        }

        static func isLeapYear(_ year: Int) -> Bool {
            year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        }
    }

    /// A time of day without a zone. Leap seconds (second 60) are rejected, as Python's tomllib does.
    public struct LocalTime: Sendable, Hashable, CustomStringConvertible {
        public let hour: Int
        public let minute: Int
        public let second: Int
        public let nanosecond: Int

        public init?(hour: Int, minute: Int, second: Int, nanosecond: Int = 0) {
            guard (0...23).contains(hour), (0...59).contains(minute), (0...59).contains(second),
                (0...999_999_999).contains(nanosecond)
            else { return nil }
            self.hour = hour
            self.minute = minute
            self.second = second
            self.nanosecond = nanosecond
        }

        /// "07:32:00", or "07:32:00.5" with trailing zeros of the fraction dropped.
        public var description: String {
            var text = "\(pad(hour, 2)):\(pad(minute, 2)):\(pad(second, 2))"
            if nanosecond > 0 {
                var fraction = pad(nanosecond, 9)
                while fraction.hasSuffix("0") { fraction.removeLast() }
                text += "." + fraction
            }
            return text
        }
    }

    public let date: LocalDate?
    public let time: LocalTime?
    /// Minutes east of UTC for an offset date-time ("Z" is 0); nil for the local forms.
    public let offsetMinutes: Int?

    /// An offset date-time; nil when the offset is beyond ±23:59.
    public init?(date: LocalDate, time: LocalTime, offsetMinutes: Int) {
        guard abs(offsetMinutes) < 24 * 60 else { return nil }
        self.date = date
        self.time = time
        self.offsetMinutes = offsetMinutes
    }

    public init(date: LocalDate, time: LocalTime) {
        self.date = date
        self.time = time
        offsetMinutes = nil
    }

    public init(date: LocalDate) {
        self.date = date
        time = nil
        offsetMinutes = nil
    }

    public init(time: LocalTime) {
        date = nil
        self.time = time
        offsetMinutes = nil
    }

    public var kind: Kind {
        switch (date, time, offsetMinutes) {
        case (.some, .some, .some): .offsetDateTime
        case (.some, .some, .none): .localDateTime
        case (.some, .none, _): .localDate
        case (.none, _, _): .localTime
        }
    }

    /// The value as TOML writes it: "1979-05-27T07:32:00Z", "1979-05-27T00:32:00.999-07:00",
    /// "1979-05-27T07:32:00", "1979-05-27", "07:32:00".
    public var description: String {
        var parts: [String] = []
        if let date { parts.append(date.description) }
        if let time { parts.append(time.description) }
        var text = parts.joined(separator: "T")
        if let offsetMinutes {
            if offsetMinutes == 0 {
                text += "Z"
            } else {
                let magnitude = abs(offsetMinutes)
                text += (offsetMinutes < 0 ? "-" : "+") + pad(magnitude / 60, 2) + ":" + pad(magnitude % 60, 2)
            }
        }
        return text
    }
}

private func pad(_ value: Int, _ width: Int) -> String {
    let digits = String(value)
    return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
}
