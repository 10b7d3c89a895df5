import Foundation

/// The `tokens:` list of one account.
extension AccountsBuilder {
    static let tokenKeys = ["id", "hash", "intent", "created", "expires", "extend"]

    mutating func tokens(_ field: AccountsField, account: String) -> [TokenRecord] {
        if isNull(field.value) { return [] }
        guard case .sequence(let sequence) = field.value.content else {
            reader.fail(field.value, "\(field.path) must be a list of tokens, got \(reader.kind(field.value))")
            return []
        }
        var result: [TokenRecord] = []
        result.reserveCapacity(sequence.count)
        var seen: [String: Int] = [:]
        seen.reserveCapacity(sequence.count)
        let listPath = field.path
        for (index, item) in sequence.enumerated() {
            guard let (token, idNode) = token(item, path: "\(listPath)[\(index)]", account: account) else {
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

    private mutating func token(_ node: YAMLNode, path: String, account: String) -> (TokenRecord, YAMLNode)? {
        guard let fields = reader.fields(of: node, path: path, allowed: Self.tokenKeys) else { return nil }
        let line = node.line
        var id: (text: String, node: YAMLNode)?
        var hash: TokenHash?
        var intent = TokenIntent.api
        var created: Date?
        var expires: Date??
        var extend: Double?
        var present = (id: false, hash: false, expires: false)
        for item in fields {
            switch item.key {
            case "id":
                present.id = true
                guard let text = reader.string(item) else { continue }
                if AccountName.isValidTokenID(text) {
                    id = (text, item.value)
                } else {
                    reader.fail(item.value, "\(item.path): '\(text)' is not a valid token id (1-63 of a-z 0-9 -)")
                }
            case "hash":
                present.hash = true
                hash = tokenHash(item, account: account, token: id?.text ?? path)
            case "intent":
                guard let text = reader.string(item) else { continue }
                if let value = TokenIntent(rawValue: text) {
                    intent = value
                } else {
                    reader.fail(item.value, "\(item.path): '\(text)' is not api or app-password")
                }
            case "created": created = timestamp(item, allowNever: false) ?? nil
            case "expires":
                present.expires = true
                expires = timestamp(item, allowNever: true)
            default: extend = reader.duration(item)
            }
        }
        if !present.id { reader.fail(node, "\(path): id is required (a token id)") }
        if !present.hash { reader.fail(node, "\(path): hash is required (sha256:<64 hex> or a crypt hash)") }
        if !present.expires {
            reader.fail(node, "\(path): expires is required (a date or never)")
        }
        guard let id, let hash, let expires else { return nil }
        let token = TokenRecord(
            id: id.text, hash: hash, intent: intent, created: created, expires: expires, extend: extend, line: line)
        return (token, id.node)
    }

    /// A `hash:` value; a `sha256:` digest already used by another token is an error (ambiguous bearer lookup).
    /// `account/token` names the token in that error.
    private mutating func tokenHash(_ field: AccountsField, account: String, token: String) -> TokenHash? {
        guard let text = reader.string(field) else { return nil }
        switch TokenHash.parse(text) {
        case .failure(let error):
            reader.fail(field.value, "\(field.path) \(error.message)")
            return nil
        case .success(let hash):
            if case .sha256(let bytes) = hash, let digest = SHA256Digest(bytes: bytes) {
                if let index = digests[digest] {
                    let first = hashOwners[Int(index)]
                    reader.fail(
                        field.value,
                        "\(field.path) is the same hash as \(first.account)/\(first.token) (line \(first.line)); "
                            + "every token needs its own secret")
                    return nil
                }
                digests[digest] = Int32(hashOwners.count)
                hashOwners.append((account, token, field.value.line))
            }
            return hash
        }
    }

    /// An RFC 3339 timestamp, or `never` (nil) when `allowNever`; the outer nil means invalid (reported).
    private mutating func timestamp(_ field: AccountsField, allowNever: Bool) -> Date?? {
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
