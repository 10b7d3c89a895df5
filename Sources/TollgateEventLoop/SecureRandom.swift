private import CLibevent

/// Cryptographically secure random bytes from OpenSSL's RAND_bytes (used for tokens).
public enum SecureRandom {
    /// `count` random bytes; traps if OpenSSL cannot provide them (never hand out a weak token).
    public static func bytes(_ count: Int) -> [UInt8] {
        EventLoop.setUp()
        var out = [UInt8](repeating: 0, count: count)
        let ok = out.withUnsafeMutableBytes { RAND_bytes($0.baseAddress!.assumingMemoryBound(to: UInt8.self), Int32(count)) }
        precondition(ok == 1, "RAND_bytes failed")
        return out
    }
}

/// crypt(3) verification through libxcrypt's `crypt_r` (`$2y$`, `$2b$`, `$6$`, `$y$` hashes imported from
/// htpasswd files). Thread-safe: each call has its own work area.
public enum CryptHash {
    /// True when `secret` matches `hash`. A secret containing NUL never matches (crypt takes C strings).
    public static func verify(secret: [UInt8], hash: String) -> Bool {
        if secret.contains(0) { return false }
        var phrase = secret
        phrase.append(0)
        return phrase.withUnsafeBufferPointer { p in
            p.baseAddress!.withMemoryRebound(to: CChar.self, capacity: phrase.count) { c in
                tollgate_crypt_verify(c, hash) == 1
            }
        }
    }
}
