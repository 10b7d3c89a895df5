import Yams

/// The tag of a plain, untagged scalar, exactly as Yams' `Resolver.default` resolves it (its rules, in its order:
/// bool, int, float, merge, null, timestamp, value), but matched byte by byte instead of by seven
/// `NSRegularExpression`s per scalar, which were half of the time it took to load a large accounts file.
enum YAMLTagResolver {
    /// `str` unless `text` is a YAML 1.1 bool, int, float, merge key, null, timestamp or value key.
    static func resolve(_ text: String) -> Tag.Name {
        var text = text
        return text.withUTF8 { resolve(bytes: $0) }
    }

    static func resolve(bytes b: UnsafeBufferPointer<UInt8>) -> Tag.Name {
        // Most scalars of a config start with a letter that no rule but bool and null can match.
        if let first = b.first, isLetter(first) {
            switch first {
            case UInt8(ascii: "y"), UInt8(ascii: "Y"), UInt8(ascii: "n"), UInt8(ascii: "N"), UInt8(ascii: "t"),
                UInt8(ascii: "T"), UInt8(ascii: "f"), UInt8(ascii: "F"), UInt8(ascii: "o"), UInt8(ascii: "O"):
                break
            default: return .str
            }
        }
        if isBool(b) { return .bool }
        if isInt(b) { return .int }
        if isFloat(b) { return .float }
        if equals(b, "<<") { return .merge }
        if b.isEmpty || equals(b, "~") || equals(b, "null") || equals(b, "Null") || equals(b, "NULL") { return .null }
        if isTimestamp(b) { return .timestamp }
        if equals(b, "=") { return .value }
        return .str
    }

    private static let bools: [String] = [
        "yes", "Yes", "YES", "no", "No", "NO", "true", "True", "TRUE", "false", "False", "FALSE", "on", "On", "ON",
        "off", "Off", "OFF",
    ]

    private static func isBool(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        b.count <= 5 && bools.contains { equals(b, $0) }
    }

    /// `[-+]?0b[0-1_]+ | [-+]?0o?[0-7_]+ | [-+]?(0|[1-9][0-9_]*) | [-+]?0x[0-9a-fA-F_]+ | [-+]?[1-9][0-9_]*(:[0-5]?[0-9])+`
    private static func isInt(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        var i = sign(b)
        guard i < b.count else { return false }
        if b[i] == UInt8(ascii: "0") {
            let rest = i + 1
            if rest == b.count { return true }
            switch b[rest] {
            case UInt8(ascii: "b"): return all(b, from: rest + 1, nonEmpty: true) { $0 == 0x30 || $0 == 0x31 || $0 == 0x5F }
            case UInt8(ascii: "x"): return all(b, from: rest + 1, nonEmpty: true) { isHex($0) || $0 == 0x5F }
            case UInt8(ascii: "o"): return all(b, from: rest + 1, nonEmpty: true) { isOctal($0) }
            default: return all(b, from: rest, nonEmpty: true) { isOctal($0) }
            }
        }
        guard isDigit(b[i]), b[i] != UInt8(ascii: "0") else { return false }
        i += 1
        while i < b.count, isDigit(b[i]) || b[i] == 0x5F { i += 1 }
        if i == b.count { return true }
        return sexagesimal(b, from: i) == b.count
    }

    /// `(:[0-5]?[0-9])+` from `i`: the index after the last group, or nil when there is none.
    private static func sexagesimal(_ b: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        var i = start
        var groups = 0
        while i < b.count, b[i] == UInt8(ascii: ":") {
            if i + 2 < b.count, b[i + 1] >= 0x30, b[i + 1] <= 0x35, isDigit(b[i + 2]) {
                i += 3
            } else if i + 1 < b.count, isDigit(b[i + 1]) {
                i += 2
            } else {
                break
            }
            groups += 1
        }
        return groups > 0 ? i : nil
    }

    /// `[-+]?[0-9][0-9_]*(\.[0-9_]*)?([eE][-+]?[0-9]+)? | \.[0-9_]+([eE][-+][0-9]+)?
    /// | [-+]?[0-9][0-9_]*(:[0-5]?[0-9])+\.[0-9_]* | [-+]?\.(inf|Inf|INF) | \.(nan|NaN|NAN)`
    private static func isFloat(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        let start = sign(b)
        guard start < b.count else { return false }
        if b[start] == UInt8(ascii: ".") {
            let rest = UnsafeBufferPointer(rebasing: b[(start + 1)...])
            if equals(rest, "inf") || equals(rest, "Inf") || equals(rest, "INF") { return true }
            if start == 0, equals(rest, "nan") || equals(rest, "NaN") || equals(rest, "NAN") { return true }
            // `\.[0-9_]+([eE][-+][0-9]+)?`: no sign before the dot, and a signed exponent.
            guard start == 0 else { return false }
            var i = start + 1
            let digits = i
            while i < b.count, isDigit(b[i]) || b[i] == 0x5F { i += 1 }
            guard i > digits else { return false }
            return i == b.count || exponent(b, from: i, signRequired: true)
        }
        guard isDigit(b[start]) else { return false }
        var i = start + 1
        while i < b.count, isDigit(b[i]) || b[i] == 0x5F { i += 1 }
        if i == b.count { return true }
        if b[i] == UInt8(ascii: ":") {
            // Sexagesimal: at least one `:[0-5]?[0-9]` group, then a dot is required. The regex may backtrack
            // into a shorter run of groups, but a group always ends before a `:` or `.`, so the greedy match is it.
            guard let end = sexagesimal(b, from: i), end < b.count, b[end] == UInt8(ascii: ".") else { return false }
            return all(b, from: end + 1, nonEmpty: false) { isDigit($0) || $0 == 0x5F }
        }
        if b[i] == UInt8(ascii: ".") {
            i += 1
            while i < b.count, isDigit(b[i]) || b[i] == 0x5F { i += 1 }
            if i == b.count { return true }
        }
        return exponent(b, from: i, signRequired: false)
    }

    /// `[eE][-+]?[0-9]+` (sign required when asked) up to the end of `b`.
    private static func exponent(_ b: UnsafeBufferPointer<UInt8>, from start: Int, signRequired: Bool) -> Bool {
        guard start < b.count, b[start] == UInt8(ascii: "e") || b[start] == UInt8(ascii: "E") else { return false }
        var i = start + 1
        if i < b.count, b[i] == UInt8(ascii: "-") || b[i] == UInt8(ascii: "+") {
            i += 1
        } else if signRequired {
            return false
        }
        return all(b, from: i, nonEmpty: true, isDigit)
    }

    /// `YYYY-MM-DD`, or `YYYY-M-D` + (`T`|`t`|blanks) + `h:mm:ss(.f*)?` + optional (blanks) `Z` or `±h(:mm)?`.
    private static func isTimestamp(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        var i = 0
        func digits(_ minimum: Int, _ maximum: Int) -> Bool {
            let start = i
            while i < b.count, i - start < maximum, isDigit(b[i]) { i += 1 }
            return i - start >= minimum
        }
        func byte(_ value: UInt8) -> Bool {
            guard i < b.count, b[i] == value else { return false }
            i += 1
            return true
        }
        func blanks() -> Int {
            let start = i
            while i < b.count, b[i] == 0x20 || b[i] == 0x09 { i += 1 }
            return i - start
        }
        guard digits(4, 4), byte(0x2D), digits(1, 2) else { return false }
        let monthDigits = i - 5
        guard byte(0x2D) else { return false }
        let dayStart = i
        guard digits(1, 2) else { return false }
        if i == b.count { return monthDigits == 2 && i - dayStart == 2 }
        if !byte(UInt8(ascii: "T")) && !byte(UInt8(ascii: "t")) && blanks() == 0 { return false }
        guard digits(1, 2), byte(0x3A), digits(2, 2), byte(0x3A), digits(2, 2) else { return false }
        if byte(UInt8(ascii: ".")) { _ = digits(0, Int.max) }
        if i == b.count { return true }
        _ = blanks()
        if byte(UInt8(ascii: "Z")) { return i == b.count }
        guard byte(UInt8(ascii: "-")) || byte(UInt8(ascii: "+")), digits(1, 2) else { return false }
        if i == b.count { return true }
        return byte(0x3A) && digits(2, 2) && i == b.count
    }

    private static func sign(_ b: UnsafeBufferPointer<UInt8>) -> Int {
        guard let first = b.first, first == UInt8(ascii: "-") || first == UInt8(ascii: "+") else { return 0 }
        return 1
    }

    private static func all(
        _ b: UnsafeBufferPointer<UInt8>, from start: Int, nonEmpty: Bool, _ test: (UInt8) -> Bool
    ) -> Bool {
        guard start <= b.count, !nonEmpty || start < b.count else { return false }
        for index in start..<b.count where !test(b[index]) { return false }
        return true
    }

    private static func equals(_ b: UnsafeBufferPointer<UInt8>, _ text: String) -> Bool {
        b.count == text.utf8.count && b.elementsEqual(text.utf8)
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }
    private static func isOctal(_ byte: UInt8) -> Bool { (byte >= 0x30 && byte <= 0x37) || byte == 0x5F }
    private static func isLetter(_ byte: UInt8) -> Bool { (byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x7A }
    private static func isHex(_ byte: UInt8) -> Bool {
        isDigit(byte) || ((byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x66)
    }
}
