import Foundation
import Yams

/// The `tokens:` list of one account.
extension AccountsBuilder {
    static let tokenKeys = ["id", "hash", "intent", "created", "expires", "extend"]

    mutating func tokens(_ field: ConfigField, account: String) -> [TokenRecord] {
        if isNull(field.value) { return [] }
        guard case .sequence(let sequence) = field.value else {
            reader.fail(field.value, "\(field.path) must be a list of tokens, got \(reader.kind(field.value))")
            return []
        }
        var result: [TokenRecord] = []
        var seen: [String: Int] = [:]
        for (index, item) in sequence.enumerated() {
            guard let (token, idNode) = token(item, path: "\(field.path)[\(index)]", account: account) else {
                continue
            }
            if let first = seen[token.id] {
                reader.fail(idNode, "duplicate token id '\(token.id)' in account '\(account)' (first at line \(first))")
            } else {
                seen[token.id] = token.line
            }
            result.append(token)
        }
        return result
    }

    private mutating func token(_ node: Node, path: String, account: String) -> (TokenRecord, Node)? {
        guard let fields = reader.fields(of: node, path: path, allowed: Self.tokenKeys) else { return nil }
        let line = node.mark?.line ?? 0
        var id: (text: String, node: Node)?
        var hash: TokenHash?
        var intent = TokenIntent.api
        var created: Date?
        var expires: Date??
        var extend: Double?
        for item in fields {
            switch item.key {
            case "id":
                guard let text = reader.string(item) else { continue }
                if AccountName.isValidTokenID(text) {
                    id = (text, item.value)
                } else {
                    reader.fail(item.value, "\(item.path): '\(text)' is not a valid token id (1-63 of a-z 0-9 -)")
                }
            case "hash":
                hash = tokenHash(item, owner: "\(account)/\(id?.text ?? path)")
            case "intent":
                guard let text = reader.string(item) else { continue }
                if let value = TokenIntent(rawValue: text) {
                    intent = value
                } else {
                    reader.fail(item.value, "\(item.path): '\(text)' is not api or app-password")
                }
            case "created": created = timestamp(item, allowNever: false) ?? nil
            case "expires": expires = timestamp(item, allowNever: true)
            default: extend = reader.duration(item)
            }
        }
        for (key, what) in [("id", "a token id"), ("hash", "sha256:<64 hex> or a crypt hash")]
        where !fields.contains(where: { $0.key == key }) {
            reader.fail(node, "\(path): \(key) is required (\(what))")
        }
        if !fields.contains(where: { $0.key == "expires" }) {
            reader.fail(node, "\(path): expires is required (a date or never)")
        }
        guard let id, let hash, let expires else { return nil }
        let token = TokenRecord(
            id: id.text, hash: hash, intent: intent, created: created, expires: expires, extend: extend, line: line)
        return (token, id.node)
    }

    /// A `hash:` value; a `sha256:` digest already used by another token is an error (ambiguous bearer lookup).
    private mutating func tokenHash(_ field: ConfigField, owner: String) -> TokenHash? {
        guard let text = reader.string(field) else { return nil }
        switch TokenHash.parse(text) {
        case .failure(let error):
            reader.fail(field.value, "\(field.path) \(error.message)")
            return nil
        case .success(let hash):
            if case .sha256(let bytes) = hash, let digest = SHA256Digest(bytes: bytes) {
                let line = field.value.mark?.line ?? 0
                if let first = digests[digest] {
                    reader.fail(
                        field.value,
                        "\(field.path) is the same hash as \(first.owner) (line \(first.line)); every token "
                            + "needs its own secret")
                    return nil
                }
                digests[digest] = (owner, line)
            }
            return hash
        }
    }

    /// An RFC 3339 timestamp, or `never` (nil) when `allowNever`; the outer nil means invalid (reported).
    private mutating func timestamp(_ field: ConfigField, allowNever: Bool) -> Date?? {
        guard let text = reader.string(field) else { return nil }
        if allowNever && text == "never" { return .some(nil) }
        guard let date = RFC3339.parse(text) else {
            let example = allowNever ? "2027-11-17T10:00:00Z, or never" : "2026-11-22T10:00:00Z"
            reader.fail(field.value, "\(field.path): '\(text)' is not an RFC 3339 timestamp (e.g. \(example))")
            return nil
        }
        return .some(date)
    }
}
