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

    /// Seconds as the largest unit that divides them exactly: `30d`, `12h`, `90m`, `45s`, `1500ms`.
    public static func duration(_ seconds: Double) -> String {
        for (unit, scale) in [("d", 86400.0), ("h", 3600), ("m", 60), ("s", 1)] {
            let count = seconds / scale
            if count >= 1, count == count.rounded(), count < 1e15 { return "\(Int(count))\(unit)" }
        }
        let milliseconds = seconds * 1000
        if milliseconds == milliseconds.rounded(), milliseconds < 1e15 { return "\(Int(milliseconds))ms" }
        return "\(seconds)s"
    }
}
