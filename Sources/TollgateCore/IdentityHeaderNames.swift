/// Names of the identity headers sent upstream (`identity_headers:`).
public struct IdentityHeaderNames: Sendable, Equatable {
    /// The account name.
    public var user: String
    /// The account's groups, comma-separated and sorted.
    public var groups: String
    /// The account's roles (direct and via groups), comma-separated and sorted.
    public var roles: String
    /// The id of the token that authenticated the request.
    public var tokenID: String

    /// Creates the names; defaults are the `X-Forwarded-*` names of the config example.
    public init(
        user: String = "X-Forwarded-User",
        groups: String = "X-Forwarded-Groups",
        roles: String = "X-Forwarded-Roles",
        tokenID: String = "X-Forwarded-Token-Id"
    ) {
        self.user = user
        self.groups = groups
        self.roles = roles
        self.tokenID = tokenID
    }

    /// All four names, in the order user, groups, roles, token id.
    public var all: [String] { [user, groups, roles, tokenID] }
}
