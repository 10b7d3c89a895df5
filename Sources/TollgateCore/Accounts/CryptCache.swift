/// Results of crypt(3) verifications, keyed by SHA-256 of (secret digest, account): never a secret. Owned by one
/// `TokenTable`, so a reload drops it. Bounded: the oldest entry is evicted first. Thread-safe.
final class CryptCache: Sendable {
    /// What a verification found: the index of the matching crypt token of the account, or none.
    enum Outcome: Equatable {
        case match(Int)
        case noMatch
    }

    private struct Storage {
        var outcomes: [SHA256Digest: Outcome] = [:]
        /// Insertion order, as a ring of `capacity` keys.
        var order: [SHA256Digest] = []
        var next = 0
    }

    private let capacity: Int
    private let storage = Locked(Storage())

    /// A cache of at most `capacity` results.
    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    /// The key for `account` presenting a secret with `secretDigest`.
    static func key(account: String, secretDigest: SHA256Digest) -> SHA256Digest {
        var bytes = secretDigest.bytes
        bytes.append(0)
        bytes.append(contentsOf: account.utf8)
        return SHA256.digest(bytes)
    }

    /// The cached outcome for `key`.
    func lookup(_ key: SHA256Digest) -> Outcome? {
        storage.withLock { $0.outcomes[key] }
    }

    /// Stores an outcome, evicting the oldest one when full.
    func store(_ key: SHA256Digest, _ outcome: Outcome) {
        storage.withLock { storage in
            guard storage.outcomes.updateValue(outcome, forKey: key) == nil else { return }
            if storage.order.count < capacity {
                storage.order.append(key)
            } else {
                storage.outcomes[storage.order[storage.next]] = nil
                storage.order[storage.next] = key
                storage.next = (storage.next + 1) % capacity
            }
        }
    }

    /// Entries held (for tests).
    var count: Int { storage.withLock { $0.outcomes.count } }
}
