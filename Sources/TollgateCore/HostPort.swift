/// Splits and checks `host:port` and `[v6]:port` text shared by listen addresses and upstream URLs.
enum HostPort {
    /// The host (brackets removed), the port text (nil when absent) and whether the host was bracketed.
    static func split(_ text: Substring) -> Result<(host: String, port: Substring?), InvalidValue> {
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else {
                return .failure(InvalidValue("missing ']' after an IPv6 address"))
            }
            let host = String(text[text.index(after: text.startIndex)..<close])
            guard host.contains(":"), IPAddress(host) != nil else {
                return .failure(InvalidValue("'\(host)' in brackets is not an IPv6 address"))
            }
            let rest = text[text.index(after: close)...]
            if rest.isEmpty { return .success((host, nil)) }
            guard rest.hasPrefix(":") else { return .failure(InvalidValue("expected ':port' after ']'")) }
            return .success((host, rest.dropFirst()))
        }
        let colons = text.filter { $0 == ":" }.count
        if colons > 1 {
            return .failure(InvalidValue("an IPv6 address needs brackets, e.g. [::1]:8080"))
        }
        guard let colon = text.firstIndex(of: ":") else { return .success((String(text), nil)) }
        return .success((String(text[..<colon]), text[text.index(after: colon)...]))
    }

    /// A port number 0...65535 written as 1-5 decimal digits.
    static func port(_ text: Substring) -> UInt16? {
        guard !text.isEmpty, text.count <= 5, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return UInt16(text)
    }

    /// True for an IP literal or a DNS name of letters, digits, `-` and `.` (labels 1-63 characters).
    static func isValidHost(_ host: String) -> Bool {
        if IPAddress(host) != nil { return true }
        guard !host.isEmpty, host.utf8.count <= 253 else { return false }
        let labels = host.split(separator: ".", omittingEmptySubsequences: false)
        // `999.1.1.1` is a mistyped IPv4 address, not a name: no top-level domain is all digits.
        if let last = labels.last(where: { !$0.isEmpty }), last.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
            return false
        }
        for (index, label) in labels.enumerated() {
            // A single trailing dot (fully qualified name) is allowed.
            if label.isEmpty && index == labels.count - 1 && index > 0 { continue }
            guard !label.isEmpty, label.utf8.count <= 63, !label.hasPrefix("-"), !label.hasSuffix("-"),
                label.utf8.allSatisfy({ isAlphanumeric($0) || $0 == UInt8(ascii: "-") })
            else { return false }
        }
        return true
    }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a)
    }
}
