import Foundation

/// Thread-safe last-use times for sliding expiry, keyed "account/tokenID"; snapshot/restore for the state file
/// (JSON: an object of key to RFC 3339 time). Outlives table reloads: it belongs to the process.
public final class LastUseStore: Sendable {
    private let times = Locked<[String: Date]>([:])

    /// An empty store.
    public init() {}

    /// The key of one token: `account/tokenID`.
    public static func key(account: String, tokenID: String) -> String {
        account + "/" + tokenID
    }

    /// Records a use of `key` at `at` (a later time never goes backwards).
    public func record(_ key: String, at: Date) {
        times.withLock { times in
            if let previous = times[key], previous >= at { return }
            times[key] = at
        }
    }

    /// The last recorded use of `key`.
    public func lastUse(_ key: String) -> Date? {
        times.withLock { $0[key] }
    }

    /// Every recorded time.
    public func snapshot() -> [String: Date] {
        times.withLock { $0 }
    }

    /// Replaces every recorded time with `s` (start-up, from the state file).
    public func restore(_ s: [String: Date]) {
        times.withLock { $0 = s }
    }

    /// The snapshot as JSON, keys sorted.
    public func encodeJSON() -> [UInt8] {
        let object = snapshot().mapValues(RFC3339.format)
        let options: JSONSerialization.WritingOptions = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: options) else {
            return Array("{}".utf8)
        }
        return Array(data)
    }

    /// Times read from `encodeJSON` output; nil unless it is a JSON object of RFC 3339 strings.
    public static func decodeJSON(_ bytes: [UInt8]) -> [String: Date]? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(bytes)),
            let strings = object as? [String: String]
        else { return nil }
        var result: [String: Date] = [:]
        for (key, text) in strings {
            guard let date = RFC3339.parse(text) else { return nil }
            result[key] = date
        }
        return result
    }
}
