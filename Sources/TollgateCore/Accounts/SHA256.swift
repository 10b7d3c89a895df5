/// SHA-256 (FIPS 180-4) in pure Swift: Core imports no C. Used for token hashes and table lookups.
public enum SHA256 {
    /// The 32-byte digest of `bytes`.
    public static func hash<C: Collection>(_ bytes: C) -> [UInt8] where C.Element == UInt8 {
        digest(bytes).bytes
    }

    /// Lowercase hexadecimal text of `bytes`.
    public static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// A faster implementation the process may install at start-up, before any other thread runs (tollgate
    /// installs OpenSSL's, which uses the CPU's SHA instructions): it writes the 32-byte digest of its input to
    /// the pointer. This file's code stays the reference that tests compare it with, and the fallback.
    nonisolated(unsafe) public static var accelerated: ((UnsafeRawBufferPointer, UnsafeMutableRawPointer) -> Void)?

    /// The digest as four words: the table's key, compared without allocating.
    static func digest<C: Collection>(_ bytes: C) -> SHA256Digest where C.Element == UInt8 {
        if let result = bytes.withContiguousStorageIfAvailable({ digest(buffer: UnsafeRawBufferPointer($0)) }) {
            return result
        }
        return Array(bytes).withUnsafeBytes { digest(buffer: $0) }
    }

    private static func digest(buffer: UnsafeRawBufferPointer) -> SHA256Digest {
        if let accelerated {
            var words = (UInt64(0), UInt64(0), UInt64(0), UInt64(0))
            withUnsafeMutableBytes(of: &words) { accelerated(buffer, $0.baseAddress!) }
            return SHA256Digest(w0: UInt64(bigEndian: words.0), w1: UInt64(bigEndian: words.1),
                                w2: UInt64(bigEndian: words.2), w3: UInt64(bigEndian: words.3))
        }
        return reference(buffer: buffer)
    }

    /// The pure-Swift digest (FIPS 180-4), whatever is installed.
    public static func referenceHash(_ bytes: [UInt8]) -> [UInt8] {
        bytes.withUnsafeBytes { reference(buffer: $0) }.bytes
    }

    private static func reference(buffer: UnsafeRawBufferPointer) -> SHA256Digest {
        var state = initialState
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 64) { schedule in
            let schedule = schedule.baseAddress!
            let fullBlocks = buffer.count / 64
            for block in 0..<fullBlocks {
                compress(&state, UnsafeRawBufferPointer(rebasing: buffer[(block * 64)..<(block * 64 + 64)]), schedule)
            }
            // The tail: the last partial block, 0x80, zeros, and the bit length (one or two blocks).
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 128) { tail in
                tail.initialize(repeating: 0)
                let rest = buffer.count - fullBlocks * 64
                for index in 0..<rest { tail[index] = buffer[fullBlocks * 64 + index] }
                tail[rest] = 0x80
                let tailLength = rest < 56 ? 64 : 128
                let bitLength = UInt64(buffer.count) &* 8
                for index in 0..<8 {
                    tail[tailLength - 1 - index] = UInt8(truncatingIfNeeded: bitLength >> (8 * index))
                }
                let tailBytes = UnsafeRawBufferPointer(tail)
                for offset in stride(from: 0, to: tailLength, by: 64) {
                    compress(&state, UnsafeRawBufferPointer(rebasing: tailBytes[offset..<(offset + 64)]), schedule)
                }
            }
        }
        return SHA256Digest(
            w0: UInt64(state.0) << 32 | UInt64(state.1), w1: UInt64(state.2) << 32 | UInt64(state.3),
            w2: UInt64(state.4) << 32 | UInt64(state.5), w3: UInt64(state.6) << 32 | UInt64(state.7))
    }

    private typealias State = (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32)

    private static let initialState: State = (
        0x6a09_e667, 0xbb67_ae85, 0x3c6e_f372, 0xa54f_f53a, 0x510e_527f, 0x9b05_688c, 0x1f83_d9ab, 0x5be0_cd19
    )

    private static let roundConstants: [UInt32] = [
        0x428a_2f98, 0x7137_4491, 0xb5c0_fbcf, 0xe9b5_dba5, 0x3956_c25b, 0x59f1_11f1, 0x923f_82a4, 0xab1c_5ed5,
        0xd807_aa98, 0x1283_5b01, 0x2431_85be, 0x550c_7dc3, 0x72be_5d74, 0x80de_b1fe, 0x9bdc_06a7, 0xc19b_f174,
        0xe49b_69c1, 0xefbe_4786, 0x0fc1_9dc6, 0x240c_a1cc, 0x2de9_2c6f, 0x4a74_84aa, 0x5cb0_a9dc, 0x76f9_88da,
        0x983e_5152, 0xa831_c66d, 0xb003_27c8, 0xbf59_7fc7, 0xc6e0_0bf3, 0xd5a7_9147, 0x06ca_6351, 0x1429_2967,
        0x27b7_0a85, 0x2e1b_2138, 0x4d2c_6dfc, 0x5338_0d13, 0x650a_7354, 0x766a_0abb, 0x81c2_c92e, 0x9272_2c85,
        0xa2bf_e8a1, 0xa81a_664b, 0xc24b_8b70, 0xc76c_51a3, 0xd192_e819, 0xd699_0624, 0xf40e_3585, 0x106a_a070,
        0x19a4_c116, 0x1e37_6c08, 0x2748_774c, 0x34b0_bcb5, 0x391c_0cb3, 0x4ed8_aa4a, 0x5b9c_ca4f, 0x682e_6ff3,
        0x748f_82ee, 0x78a5_636f, 0x84c8_7814, 0x8cc7_0208, 0x90be_fffa, 0xa450_6ceb, 0xbef9_a3f7, 0xc671_78f2,
    ]

    private static func compress(
        _ state: inout State, _ block: UnsafeRawBufferPointer, _ w: UnsafeMutablePointer<UInt32>
    ) {
        for index in 0..<16 {
            let base = index * 4
            w[index] =
                UInt32(block[base]) << 24 | UInt32(block[base + 1]) << 16 | UInt32(block[base + 2]) << 8
                | UInt32(block[base + 3])
        }
        for index in 16..<64 {
            let s0 = rotr(w[index - 15], 7) ^ rotr(w[index - 15], 18) ^ (w[index - 15] >> 3)
            let s1 = rotr(w[index - 2], 17) ^ rotr(w[index - 2], 19) ^ (w[index - 2] >> 10)
            w[index] = w[index - 16] &+ s0 &+ w[index - 7] &+ s1
        }
        var (a, b, c, d, e, f, g, h) = state
        roundConstants.withUnsafeBufferPointer { k in
            for index in 0..<64 {
                let s1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)
                let choice = (e & f) ^ (~e & g)
                let t1 = h &+ s1 &+ choice &+ k[index] &+ w[index]
                let s0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)
                let majority = (a & b) ^ (a & c) ^ (b & c)
                let t2 = s0 &+ majority
                h = g
                g = f
                f = e
                e = d &+ t1
                d = c
                c = b
                b = a
                a = t1 &+ t2
            }
        }
        state = (
            state.0 &+ a, state.1 &+ b, state.2 &+ c, state.3 &+ d, state.4 &+ e, state.5 &+ f, state.6 &+ g,
            state.7 &+ h
        )
    }

    @inline(__always)
    private static func rotr(_ value: UInt32, _ count: UInt32) -> UInt32 {
        (value >> count) | (value << (32 - count))
    }
}

/// A SHA-256 digest as four big-endian words: a cheap dictionary key for the token table.
struct SHA256Digest: Hashable, Sendable {
    var w0: UInt64
    var w1: UInt64
    var w2: UInt64
    var w3: UInt64

    /// The digest of 32 `bytes`, nil for any other length.
    init?(bytes: [UInt8]) {
        guard bytes.count == 32 else { return nil }
        func word(_ at: Int) -> UInt64 {
            var value: UInt64 = 0
            for index in at..<(at + 8) { value = value << 8 | UInt64(bytes[index]) }
            return value
        }
        self.init(w0: word(0), w1: word(8), w2: word(16), w3: word(24))
    }

    init(w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64) {
        self.w0 = w0
        self.w1 = w1
        self.w2 = w2
        self.w3 = w3
    }

    /// The 32 bytes, big-endian.
    var bytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(32)
        for word in [w0, w1, w2, w3] {
            for shift in stride(from: 56, through: 0, by: -8) {
                out.append(UInt8(truncatingIfNeeded: word >> UInt64(shift)))
            }
        }
        return out
    }
}
