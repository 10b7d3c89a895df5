/// Verifies a secret against a crypt(3) hash; implemented outside Core (libcrypt's `crypt_r`).
public protocol CryptVerifier: Sendable {
    /// True when `secret` matches `hash`.
    func verify(secret: [UInt8], hash: String) -> Bool
}
