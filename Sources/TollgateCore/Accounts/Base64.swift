/// Strict RFC 4648 section 4 base64 decoding for `Authorization: Basic`.
package enum Base64 {
    /// The bytes `text` encodes, or nil unless it is canonical base64: the standard alphabet, padded to a
    /// multiple of 4 with at most two `=`, and zero unused bits (so every credential has exactly one spelling).
    package static func decodeStrict<C: Collection>(_ text: C) -> [UInt8]? where C.Element == UInt8 {
        let input = Array(text)
        guard !input.isEmpty, input.count % 4 == 0 else { return nil }
        var padding = 0
        if input[input.count - 1] == UInt8(ascii: "=") { padding += 1 }
        if input[input.count - 2] == UInt8(ascii: "=") { padding += 1 }
        var out: [UInt8] = []
        out.reserveCapacity(input.count / 4 * 3)
        var accumulator: UInt32 = 0
        for index in 0..<(input.count - padding) {
            guard let value = sextet(input[index]) else { return nil }
            accumulator = accumulator << 6 | UInt32(value)
            if index % 4 == 3 {
                out.append(UInt8(truncatingIfNeeded: accumulator >> 16))
                out.append(UInt8(truncatingIfNeeded: accumulator >> 8))
                out.append(UInt8(truncatingIfNeeded: accumulator))
                accumulator = 0
            }
        }
        switch padding {
        case 1:  // 3 sextets = 18 bits: 2 bytes and 2 unused bits
            guard accumulator & 0x3 == 0 else { return nil }
            out.append(UInt8(truncatingIfNeeded: accumulator >> 10))
            out.append(UInt8(truncatingIfNeeded: accumulator >> 2))
        case 2:  // 2 sextets = 12 bits: 1 byte and 4 unused bits
            guard accumulator & 0xf == 0 else { return nil }
            out.append(UInt8(truncatingIfNeeded: accumulator >> 4))
        default: break
        }
        return out
    }

    private static func sextet(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): return byte - UInt8(ascii: "A")
        case UInt8(ascii: "a")...UInt8(ascii: "z"): return byte - UInt8(ascii: "a") + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0") + 52
        case UInt8(ascii: "+"): return 62
        case UInt8(ascii: "/"): return 63
        default: return nil
        }
    }
}
