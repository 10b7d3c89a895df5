/// Copies an upstream response's header lines for the client byte for byte, leaving out the hop-by-hop and
/// framing fields and any field the response's own `Connection` header names. No header is made into a
/// String: this is the per-response path. The head must have passed `HeadScanner.validateResponse` (CRLF line
/// ends, no obs-fold, a token name directly followed by `:`).
enum ResponseHeaderFilter {
    /// Appends the kept header lines of `head` (status line through the blank line) to `out`.
    static func copy(_ head: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        let n = head.count
        var start = lineEnd(head, from: 0) + 2
        // Fields named by Connection (rare): lower-cased tokens.
        var named: [[UInt8]] = []
        var i = start
        while i < n && head[i] != 13 {
            let colon = nameEnd(head, from: i)
            let end = lineEnd(head, from: colon)
            if colon - i == 10 && equalsLower(head, i, colon, "connection") {
                collectTokens(head, from: colon + 1, to: end, into: &named)
            }
            i = end + 2
        }
        while start < n && head[start] != 13 {
            let colon = nameEnd(head, from: start)
            let end = lineEnd(head, from: colon)
            if !isHopByHop(head, start, colon) && !isNamed(head, start, colon, named) {
                out.append(contentsOf: UnsafeRawBufferPointer(rebasing: head[start..<(end + 2)]))
            }
            start = end + 2
        }
    }

    private static func lineEnd(_ b: UnsafeRawBufferPointer, from: Int) -> Int {
        var i = from
        while i + 1 < b.count && !(b[i] == 13 && b[i + 1] == 10) { i += 1 }
        return i
    }

    private static func nameEnd(_ b: UnsafeRawBufferPointer, from: Int) -> Int {
        var i = from
        while i < b.count && b[i] != 58 && b[i] != 13 { i += 1 }
        return i
    }

    /// Names never copied to the client: hop-by-hop (RFC 9110 §7.6.1) and framing, which tollgate sets itself.
    private static func isHopByHop(_ b: UnsafeRawBufferPointer, _ s: Int, _ e: Int) -> Bool {
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
    private static func collectTokens(_ b: UnsafeRawBufferPointer, from: Int, to: Int, into named: inout [[UInt8]]) {
        var i = from
        while i < to {
            while i < to && (b[i] == 32 || b[i] == 9 || b[i] == 44) { i += 1 }
            let s = i
            while i < to && b[i] != 44 { i += 1 }
            var e = i
            while e > s && (b[e - 1] == 32 || b[e - 1] == 9) { e -= 1 }
            if e > s && !isHopByHop(b, s, e) && !(e - s == 5 && equalsLower(b, s, e, "close")) {
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
