private import CLibevent

/// OpenSSL's one-shot SHA-256, for the token lookup on the request path (TollgateCore's pure-Swift digest is
/// the reference; `SHA256.accelerated` takes this).
public enum OpenSSLDigest {
    /// Writes the 32-byte SHA-256 digest of `input` to `out`.
    public static func sha256(_ input: UnsafeRawBufferPointer, _ out: UnsafeMutableRawPointer) {
        tollgate_sha256(input.baseAddress, input.count, out)
    }
}
