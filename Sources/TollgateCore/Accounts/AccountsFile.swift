/// A service account from the accounts file.
public struct AccountRecord: Sendable, Equatable {
    /// DNS label: 1-63 of `[a-z0-9-]`, starting and ending alphanumeric.
    public var name: String
    /// Free text for people.
    public var description: String?
    /// Groups the account belongs to, as written.
    public var groups: [String]
    /// Direct roles, as written.
    public var roles: [String]
    /// A disabled account's tokens are all refused.
    public var disabled: Bool
    /// The account's tokens, in file order.
    public var tokens: [TokenRecord]
    /// Line in the accounts file (0 when built in code).
    public var line: Int

    /// Creates an account record.
    public init(
        name: String, description: String? = nil, groups: [String] = [], roles: [String] = [],
        disabled: Bool = false, tokens: [TokenRecord] = [], line: Int = 0
    ) {
        self.name = name
        self.description = description
        self.groups = groups
        self.roles = roles
        self.disabled = disabled
        self.tokens = tokens
        self.line = line
    }
}

/// A named set of roles that accounts can join.
public struct GroupRecord: Sendable, Equatable {
    /// 1-63 of `[a-z0-9._:-]`.
    public var name: String
    /// Roles every member gets.
    public var roles: [String]
    /// Line in the accounts file (0 when built in code).
    public var line: Int

    /// Creates a group record.
    public init(name: String, roles: [String] = [], line: Int = 0) {
        self.name = name
        self.roles = roles
        self.line = line
    }
}

/// The whole accounts file (SPEC section 3), validated.
public struct AccountsFile: Sendable, Equatable {
    /// Groups in file order.
    public var groups: [GroupRecord]
    /// Accounts in file order.
    public var accounts: [AccountRecord]

    /// Creates an accounts file value.
    public init(groups: [GroupRecord] = [], accounts: [AccountRecord] = []) {
        self.groups = groups
        self.accounts = accounts
    }
}
