import Foundation

/// RFC 3339 timestamps (`2026-11-22T10:00:00Z`, `...T12:00:00.5+02:00`), parsed and printed with plain
/// arithmetic: no `DateFormatter`, no locale, no time zone database.
public enum RFC3339 {
    /// The instant `text` names, or nil when it is not a full RFC 3339 date-time with an offset.
    ///
    /// `T` may be lowercase or a space (RFC 3339 section 5.6 note); the offset is `Z`, `z` or `±hh:mm`.
    public static func parse(_ text: String) -> Date? {
        let b = Array(text.utf8)
        var i = 0
        func number(_ digits: Int) -> Int? {
            guard i + digits <= b.count else { return nil }
            var value = 0
            for _ in 0..<digits {
                guard b[i] >= 0x30, b[i] <= 0x39 else { return nil }
                value = value * 10 + Int(b[i] - 0x30)
                i += 1
            }
            return value
        }
        func expect(_ options: String) -> Bool {
            guard i < b.count, options.utf8.contains(b[i]) else { return false }
            i += 1
            return true
        }
        guard let year = number(4), expect("-"), let month = number(2), expect("-"), let day = number(2),
            expect("Tt "), let hour = number(2), expect(":"), let minute = number(2), expect(":"),
            let second = number(2)
        else { return nil }
        var fraction = 0.0
        if i < b.count, b[i] == UInt8(ascii: ".") {
            let start = i
            i += 1
            while i < b.count, b[i] >= 0x30, b[i] <= 0x39 { i += 1 }
            guard i - start > 1, i - start <= 10 else { return nil }
            fraction = Double("0" + String(decoding: b[start..<i], as: UTF8.self)) ?? 0
        }
        var offset = 0
        if expect("Zz") {
            offset = 0
        } else {
            guard i < b.count, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") else { return nil }
            let sign = b[i] == UInt8(ascii: "-") ? -1 : 1
            i += 1
            guard let offsetHours = number(2), expect(":"), let offsetMinutes = number(2), offsetHours <= 23,
                offsetMinutes <= 59
            else { return nil }
            offset = sign * (offsetHours * 3600 + offsetMinutes * 60)
        }
        guard i == b.count, (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year),
            hour <= 23, minute <= 59, second <= 60
        else { return nil }
        // A leap second (:60) is read as the first instant of the next minute, as most systems do.
        let seconds = daysFromEpoch(year: year, month: month, day: day) * 86400 + hour * 3600 + minute * 60 + second
        let instant = Double(seconds - offset) + fraction
        // Only instants that `format` can write back in four digits: an offset, a leap second or a fraction that
        // rounds up can carry 9999-12-31 into year 10000, or 0000-01-01 into year -1 (found by tollgate-fuzz).
        guard instant >= earliest, instant < latest else { return nil }
        return Date(timeIntervalSince1970: instant)
    }

    /// 0000-01-01T00:00:00Z and 10000-01-01T00:00:00Z, in seconds since 1970: the years `format` can write.
    private static let earliest = Double(daysFromEpoch(year: 0, month: 1, day: 1) * 86400)
    private static let latest = Double(daysFromEpoch(year: 10000, month: 1, day: 1) * 86400)

    /// `date` in UTC as `YYYY-MM-DDThh:mm:ssZ`, with the fewest fraction digits (up to 9) that read back exactly.
    public static func format(_ date: Date) -> String {
        let interval = date.timeIntervalSince1970
        let whole = interval.rounded(.down)
        let base = text(seconds: Int(whole))
        if whole == interval { return base + "Z" }
        var best = ""
        for digits in [3, 6, 9] {
            let scale = pow(10, Double(digits))
            var units = Int(((interval - whole) * scale).rounded())
            var wholeSeconds = Int(whole)
            if units >= Int(scale) {
                units -= Int(scale)
                wholeSeconds += 1
            }
            var fraction = String(units)
            fraction = String(repeating: "0", count: digits - fraction.count) + fraction
            while fraction.hasSuffix("0") { fraction.removeLast() }
            best = text(seconds: wholeSeconds) + (fraction.isEmpty ? "" : "." + fraction) + "Z"
            if parse(best) == date { return best }
        }
        return best
    }

    /// `YYYY-MM-DDThh:mm:ss` for whole seconds since 1970 (UTC).
    private static func text(seconds: Int) -> String {
        let days = seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400
        let secondOfDay = seconds - days * 86400
        let (year, month, day) = civil(fromDays: days)
        return pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2) + "T" + pad(secondOfDay / 3600, 2) + ":"
            + pad(secondOfDay / 60 % 60, 2) + ":" + pad(secondOfDay % 60, 2)
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 (Howard Hinnant's `days_from_civil`).
    static func daysFromEpoch(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The civil date of a day number since 1970-01-01 (Howard Hinnant's `civil_from_days`).
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
