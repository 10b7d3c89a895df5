import Glibc

/// Copies an upstream response's header lines for the client byte for byte, leaving out the hop-by-hop and
/// framing fields and any field the response's own `Connection` header names. No header is made into a
/// String: this is the per-response path. The head must have passed `HeadScanner.validateResponse` (CRLF line
/// ends, no obs-fold, a token name directly followed by `:`).
package enum ResponseHeaderFilter {
    /// Appends the kept header lines of `head` (status line through the blank line) to `out`.
    package static func copy(_ head: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        let kept = ByteSink.make(capacity: head.count) { sink in copy(head, to: &sink) }
        out.append(contentsOf: kept)
    }

    /// The same, into a head being written (at most `head.count` bytes are added).
    static func copy(_ head: UnsafeRawBufferPointer, to out: inout ByteSink) {
        guard let base = head.baseAddress, head.count >= 2 else { return }
        let n = head.count
        // Lines stay as (start, colon, end) so that a Connection header seen late can still remove earlier
        // fields. They are counted first (memchr for LF: each is preceded by CR once validated; validateResponse
        // allows at most 256 header lines) so that the usual few fit on the stack.
        var lineCount = 0
        var at = 0
        while at < n {
            at = nextLine(base, n, from: at)
            lineCount += 1
        }
        withUnsafeTemporaryAllocation(of: (Int, Int, Int).self, capacity: min(lineCount, 257)) { lines in
            var count = 0
            var named: [[UInt8]] = []
            var start = nextLine(base, n, from: 0)
            while start < n && head[start] != 13 && count < lines.count {
                let end = nextLine(base, n, from: start) - 2
                var colon = start
                while colon < end && head[colon] != 58 { colon += 1 }
                if colon - start == 10 && equalsLower(head, start, colon, "connection") {
                    collectTokens(head, from: colon + 1, to: end, into: &named)
                }
                lines[count] = (start, colon, end)
                count += 1
                start = end + 2
            }
            for k in 0..<count {
                let (s, colon, e) = lines[k]
                if !isHopByHop(head, s, colon) && !isNamed(head, s, colon, named) {
                    out.bytes(base + s, e + 2 - s)
                }
            }
        }
    }

    /// The same from the lines `validateResponse(_:lines:)` noted, when they say what to copy (`lines.usable`);
    /// otherwise by reading the head again (`copy(_:to:)`).
    static func copy(_ head: UnsafeRawBufferPointer, lines: ResponseLines, to out: inout ByteSink) {
        guard lines.usable, let base = head.baseAddress, base == lines.head else { return copy(head, to: &out) }
        for k in 0..<lines.count {
            let (s, e) = lines.spans[k]
            out.bytes(base + Int(s), Int(e - s))
        }
    }

    /// The kept header lines of `head` (status line through the blank line) by the one-pass route
    /// (`validateResponse(_:lines:)` with room for `capacity` lines), or nil when that route falls back to
    /// `copy(_:to:)` (too many lines, a `Connection` header naming fields, or a head that does not validate).
    /// For tests and the fuzz harness, which hold the two routes to the same output.
    package static func copyFromValidation(_ head: UnsafeRawBufferPointer, capacity: Int = ResponseLines.capacity)
        -> [UInt8]?
    {
        withUnsafeTemporaryAllocation(of: (Int32, Int32).self, capacity: capacity) { spans in
            var lines = ResponseLines(head: head.baseAddress, spans: spans)
            guard case .success = HeadScanner.validateResponse(head, lines: &lines), lines.usable else { return nil }
            return ByteSink.make(capacity: head.count) { sink in copy(head, lines: lines, to: &sink) }
        }
    }

    /// The index just after the next LF at or after `from` (or `n`).
    @inline(__always)
    private static func nextLine(_ base: UnsafeRawPointer, _ n: Int, from: Int) -> Int {
        guard from < n, let lf = memchr(base + from, 10, n - from) else { return n }
        return base.distance(to: UnsafeRawPointer(lf)) + 1
    }

    /// Names never copied to the client: hop-by-hop (RFC 9110 §7.6.1) and framing, which tollgate sets itself.
    static func isHopByHop(_ b: UnsafeRawBufferPointer, _ s: Int, _ e: Int) -> Bool {
        switch e - s {
        case 2: return equalsLower(b, s, e, "te")
        case 7: return equalsLower(b, s, e, "trailer") || equalsLower(b, s, e, "upgrade")
        case 10: return equalsLower(b, s, e, "connection") || equalsLower(b, s, e, "keep-alive")
        case 14: return equalsLower(b, s, e, "content-length")
        case 16: return equalsLower(b, s, e, "proxy-connection")
        case 17: return equalsLower(b, s, e, "transfer-encoding")
        default: return false
        }
    }

    private static func isNamed(_ b: UnsafeRawBufferPointer, _ s: Int, _ e: Int, _ named: [[UInt8]]) -> Bool {
        if named.isEmpty { return false }
        outer: for token in named where token.count == e - s {
            for k in 0..<token.count where lower(b[s + k]) != token[k] { continue outer }
            return true
        }
        return false
    }

    /// The comma-separated tokens of a Connection value, lower-cased; `close` and hop-by-hop names (dropped
    /// anyway) are skipped, so the usual `Connection: keep-alive` allocates nothing.
    static func collectTokens(_ b: UnsafeRawBufferPointer, from: Int, to: Int, into named: inout [[UInt8]]) {
        HeadScanner.forEachListElement(b, from: from, to: to) { s, e in
            if !isHopByHop(b, s, e) && !(e - s == 5 && equalsLower(b, s, e, "close")) {
                named.append((s..<e).map { lower(b[$0]) })
            }
        }
    }

    @inline(__always)
    private static func lower(_ c: UInt8) -> UInt8 { c >= 65 && c <= 90 ? c | 0x20 : c }

    private static func equalsLower(_ b: UnsafeRawBufferPointer, _ s: Int, _ e: Int, _ lowered: StaticString) -> Bool {
        guard lowered.utf8CodeUnitCount == e - s else { return false }
        let p = lowered.utf8Start
        for k in 0..<(e - s) where lower(b[s + k]) != p[k] { return false }
        return true
    }
}

/// The header lines of an upstream response head that the client gets, noted while `HeadScanner` validates the
/// head (a `FieldVisitor`): each line's start and end (after its CRLF) relative to the head's first byte, in
/// order, leaving out hop-by-hop and framing fields as `ResponseHeaderFilter.isHopByHop` decides. It says it is
/// not `usable` (the filter then reads the head itself) when a line did not fit in `spans` or a `Connection`
/// header names other fields, which may come before it: the usual response takes the one-pass route.
package struct ResponseLines: FieldVisitor {
    /// Lines noted on the stack for one response (nginx sends 5 to 8).
    package static let capacity = 32
    /// The head's first byte, to which the spans are relative.
    let head: UnsafeRawPointer?
    let spans: UnsafeMutableBufferPointer<(Int32, Int32)>
    private(set) var count = 0
    private(set) var usable = true

    init(head: UnsafeRawPointer?, spans: UnsafeMutableBufferPointer<(Int32, Int32)>) {
        self.head = head
        self.spans = spans
    }

    mutating func field(name: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer, known: KnownField)
        -> HeadError?
    {
        guard usable, let head, let nameStart = name.baseAddress, let valueStart = value.baseAddress else {
            usable = false
            return nil
        }
        switch known {
        case .contentLength, .transferEncoding:
            return nil
        case .connection:
            // Read as the filter reads it (`close` and hop-by-hop tokens name nothing and allocate nothing).
            var named: [[UInt8]] = []
            ResponseHeaderFilter.collectTokens(value, from: 0, to: value.count, into: &named)
            if !named.isEmpty { usable = false }
            return nil
        case .host, .expect:
            break
        case .other:
            if ResponseHeaderFilter.isHopByHop(name, 0, name.count) { return nil }
        }
        let start = head.distance(to: nameStart)
        guard count < spans.count else {
            usable = false
            return nil
        }
        // The value was trimmed of trailing blanks: the line ends after the CRLF that follows them.
        var end = head.distance(to: valueStart) + value.count
        while head.load(fromByteOffset: end, as: UInt8.self) != 13 { end += 1 }
        spans[count] = (Int32(start), Int32(end + 2))
        count += 1
        return nil
    }
}
