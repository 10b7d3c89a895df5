/// Reading the file from parser events: the `accounts:` list is walked one account at a time, so that a file of
/// 100,000 tokens never exists as one tree (that tree, not the table, was most of the memory a load took).
extension AccountsBuilder {
    /// The file whose root node starts with `first`; meaningful only when `reader.errors` is empty.
    ///
    /// Same result and errors as composing the whole tree and calling `build(_:)`: top-level key errors come
    /// first (as `fields(of:)` reports them before anything else), and an `accounts:` list that comes before
    /// `groups:` (or in a file without `groups:`) is composed whole and read at the end, when every group is known.
    mutating func build(from first: YAMLEvent, composer: inout YAMLComposer) throws(YAMLSyntaxError) -> AccountsFile {
        guard first.kind == .mappingStart else { return build(try composer.node(from: first)) }
        var result = AccountsFile()
        var topLevel = AccountsReader(file: reader.file)
        var keys: [YAMLNode] = []
        var groupsRead = false
        var laterAccounts: AccountsField?
        var seen: Set<String> = []
        var event = try composer.next()
        while event.kind != .mappingEnd {
            let keyNode = try composer.node(from: event)
            keys.append(keyNode)
            var key = topLevel.key(keyNode, path: "", allowed: Self.topLevelKeys)
            if let name = key, topLevel.isRepeated(name, keyNode, "", &seen) { key = nil }
            let valueStart = try composer.next()
            if key == "accounts", groupsRead, valueStart.kind == .sequenceStart, valueStart.anchor == nil {
                result.accounts = try streamAccounts(&composer)
            } else {
                let value = try composer.node(from: valueStart)
                let field = key.map { AccountsField(key: $0, parent: "", keyNode: keyNode, value: value) }
                if let field, field.key == "groups" {
                    result.groups = groups(field)
                    groupsRead = true
                } else if let field, field.key == "accounts" {
                    laterAccounts = field
                }
            }
            event = try composer.next()
        }
        try YAMLComposer.checkDuplicates(keys)
        if let laterAccounts { result.accounts = accounts(laterAccounts) }
        reader.prepend(topLevel.errors)
        return result
    }

    /// The items of the `accounts:` list whose start event was just read, each composed, read and dropped.
    private mutating func streamAccounts(_ composer: inout YAMLComposer) throws(YAMLSyntaxError) -> [AccountRecord] {
        var result: [AccountRecord] = []
        var event = try composer.next()
        var index = 0
        while event.kind != .sequenceEnd {
            let item = try composer.node(from: event)
            if let account = account(item, index: index) { result.append(account) }
            index += 1
            event = try composer.next()
        }
        return result
    }
}
