/// Comparisons whose running time does not depend on where two secrets first differ (no prefix oracle).
public enum ConstantTime {
    /// True when `a` and `b` hold the same bytes; a length difference returns false, content never exits early.
    public static func equals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in 0..<a.count { difference |= a[index] ^ b[index] }
        return difference == 0
    }

    /// Constant-time equality of two digests (the table's allocation-free path).
    static func equals(_ a: SHA256Digest, _ b: SHA256Digest) -> Bool {
        ((a.w0 ^ b.w0) | (a.w1 ^ b.w1) | (a.w2 ^ b.w2) | (a.w3 ^ b.w3)) == 0
    }
}
