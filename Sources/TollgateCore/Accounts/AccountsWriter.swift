/// Renders an `AccountsFile` as canonical YAML that `AccountsLoader.parse` reads back to an equal value (the
/// CLI writes it to a temp file and renames it over the old one). Comments in the old file are not kept.
public enum AccountsWriter {
    /// The file's YAML text, ending in a newline.
    public static func render(_ file: AccountsFile) -> String {
        var out = ""
        if file.groups.isEmpty {
            out += "groups: {}\n"
        } else {
            out += "groups:\n"
            for group in file.groups {
                out += "  \(scalar(group.name)): { roles: \(list(group.roles)) }\n"
            }
        }
        if file.accounts.isEmpty {
            out += "accounts: []\n"
            return out
        }
        out += "accounts:\n"
        for account in file.accounts {
            out += "  - name: \(scalar(account.name))\n"
            if let description = account.description { out += "    description: \(quoted(description))\n" }
            if !account.groups.isEmpty { out += "    groups: \(list(account.groups))\n" }
            if !account.roles.isEmpty { out += "    roles: \(list(account.roles))\n" }
            if account.disabled { out += "    disabled: true\n" }
            if account.tokens.isEmpty { continue }
            out += "    tokens:\n"
            for token in account.tokens {
                out += "      - id: \(scalar(token.id))\n"
                out += "        hash: \(quoted(token.hash.text))\n"
                out += "        intent: \(token.intent.rawValue)\n"
                if let created = token.created { out += "        created: \(RFC3339.format(created))\n" }
                out += "        expires: \(token.expires.map(RFC3339.format) ?? "never")\n"
                if let extend = token.extend { out += "        extend: \(duration(extend))\n" }
            }
        }
        return out
    }

    /// `[a, b]`.
    private static func list(_ names: [String]) -> String {
        "[" + names.map(scalar).joined(separator: ", ") + "]"
    }

    /// A name plain when YAML would read it back as the same string, else double-quoted.
    static func scalar(_ text: String) -> String {
        let bytes = Array(text.utf8)
        let plain =
            !bytes.isEmpty && bytes[0] >= UInt8(ascii: "a") && bytes[0] <= UInt8(ascii: "z")
            && bytes.allSatisfy { byte in
                (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
                    || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "-")
                    || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".")
            }
            && !reservedWords.contains(text)
        return plain ? text : quoted(text)
    }

    /// Plain words that YAML 1.1 resolves to something other than a string.
    private static let reservedWords: Set<String> = ["null", "true", "false", "yes", "no", "on", "off", "y", "n"]

    /// A double-quoted YAML string; anything that is not printable is escaped.
    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            default:
                let value = scalar.value
                if value < 0x20 || (0x7f...0x9f).contains(value) || value == 0x2028 || value == 0x2029
                    || value == 0xfeff
                {
                    let hex = String(value, radix: 16, uppercase: true)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    /// Seconds as the largest whole number of a unit that `DurationParser` reads back to exactly `seconds`:
    /// `30d`, `12h`, `90m`, `45s`, `1500ms`; else the fewest decimals that do (`0.3ms`).
    ///
    /// Checked with the parser itself: `1515ms` reads as 1515 × 0.001 = 1.5150000000000001 s, which times 1000 is
    /// not whole, and was written as `1.5150000000000001s`, which the parser refuses (found by tollgate-fuzz).
    public static func duration(_ seconds: Double) -> String {
        let units: [(name: String, scale: Double)] = [("d", 86400), ("h", 3600), ("m", 60), ("s", 1), ("ms", 0.001)]
        for unit in units {
            let count = (seconds / unit.scale).rounded()
            guard count >= 1, count < 1e15 else { continue }
            let text = "\(Int(count))\(unit.name)"
            if DurationParser.parse(text) == seconds { return text }
        }
        for digits in 1...13 {
            for unit in units.reversed() {
                guard let number = decimal(seconds / unit.scale, digits: digits) else { continue }
                let text = number + unit.name
                if DurationParser.parse(text) == seconds { return text }
            }
        }
        return "\(seconds)s"
    }

    /// `value` rounded to `digits` decimals, as plain digits (`0.300`), or nil when that is too long to parse.
    private static func decimal(_ value: Double, digits: Int) -> String? {
        var factor = 1
        for _ in 0..<digits { factor *= 10 }
        let scaled = (value * Double(factor)).rounded()
        guard scaled >= 0, scaled < 1e14 else { return nil }
        let units = Int(scaled)
        let fraction = String(units % factor)
        return "\(units / factor)." + String(repeating: "0", count: digits - fraction.count) + fraction
    }
}
