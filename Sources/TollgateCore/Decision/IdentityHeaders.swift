/// The identity headers sent upstream (proxy) or answered to the ingress (forward-auth), SPEC section 6.
public enum IdentityHeaders {
    /// User and token id always; groups and roles joined with "," (already sorted and de-duplicated by the
    /// token table), each omitted when it would be empty.
    public static func build(_ identity: Identity, names: IdentityHeaderNames) -> HeaderList {
        var out: HeaderList = [(name: names.user, value: identity.account)]
        if !identity.groups.isEmpty { out.append((name: names.groups, value: identity.groups.joined(separator: ","))) }
        if !identity.roles.isEmpty { out.append((name: names.roles, value: identity.roles.joined(separator: ","))) }
        out.append((name: names.tokenID, value: identity.tokenID))
        return out
    }
}
