#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// An IPv4 or IPv6 address as 128 bits; IPv4 (and IPv4-mapped IPv6) keeps `isV4` and uses the low 32 bits.
struct IPAddress: Sendable, Equatable {
    /// High 64 bits of an IPv6 address; 0 for IPv4.
    var high: UInt64
    /// Low 64 bits of an IPv6 address, or the IPv4 address in the low 32 bits.
    var low: UInt64
    /// True for IPv4, including IPv6 written as `::ffff:a.b.c.d`.
    var isV4: Bool

    /// Parses a plain address (no brackets, port or zone) with `inet_pton`; `::ffff:a.b.c.d` becomes IPv4.
    init?(_ text: String) {
        guard !text.isEmpty, text.utf8.count <= 45 else { return nil }
        if !text.utf8.contains(UInt8(ascii: ":")) {
            var v4 = in_addr()
            guard inet_pton(AF_INET, text, &v4) == 1 else { return nil }
            let bytes = withUnsafeBytes(of: &v4) { Array($0) }
            self.init(v4Bytes: bytes)
            return
        }
        var v6 = in6_addr()
        guard inet_pton(AF_INET6, text, &v6) == 1 else { return nil }
        let bytes = withUnsafeBytes(of: &v6) { Array($0) }
        var high: UInt64 = 0
        var low: UInt64 = 0
        for index in 0..<8 { high = high << 8 | UInt64(bytes[index]) }
        for index in 8..<16 { low = low << 8 | UInt64(bytes[index]) }
        if high == 0, low >> 32 == 0xffff {
            self.init(high: 0, low: low & 0xffff_ffff, isV4: true)
        } else {
            self.init(high: high, low: low, isV4: false)
        }
    }

    /// Builds an address from its parts.
    init(high: UInt64, low: UInt64, isV4: Bool) {
        self.high = high
        self.low = low
        self.isV4 = isV4
    }

    private init(v4Bytes bytes: [UInt8]) {
        var value: UInt64 = 0
        for byte in bytes { value = value << 8 | UInt64(byte) }
        self.init(high: 0, low: value, isV4: true)
    }

    /// Canonical text: dotted quad for IPv4, RFC 5952 form (from `inet_ntop`) for IPv6.
    var text: String {
        if isV4 {
            return "\(low >> 24 & 0xff).\(low >> 16 & 0xff).\(low >> 8 & 0xff).\(low & 0xff)"
        }
        var v6 = in6_addr()
        withUnsafeMutableBytes(of: &v6) { raw in
            for index in 0..<8 { raw[index] = UInt8(truncatingIfNeeded: high >> UInt64(56 - 8 * index)) }
            for index in 0..<8 { raw[8 + index] = UInt8(truncatingIfNeeded: low >> UInt64(56 - 8 * index)) }
        }
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        guard inet_ntop(AF_INET6, &v6, &buffer, socklen_t(buffer.count)) != nil else { return "::" }
        let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return String(decoding: bytes, as: UTF8.self)
    }
}
