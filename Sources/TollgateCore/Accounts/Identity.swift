/// Who a valid credential belongs to: what the identity headers carry and what routes are checked against.
public struct Identity: Sendable, Equatable {
    /// The account name.
    public var account: String
    /// The id of the token that matched.
    public var tokenID: String
    /// The account's groups, sorted and de-duplicated.
    public var groups: [String]
    /// Direct roles and the roles of every group, sorted and de-duplicated.
    public var roles: [String]
    /// The token's informational intent.
    public var intent: TokenIntent

    /// Creates an identity.
    public init(account: String, tokenID: String, groups: [String], roles: [String], intent: TokenIntent) {
        self.account = account
        self.tokenID = tokenID
        self.groups = groups
        self.roles = roles
        self.intent = intent
    }
}
