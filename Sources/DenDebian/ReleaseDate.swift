/// A point in time from a Release file's `Date` or `Valid-Until` field, comparable to the
/// second. Only the RFC 2822 shape the archive tools write is understood:
/// `[Sat, ]10 Jun 2023 08:55:14 UTC`, the zone being `UTC`, `GMT`, `UT`, `Z` or `±hhmm`.
public struct ReleaseDate: Sendable, Hashable, Comparable {
    public var secondsSince1970: Int64

    public init(secondsSince1970: Int64) {
        self.secondsSince1970 = secondsSince1970
    }

    /// Nil when `text` is not in the supported shape or names an impossible date.
    public init?(_ text: String) {
        var tokens = text.split(whereSeparator: { $0 == " " || $0 == "\t" })
        if let first = tokens.first, first.hasSuffix(",") {
            guard Self.weekdays.contains(first.dropLast().lowercased()) else { return nil }
            tokens.removeFirst()
        }
        guard tokens.count == 5,
            let day = Self.number(tokens[0], digits: 1...2),
            let monthIndex = Self.months.firstIndex(of: tokens[1].lowercased()),
            let year = Self.number(tokens[2], digits: 4...4),
            let offset = Self.zoneOffset(tokens[4])
        else { return nil }
        let time = tokens[3].split(separator: ":", omittingEmptySubsequences: false)
        guard time.count == 2 || time.count == 3,
            let hour = Self.number(time[0], digits: 2...2), hour < 24,
            let minute = Self.number(time[1], digits: 2...2), minute < 60
        else { return nil }
        var second = 0
        if time.count == 3 {
            // 60 is a leap second; it counts as the next minute's first second.
            guard let value = Self.number(time[2], digits: 2...2), value <= 60 else { return nil }
            second = value
        }
        let month = monthIndex + 1
        guard day >= 1, day <= Self.daysInMonth(month, year: year) else { return nil }
        let days = Self.daysSince1970(year: year, month: month, day: day)
        secondsSince1970 = Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + second) - Int64(offset)
    }

    public static func < (a: ReleaseDate, b: ReleaseDate) -> Bool {
        a.secondsSince1970 < b.secondsSince1970
    }

    private static let weekdays = ["thu", "fri", "sat", "sun", "mon", "tue", "wed"]
    private static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]

    private static func number(_ text: Substring, digits: ClosedRange<Int>) -> Int? {
        guard digits.contains(text.utf8.count), text.utf8.allSatisfy(ASCII.isDigit) else { return nil }
        return Int(text)
    }

    /// Seconds east of UTC.
    private static func zoneOffset(_ zone: Substring) -> Int? {
        switch zone.uppercased() {
        case "UTC", "GMT", "UT", "Z":
            return 0
        default:
            let utf8 = Array(zone.utf8)
            guard utf8.count == 5, utf8[0] == ASCII.plus || utf8[0] == ASCII.hyphen,
                let hours = number(zone.dropFirst().prefix(2), digits: 2...2),
                let minutes = number(zone.dropFirst(3), digits: 2...2), minutes < 60
            else { return nil }
            let offset = hours * 3600 + minutes * 60
            return utf8[0] == ASCII.plus ? offset : -offset
        }
    }

    private static func isLeapYear(_ year: Int) -> Bool {
        year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
    }

    private static func daysInMonth(_ month: Int, year: Int) -> Int {
        switch month {
        case 2: isLeapYear(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Howard Hinnant's days-from-civil, valid for the proleptic Gregorian calendar.
    static func daysSince1970(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The inverse of `daysSince1970`.
    static func civil(fromDays days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}

extension ReleaseDate: CustomStringConvertible {
    /// The archive's own format, in UTC: `Sat, 10 Jun 2023 08:55:14 UTC`.
    public var description: String {
        let days = Int(secondsSince1970.quotientAndRemainder(dividingBy: 86_400).quotient)
            - (secondsSince1970 % 86_400 < 0 ? 1 : 0)
        let secondsOfDay = Int(secondsSince1970 - Int64(days) * 86_400)
        let (year, month, day) = Self.civil(fromDays: days)
        let weekday = ((days % 7) + 7) % 7
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        // The parser wants exactly four year digits, so years before 1000 are zero-padded to
        // parse back (found by fuzzing: `0188` printed as `188`).
        let yearDigits = "\(year)"
        let paddedYear = year >= 0 ? String(repeating: "0", count: max(0, 4 - yearDigits.count)) + yearDigits : yearDigits
        let weekdayName = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"][weekday]
        let monthName = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][month - 1]
        return "\(weekdayName), \(two(day)) \(monthName) \(paddedYear) "
            + "\(two(secondsOfDay / 3600)):\(two(secondsOfDay / 60 % 60)):\(two(secondsOfDay % 60)) UTC"
    }
}
