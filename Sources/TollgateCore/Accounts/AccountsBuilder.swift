typealias AccountsReader = YAMLReader<YAMLNode>
typealias AccountsField = YAMLField<YAMLNode>

/// Builds an `AccountsFile` from composed YAML, collecting every error (groups first, so that accounts can be
/// checked against them wherever `groups:` appears in the file). `AccountsBuilder+Stream` feeds it one account
/// at a time.
struct AccountsBuilder {
    static let topLevelKeys = ["groups", "accounts"]
    static let accountKeys = ["name", "description", "groups", "roles", "disabled", "tokens"]

    var reader: AccountsReader
    /// Defined group names.
    var groupNames: Set<String> = []
    /// Every `sha256:` digest seen so far, as an index into `hashOwners`: a digest used twice makes a bearer token
    /// ambiguous. (A 4-byte value: at 100,000 tokens this dictionary was the largest thing a load allocated.)
    var digests: [SHA256Digest: Int32] = [:]
    /// Who used each digest first, and on which line, for that error.
    var hashOwners: [(account: String, token: String, line: Int)] = []
    /// Account names seen so far, with their lines.
    var accountLines: [String: Int] = [:]

    init(file: String) {
        reader = AccountsReader(file: file)
        reader.documentName = "the accounts file"
    }

    /// The file from a whole tree; meaningful only when `reader.errors` is empty.
    mutating func build(_ root: YAMLNode) -> AccountsFile {
        var result = AccountsFile()
        guard let fields = reader.fields(of: root, path: "", allowed: Self.topLevelKeys) else { return result }
        if let field = fields.first(where: { $0.key == "groups" }) { result.groups = groups(field) }
        if let field = fields.first(where: { $0.key == "accounts" }) { result.accounts = accounts(field) }
        return result
    }

    mutating func groups(_ field: AccountsField) -> [GroupRecord] {
        if isNull(field.value) { return [] }
        guard case .mapping(let mapping) = field.value.content else {
            reader.fail(
                field.value,
                "groups must be a mapping of group names to { roles: [...] }, got \(reader.kind(field.value))")
            return []
        }
        var result: [GroupRecord] = []
        for (keyNode, value) in mapping {
            guard case .scalar(let name) = keyNode.content, keyNode.tagName != .null else {
                reader.fail(keyNode, "group names must be plain names, got \(reader.kind(keyNode))")
                continue
            }
            guard RoleName.isValid(name) else {
                reader.fail(keyNode, "'\(name)' is not a valid group name (1-63 characters of a-z 0-9 . _ : -)")
                continue
            }
            groupNames.insert(name)
            var group = GroupRecord(name: name, line: keyNode.line)
            if !isNull(value), let items = reader.fields(of: value, path: "groups.\(name)", allowed: ["roles"]) {
                for item in items { group.roles = names(item, kind: "role") ?? [] }
            }
            result.append(group)
        }
        return result
    }

    mutating func accounts(_ field: AccountsField) -> [AccountRecord] {
        if isNull(field.value) { return [] }
        guard case .sequence(let sequence) = field.value.content else {
            reader.fail(field.value, "accounts must be a list of accounts, got \(reader.kind(field.value))")
            return []
        }
        var result: [AccountRecord] = []
        result.reserveCapacity(sequence.count)
        for (index, item) in sequence.enumerated() {
            if let account = account(item, index: index) { result.append(account) }
        }
        return result
    }

    /// Item `index` of `accounts:`; nil when it has no valid name. A name used before is reported here.
    mutating func account(_ item: YAMLNode, index: Int) -> AccountRecord? {
        guard let (account, nameNode) = account(item, path: "accounts[\(index)]") else { return nil }
        if let first = accountLines[account.name] {
            reader.fail(nameNode, "duplicate account name '\(account.name)' (first at line \(first))")
        } else {
            accountLines[account.name] = account.line
        }
        return account
    }

    private mutating func account(_ node: YAMLNode, path: String) -> (AccountRecord, YAMLNode)? {
        guard let fields = reader.fields(of: node, path: path, allowed: Self.accountKeys) else { return nil }
        var account = AccountRecord(name: "", line: node.line)
        var nameNode: YAMLNode?
        var hasName = false
        var tokenField: AccountsField?
        for item in fields {
            switch item.key {
            case "name":
                hasName = true
                guard let text = reader.string(item) else { continue }
                if AccountName.isValid(text) {
                    account.name = text
                    nameNode = item.value
                } else {
                    reader.fail(
                        item.value,
                        "\(item.path): '\(text)' is not a valid account name (a DNS label: 1-63 characters of "
                            + "a-z 0-9 -, starting and ending with a letter or digit)")
                }
            case "description": account.description = reader.string(item)
            case "groups": account.groups = names(item, kind: "group", mustBeDefined: true) ?? []
            case "roles": account.roles = names(item, kind: "role") ?? []
            case "disabled": account.disabled = reader.bool(item) ?? false
            default: tokenField = item
            }
        }
        if !hasName {
            reader.fail(node, "\(path) needs name (the account's DNS-label name)")
        }
        // Tokens after the name, so that their messages can name the account.
        if let tokenField { account.tokens = tokens(tokenField, account: account.name) }
        guard let nameNode else { return nil }
        return (account, nameNode)
    }

    /// A list of group or role names, de-duplicated; nil when any is invalid (each is reported).
    /// `mustBeDefined`: group references, each of which must be defined under `groups:`.
    mutating func names(_ field: AccountsField, kind: String, mustBeDefined: Bool = false) -> [String]? {
        if isNull(field.value) { return [] }
        guard let items = reader.strings(field) else { return nil }
        var result: [String] = []
        var ok = true
        for (text, node) in items {
            if !RoleName.isValid(text) {
                reader.fail(
                    node, "\(field.path): '\(text)' is not a valid \(kind) name (1-63 characters of a-z 0-9 . _ : -)")
                ok = false
            } else if mustBeDefined && !groupNames.contains(text) {
                reader.fail(node, "\(field.path): group '\(text)' is not defined under groups:")
                ok = false
            } else if !result.contains(text) {
                result.append(text)
            }
        }
        return ok ? result : nil
    }

    func isNull(_ node: YAMLNode) -> Bool {
        if case .scalar = node.content, node.tagName == .null { return true }
        return false
    }
}
