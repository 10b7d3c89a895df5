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

    /// True when `a` and `b` are equal ignoring ASCII case only (`_` and `-` stay distinct), without allocating.
    static func equalsIgnoringCase(_ a: String, _ b: String) -> Bool {
        compare(a, b, fold: lower)
    }

    @inline(__always)
    private static func compare(_ a: String, _ b: String, fold: (UInt8) -> UInt8) -> Bool {
        guard a.utf8.count == b.utf8.count else { return false }
        // Read in place (native and small strings always are); copying into a `var` for `withUTF8` retained both.
        if let result = a.utf8.withContiguousStorageIfAvailable({ xs in
            b.utf8.withContiguousStorageIfAvailable { ys in
                for i in 0..<xs.count where xs[i] != ys[i] && fold(xs[i]) != fold(ys[i]) { return false }
                return true
            }
        }), let equal = result {
            return equal
        }
        return zip(a.utf8, b.utf8).allSatisfy { x, y in x == y || fold(x) == fold(y) }
    }

    @inline(__always)
    private static func lower(_ byte: UInt8) -> UInt8 {
        byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
    }

    /// A name byte as backends read it: ASCII lower case, `_` as `-`.
    @inline(__always)
    static func fold(_ byte: UInt8) -> UInt8 { byte == UInt8(ascii: "_") ? UInt8(ascii: "-") : lower(byte) }

    /// True when `name` folds to `key` (a lower-case, hyphenated literal).
    @inline(__always)
    static func equalsFolded(_ name: UnsafeBufferPointer<UInt8>, _ key: StaticString) -> Bool {
        guard name.count == key.utf8CodeUnitCount else { return false }
        let k = key.utf8Start
        for i in 0..<name.count where fold(name[i]) != k[i] { return false }
        return true
    }

    /// Calls `body` with a String's UTF-8 read in place (a copy only for a bridged, non-contiguous String).
    @inline(__always)
    static func withBytes<T>(_ s: String, _ body: (UnsafeBufferPointer<UInt8>) -> T) -> T {
        if let result = s.utf8.withContiguousStorageIfAvailable(body) { return result }
        return Array(s.utf8).withUnsafeBufferPointer(body)
    }

    /// Headers tollgate itself manages; none may be configured as an identity or api-key header.
    static let managed: Set<String> = [
        "authorization", "host", "content-length", "transfer-encoding", "expect", "connection", "keep-alive",
        "proxy-connection", "te", "trailer", "upgrade", "x-forwarded-for", "x-forwarded-proto",
        "x-forwarded-host", "x-request-id", "cookie", "content-type",
    ]
}
