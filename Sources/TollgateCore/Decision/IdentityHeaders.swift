import TollgateHeaders

/// The identity headers sent upstream (proxy) or answered to the ingress (forward-auth), SPEC section 6.
public enum IdentityHeaders {
    /// User and token id always; groups and roles joined with "," (already sorted and de-duplicated by the
    /// token table), each omitted when it would be empty.
    public static func build(_ identity: Identity, names: IdentityHeaderNames) -> HeaderList {
        var out: HeaderList = []
        out.reserveCapacity(4)
        append(identity, names: names, to: &out)
        return out
    }

    /// The same headers, appended to `list` (the proxy's upstream list, sized for them beforehand).
    public static func append(_ identity: Identity, names: IdentityHeaderNames, to list: inout HeaderList) {
        list.append((name: names.user, value: identity.account))
        if !identity.groups.isEmpty { list.append((name: names.groups, value: identity.groupsHeader)) }
        if !identity.roles.isEmpty { list.append((name: names.roles, value: identity.rolesHeader)) }
        list.append((name: names.tokenID, value: identity.tokenID))
    }

    /// The same headers, appended to the proxy's upstream block (sized for them beforehand).
    public static func append(_ identity: Identity, names: IdentityHeaderNames, to block: inout HeaderBlock) {
        block.append(name: names.user, value: identity.account)
        if !identity.groups.isEmpty { block.append(name: names.groups, value: identity.groupsHeader) }
        if !identity.roles.isEmpty { block.append(name: names.roles, value: identity.rolesHeader) }
        block.append(name: names.tokenID, value: identity.tokenID)
    }

    /// How many headers `append` adds at most.
    public static let maxCount = 4
}
