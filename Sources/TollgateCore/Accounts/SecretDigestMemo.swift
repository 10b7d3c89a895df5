/// The SHA-256 of the last secret one worker hashed. A keep-alive client sends the same token on every request,
/// so the digest the table is searched by is mostly the one just made; the memo keeps it.
///
/// Only the digest is kept, never a verdict: the table is searched on every request, so a revoked, expired or
/// reloaded-away token fails as before. The presented secret is compared with the kept one in constant time
/// (`ConstantTime.equals`), so the memo gives no prefix oracle on another client's token.
/// Thread rule: one worker's loop only (it is not locked).
public final class SecretDigestMemo: @unchecked Sendable {
    private var secret: [UInt8] = []
    private var digest: SHA256Digest?

    /// An empty memo.
    public init() {}

    /// The SHA-256 of `secret`, from the memo when it is the secret hashed last.
    func digest(of secret: [UInt8]) -> SHA256Digest {
        if let digest, ConstantTime.equals(secret, self.secret) { return digest }
        let made = SHA256.digest(secret)
        self.secret = secret
        digest = made
        return made
    }
}
