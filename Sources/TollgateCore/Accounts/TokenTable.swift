import Foundation

/// One token, resolved for the request path: everything `authenticate` needs, computed once per load.
struct TokenEntry: Sendable {
    let identity: Identity
    /// For `sha256:` tokens, the stored digest (compared in constant time after the lookup).
    let digest: SHA256Digest?
    let disabled: Bool
    /// Seconds since the reference date; `.infinity` for `never`.
    let expires: Double
    let extend: Double?
    let lastUseKey: String
}

/// An immutable snapshot of the accounts file, built once per (re)load and published atomically; requests in
/// flight keep the table they hold. Safe to use from any thread.
public final class TokenTable: Sendable {
    /// Number of this table (+1 on every applied reload).
    public let generation: Int
    /// The file it was built from (for metrics: expiry gauges).
    public let file: AccountsFile
    /// Accounts, disabled ones included.
    public var accountCount: Int { file.accounts.count }
    /// Tokens, expired ones included.
    public let tokenCount: Int

    /// `sha256:` tokens, found through `bySHA256` (an index, not the entry: a dictionary's spare buckets then cost
    /// 8 bytes each instead of an entry's 136; at 100,000 tokens that was 20 MB).
    private let entries: [TokenEntry]
    private let bySHA256: [SHA256Digest: Int]
    /// Crypt tokens per account: (hash, entry), in file order.
    private let cryptTokens: [String: [(hash: String, entry: TokenEntry)]]
    /// A real crypt hash of this table, verified (and the result ignored) when Basic names an account without
    /// crypt tokens, so that an unknown name costs what a known one does.
    private let dummyCryptHash: String?
    private let cryptCache: CryptCache

    /// Builds the lookup tables; `generation` numbers the table for metrics. Crypt results are cached (at most
    /// `cryptCacheCapacity` of them) until this table is replaced. `checkpoint` is called once per account (see
    /// `AccountsLoader.parse`).
    public init(
        file: AccountsFile, generation: Int, cryptCacheCapacity: Int = 10_000, checkpoint: () -> Void = {}
    ) {
        self.file = file
        self.generation = generation
        cryptCache = CryptCache(capacity: cryptCacheCapacity)
        let groupRoles = Dictionary(file.groups.map { ($0.name, $0.roles) }, uniquingKeysWith: { first, _ in first })
        // Sized once: growing by doubling would hold the old and the new storage at the same time.
        let total = file.accounts.reduce(0) { $0 + $1.tokens.count }
        var entries: [TokenEntry] = []
        entries.reserveCapacity(total)
        var bySHA256: [SHA256Digest: Int] = [:]
        bySHA256.reserveCapacity(total)
        var cryptTokens: [String: [(hash: String, entry: TokenEntry)]] = [:]
        var dummy: String?
        var count = 0
        for account in file.accounts {
            checkpoint()
            let groups = Array(Set(account.groups)).sorted()
            var roles = Set(account.roles)
            for group in groups { roles.formUnion(groupRoles[group] ?? []) }
            let sortedRoles = roles.sorted()
            let groupsHeader = groups.joined(separator: ",")
            let rolesHeader = sortedRoles.joined(separator: ",")
            for token in account.tokens {
                count += 1
                let identity = Identity(
                    account: account.name, tokenID: token.id, groups: groups, roles: sortedRoles, intent: token.intent,
                    groupsHeader: groupsHeader, rolesHeader: rolesHeader)
                func entry(_ digest: SHA256Digest?) -> TokenEntry {
                    TokenEntry(
                        identity: identity, digest: digest, disabled: account.disabled,
                        expires: token.expires?.timeIntervalSinceReferenceDate ?? .infinity, extend: token.extend,
                        lastUseKey: LastUseStore.key(account: account.name, tokenID: token.id))
                }
                switch token.hash {
                case .sha256(let bytes):
                    // The loader rejects duplicates; for a table built in code the first one wins.
                    guard let digest = SHA256Digest(bytes: bytes), bySHA256[digest] == nil else { continue }
                    bySHA256[digest] = entries.count
                    entries.append(entry(digest))
                case .crypt(let hash):
                    cryptTokens[account.name, default: []].append((hash, entry(nil)))
                    if dummy == nil { dummy = hash }
                }
            }
        }
        self.entries = entries
        self.bySHA256 = bySHA256
        self.cryptTokens = cryptTokens
        dummyCryptHash = dummy
        tokenCount = count
    }

    /// Checks `credential` (SPEC section 4). `now`: injected clock; `lastUse`: sliding-expiry store (may be nil);
    /// `crypt`: verifier for crypt hashes (without one, crypt tokens never match); `digests`: the worker's memo of
    /// the last secret's SHA-256 (nil: hash every time).
    ///
    /// Every secret is hashed and looked up by digest, then compared in constant time; a Basic name that is
    /// unknown costs the same hashing and, when the table holds crypt hashes, one crypt verification.
    public func authenticate(_ credential: Credential, now: Date, lastUse: LastUseStore?, crypt: CryptVerifier?,
                             digests: SecretDigestMemo? = nil) -> Result<Identity, AuthFailure>
    {
        func digest(_ secret: Secret) -> SHA256Digest {
            digests?.digest(of: secret.bytes) ?? SHA256.digest(secret.bytes)
        }
        switch credential {
        case .bearer(let secret):
            let digest = digest(secret)
            guard let index = index(digest) else { return .failure(.unknown) }
            return entries.withUnsafeBufferPointer { check($0[index], now: now, lastUse: lastUse) }
        case .basic(let account, let secret):
            let digest = digest(secret)
            if let index = index(digest) {
                return entries.withUnsafeBufferPointer { all in
                    guard all[index].identity.account == account else { return .failure(.wrongAccount) }
                    return check(all[index], now: now, lastUse: lastUse)
                }
            }
            guard let dummyCryptHash, let crypt else { return .failure(.unknown) }
            let candidates = cryptTokens[account] ?? []
            let key = CryptCache.key(account: account, secretDigest: digest)
            let outcome: CryptCache.Outcome
            if let cached = cryptCache.lookup(key) {
                outcome = cached
            } else {
                if candidates.isEmpty {
                    _ = crypt.verify(secret: secret.bytes, hash: dummyCryptHash)
                    outcome = .noMatch
                } else {
                    let index = candidates.firstIndex { crypt.verify(secret: secret.bytes, hash: $0.hash) }
                    outcome = index.map(CryptCache.Outcome.match) ?? .noMatch
                }
                cryptCache.store(key, outcome)
            }
            guard case .match(let index) = outcome else { return .failure(.unknown) }
            return check(candidates[index].entry, now: now, lastUse: lastUse)
        }
    }

    /// Where the `sha256:` token stored under `digest` is in `entries`, once its digest compared equal in
    /// constant time. The entry is read in place (a copy of it would retain each of its fields).
    private func index(_ digest: SHA256Digest) -> Int? {
        guard let index = bySHA256[digest] else { return nil }
        return entries.withUnsafeBufferPointer { all in
            guard let stored = all[index].digest, ConstantTime.equals(stored, digest) else { return nil }
            return index
        }
    }

    /// Disabled account, then expiry (sliding when `extend` is set); a successful use is recorded.
    private func check(_ entry: borrowing TokenEntry, now: Date, lastUse: LastUseStore?) -> Result<Identity, AuthFailure> {
        if entry.disabled { return .failure(.disabled) }
        let instant = now.timeIntervalSinceReferenceDate
        var expires = entry.expires
        if let extend = entry.extend, let lastUse {
            if expires <= instant, let last = lastUse.lastUse(entry.lastUseKey) {
                expires = max(expires, last.timeIntervalSinceReferenceDate + extend)
            }
            if expires > instant { lastUse.record(entry.lastUseKey, at: now) }
        }
        guard expires > instant else { return .failure(.expired) }
        return .success(entry.identity)
    }

    /// Cached crypt results (for tests).
    var cryptCacheCount: Int { cryptCache.count }
}
