/// Header-name comparison the way backends read names.
enum HeaderName {
    /// Lower-cased with `_` read as `-`: many backends (CGI, WSGI, PHP) cannot tell `X_User` from `X-User`.
    static func key(_ name: String) -> String {
        let utf8 = name.utf8
        if !utf8.contains(where: { ($0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z")) || $0 == UInt8(ascii: "_") }) {
            return name
        }
        return String(unsafeUninitializedCapacity: utf8.count) { buffer in
            var index = 0
            for byte in utf8 {
                if byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") {
                    buffer[index] = byte + 32
                } else if byte == UInt8(ascii: "_") {
                    buffer[index] = UInt8(ascii: "-")
                } else {
                    buffer[index] = byte
                }
                index += 1
            }
            return index
        }
    }

    /// True when `a` and `b` name the same header as backends read names (ASCII case-insensitive, `_` read as
    /// `-`), without allocating: lengths first, then bytes.
    static func matches(_ a: String, _ b: String) -> Bool {
        compare(a, b) { byte in byte == UInt8(ascii: "_") ? UInt8(ascii: "-") : lower(byte) }
    }

    /// True when `a` and `b` are equal ignoring ASCII case only (`_` and `-` stay distinct), without allocating.
    static func equalsIgnoringCase(_ a: String, _ b: String) -> Bool {
        compare(a, b, fold: lower)
    }

    @inline(__always)
    private static func compare(_ a: String, _ b: String, fold: (UInt8) -> UInt8) -> Bool {
        guard a.utf8.count == b.utf8.count else { return false }
        var x = a
        var y = b
        return x.withUTF8 { xs in
            y.withUTF8 { ys in
                for i in 0..<xs.count where xs[i] != ys[i] && fold(xs[i]) != fold(ys[i]) { return false }
                return true
            }
        }
    }

    @inline(__always)
    private static func lower(_ byte: UInt8) -> UInt8 {
        byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
    }

    /// Headers tollgate itself manages; none may be configured as an identity or api-key header.
    static let managed: Set<String> = [
        "authorization", "host", "content-length", "transfer-encoding", "expect", "connection", "keep-alive",
        "proxy-connection", "te", "trailer", "upgrade", "x-forwarded-for", "x-forwarded-proto",
        "x-forwarded-host", "x-request-id", "cookie", "content-type",
    ]
}
