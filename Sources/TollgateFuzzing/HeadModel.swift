/// A complete head split into lines by an independent reader (not `HeadScanner`), to check what the scanner
/// accepted against RFC 9112 and SECURITY-LESSONS "Framing and smuggling". For fuzzing; allocates freely.
struct HeadModel {
    /// The request or status line.
    var startLine: [UInt8]
    /// Header fields: the name as sent, the value without surrounding SP/HTAB.
    var fields: [(name: [UInt8], value: [UInt8])]

    /// Splits `head` (request line through the blank line); nil when a line is not `name:value` or the
    /// head has a bare CR, a bare LF, a NUL or no final blank line: things an accepted head never has.
    init(_ head: [UInt8]) throws(PropertyViolation) {
        let label = show(head)
        for (index, byte) in head.enumerated() {
            try require(byte != 0, "accepted \(label) with a NUL at \(index)")
            if byte == 13 {
                try require(index + 1 < head.count && head[index + 1] == 10, "accepted a bare CR: \(label)")
            }
            if byte == 10 { try require(index > 0 && head[index - 1] == 13, "accepted a bare LF: \(label)") }
        }
        try require(head.count >= 4 && Array(head.suffix(4)) == [13, 10, 13, 10], "no blank line at the end: \(label)")
        // Lines without their CRLF; the last two are the last field (or start line) and the empty line.
        var lines: [[UInt8]] = []
        var current: [UInt8] = []
        var index = 0
        while index < head.count {
            if head[index] == 13 {
                lines.append(current)
                current = []
                index += 2
            } else {
                current.append(head[index])
                index += 1
            }
        }
        try require(lines.last == [], "head does not end in an empty line: \(label)")
        lines.removeLast()
        try require(!lines.isEmpty && !lines.dropFirst().contains([]), "an empty line inside the head: \(label)")
        startLine = lines[0]
        fields = []
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else {
                throw PropertyViolation("accepted a field line without a colon \(show(line)): \(label)")
            }
            let name = Array(line[..<colon])
            try require(!name.isEmpty, "accepted an empty header name: \(label)")
            try require(
                name.allSatisfy(Self.isTChar),
                "accepted header name \(show(name)) (obs-fold, space or a "
                    + "non-token byte): \(label)")
            let raw = line[(colon + 1)...]
            try require(
                !raw.contains { ($0 < 0x20 && $0 != 9) || $0 == 0x7f },
                "control byte in the value of "
                    + "\(show(name)): \(label)")
            let value = Array(raw.drop(while: Self.isBlank).reversed().drop(while: Self.isBlank).reversed())
            fields.append((name, value))
        }
    }

    /// The values of the fields named `name` (ASCII case-insensitive).
    func values(_ name: String) -> [[UInt8]] {
        fields.filter { Self.lowercased($0.name) == Array(name.utf8) }.map(\.value)
    }

    /// Whether the connection may stay open after the message (RFC 9112 §9.3), read independently of the
    /// scanner: every `Connection` value split at commas, each element trimmed and lower-cased.
    func keepAlive(versionMinor: Int) -> Bool {
        let tokens = values("connection").flatMap { value in
            value.split(separator: 44).map { Self.lowercased(Array($0.drop(while: Self.isBlank).reversed()
                .drop(while: Self.isBlank).reversed())) }
        }
        return versionMinor == 1 ? !tokens.contains(Array("close".utf8)) : tokens.contains(Array("keep-alive".utf8))
    }

    static func lowercased(_ bytes: [UInt8]) -> [UInt8] {
        bytes.map { $0 >= 65 && $0 <= 90 ? $0 | 0x20 : $0 }
    }

    /// RFC 9110 tchar.
    static func isTChar(_ byte: UInt8) -> Bool {
        let scalar = Unicode.Scalar(byte)
        return ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
            || "!#$%&'*+-.^_`|~".unicodeScalars.contains(scalar)
    }

    static func isBlank(_ byte: UInt8) -> Bool { byte == 32 || byte == 9 }

    /// `uri-host [":" port]` characters: unreserved, sub-delims, `:`, `[`, `]`, `%`.
    static func isHostByte(_ byte: UInt8) -> Bool {
        let scalar = Unicode.Scalar(byte)
        return ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
            || "-._~!$&'()*+,;=:[]%".unicodeScalars.contains(scalar)
    }
}
