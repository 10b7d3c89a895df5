import TollgateCore

/// Properties of `AccountsLoader.parse` over any UTF-8 text (SPEC section 3):
/// - it returns (libFuzzer's `-timeout` catches a hang) without crashing;
/// - the streaming read agrees with composing the whole tree first (`AccountsLoader.parseWholeTree`), result
///   and errors alike, as `AccountsBuilder+Stream` promises;
/// - the composer agrees with Yams (`YAMLTreeComparison`): the same tree with the same tags and positions, or
///   the same error;
/// - a refusal's errors are as for the config (`ConfigProperties.checkErrors`);
/// - an accepted file has valid, distinct account names; valid group and role names; groups that are defined;
///   valid token ids, distinct within an account; well-formed hashes, no `sha256:` digest twice; a positive
///   `extend`; and `AccountsWriter` renders it to text that reads back to the same accounts.
enum AccountsProperties {
    static let path = "/fuzz/conf/accounts.yaml"

    static func check(_ data: UnsafeRawBufferPointer) throws(PropertyViolation) {
        guard let text = String(validating: data, as: UTF8.self) else { return }
        let label = show(text.utf8)
        let streamed = AccountsLoader.parse(yaml: text, path: path)
        let tree = AccountsLoader.parseWholeTree(yaml: text, path: path)
        switch (streamed, tree) {
        case (.success(let file), .success(let expected)):
            try require(file == expected, "streaming read \(file) differs from the whole tree's \(expected): \(label)")
        case (.failure(let errors), .failure(let expected)):
            try require(
                errors.errors == expected.errors,
                "streaming read refuses with\n\(errors)\nthe whole tree "
                    + "with\n\(expected)\n\(label)")
        default:
            throw PropertyViolation("streaming read gives \(streamed), the whole tree \(tree): \(label)")
        }
        try YAMLTreeComparison.check(text)

        switch streamed {
        case .failure(let errors):
            try ConfigProperties.checkErrors(errors, text: text, path: path)
        case .success(let file):
            try checkAccepted(file, label)
            try checkRoundTrip(file, label)
        }
    }

    private static func checkAccepted(_ file: AccountsFile, _ label: String) throws(PropertyViolation) {
        let groups = Set(file.groups.map(\.name))
        try require(groups.count == file.groups.count, "a group defined twice: \(label)")
        for group in file.groups {
            try require(
                RoleName.isValid(group.name) && group.roles.allSatisfy(RoleName.isValid), "group \(group): \(label)")
        }
        var names: Set<String> = []
        var digests: Set<[UInt8]> = []
        for account in file.accounts {
            try require(AccountName.isValid(account.name), "account name \(account.name.debugDescription): \(label)")
            try require(names.insert(account.name).inserted, "account \(account.name) twice: \(label)")
            try require(account.roles.allSatisfy(RoleName.isValid), "roles \(account.roles): \(label)")
            try require(account.groups.allSatisfy(groups.contains), "undefined group in \(account.groups): \(label)")
            try require(
                Set(account.groups).count == account.groups.count && Set(account.roles).count == account.roles.count,
                "repeated group or role in \(account.name): \(label)")
            var ids: Set<String> = []
            for token in account.tokens {
                try require(AccountName.isValidTokenID(token.id), "token id \(token.id.debugDescription): \(label)")
                try require(ids.insert(token.id).inserted, "token id \(token.id) twice in \(account.name): \(label)")
                if let extend = token.extend {
                    try require(extend > 0 && extend.isFinite, "extend \(extend): \(label)")
                }
                switch token.hash {
                case .sha256(let digest):
                    try require(digest.count == 32, "digest of \(digest.count) bytes: \(label)")
                    try require(digests.insert(digest).inserted, "a sha256 digest twice: \(label)")
                case .crypt(let hash):
                    try require(TokenHash.parse(hash) == .success(.crypt(hash)), "crypt hash \(hash): \(label)")
                }
            }
        }
    }

    /// What `AccountsWriter` renders reads back to the same accounts (lines aside: the layout is the writer's).
    private static func checkRoundTrip(_ file: AccountsFile, _ label: String) throws(PropertyViolation) {
        let rendered = AccountsWriter.render(file)
        switch AccountsLoader.parse(yaml: rendered, path: path) {
        case .success(let again):
            try require(
                withoutLines(again) == withoutLines(file),
                "rendered as\n\(rendered)\nit reads back as "
                    + "\(again), not \(file): \(label)")
        case .failure(let errors):
            throw PropertyViolation("rendered as\n\(rendered)\nit is refused: \(errors): \(label)")
        }
    }

    private static func withoutLines(_ file: AccountsFile) -> AccountsFile {
        var copy = file
        for index in copy.groups.indices { copy.groups[index].line = 0 }
        for index in copy.accounts.indices {
            copy.accounts[index].line = 0
            for token in copy.accounts[index].tokens.indices { copy.accounts[index].tokens[token].line = 0 }
        }
        return copy
    }
}
