/// Parses the config file's durations: `500ms`, `10s`, `5m`, `2h`, `30d`.
public enum DurationParser {
    /// Seconds for `text`, or nil when it is not a number (digits, optionally `.digits`) followed by one unit.
    ///
    /// A bare number is rejected, even `0`: a unit is what tells `10` seconds from `10` minutes.
    /// Negative values, signs, spaces and compound forms (`1h30m`) are rejected too.
    public static func parse(_ text: String) -> Double? {
        let bytes = Array(text.utf8)
        var index = 0
        var integerDigits = 0
        while index < bytes.count, isDigit(bytes[index]) {
            index += 1
            integerDigits += 1
        }
        guard integerDigits > 0 else { return nil }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            var fractionDigits = 0
            while index < bytes.count, isDigit(bytes[index]) {
                index += 1
                fractionDigits += 1
            }
            guard fractionDigits > 0 else { return nil }
        }
        // 15 significant characters keep the value exact in a Double and far from overflow.
        guard index <= 15 else { return nil }
        let number = String(decoding: bytes[0..<index], as: UTF8.self)
        let unit = String(decoding: bytes[index...], as: UTF8.self)
        guard let value = Double(number), let scale = unitSeconds(unit) else { return nil }
        return value * scale
    }

    /// Seconds in one `unit`, nil for an unknown unit.
    static func unitSeconds(_ unit: String) -> Double? {
        switch unit {
        case "ms": return 0.001
        case "s": return 1
        case "m": return 60
        case "h": return 3600
        case "d": return 86400
        default: return nil
        }
    }

    private static func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }
}
