/// Who a valid credential belongs to: what the identity headers carry and what routes are checked against.
///
/// A class, built once per token when the table is loaded: every request that presents the token shares it (one
/// reference count, instead of copying five fields), and the joined header values are made once, not per request.
public final class Identity: Sendable, Equatable, CustomStringConvertible {
    /// The account name.
    public let account: String
    /// The id of the token that matched.
    public let tokenID: String
    /// The account's groups, sorted and de-duplicated.
    public let groups: [String]
    /// Direct roles and the roles of every group, sorted and de-duplicated.
    public let roles: [String]
    /// The token's informational intent.
    public let intent: TokenIntent
    /// `groups` joined with "," (the groups identity header's value).
    public let groupsHeader: String
    /// `roles` joined with "," (the roles identity header's value).
    public let rolesHeader: String

    /// Creates an identity.
    public convenience init(account: String, tokenID: String, groups: [String], roles: [String], intent: TokenIntent) {
        self.init(account: account, tokenID: tokenID, groups: groups, roles: roles, intent: intent,
                  groupsHeader: groups.joined(separator: ","), rolesHeader: roles.joined(separator: ","))
    }

    /// Creates an identity whose joined header values were made already (shared by an account's tokens).
    init(account: String, tokenID: String, groups: [String], roles: [String], intent: TokenIntent,
         groupsHeader: String, rolesHeader: String) {
        self.account = account
        self.tokenID = tokenID
        self.groups = groups
        self.roles = roles
        self.intent = intent
        self.groupsHeader = groupsHeader
        self.rolesHeader = rolesHeader
    }

    /// Same account, token, groups, roles and intent.
    public static func == (a: Identity, b: Identity) -> Bool {
        a.account == b.account && a.tokenID == b.tokenID && a.groups == b.groups && a.roles == b.roles
            && a.intent == b.intent
    }

    /// `Identity(account:tokenID:groups:roles:intent:)` as test failures print it.
    public var description: String {
        "Identity(account: \(account), tokenID: \(tokenID), groups: \(groups), roles: \(roles), intent: \(intent))"
    }
}
