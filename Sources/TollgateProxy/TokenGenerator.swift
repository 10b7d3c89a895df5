import TollgateEventLoop

/// New service-account tokens: `tg_` + 43 base64url characters of 256 bits from OpenSSL's RAND_bytes, so secret
/// scanners can recognise them (SPEC §3).
public enum TokenGenerator {
    /// A fresh token.
    public static func generate() -> String {
        let bytes = SecureRandom.bytes(32)
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
        var out = [UInt8]("tg_".utf8)
        var i = 0
        while i + 3 <= bytes.count {
            let v = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
            for shift in [18, 12, 6, 0] { out.append(alphabet[Int((v >> UInt32(shift)) & 63)]) }
            i += 3
        }
        // 32 bytes = 10 groups of 3 + 2 bytes left: 3 more characters, no padding.
        let v = UInt32(bytes[30]) << 16 | UInt32(bytes[31]) << 8
        for shift in [18, 12, 6] { out.append(alphabet[Int((v >> UInt32(shift)) & 63)]) }
        return String(decoding: out, as: UTF8.self)
    }
}
