/// How a route selects request paths.
public enum RouteMatch: Sendable, Equatable, Hashable {
    /// Segment-aware prefix: `/api` matches `/api`, `/api/`, `/api/x`, not `/apix`.
    case prefix(String)
    /// Exactly one path.
    case exact(String)

    /// The configured path text.
    public var value: String {
        switch self {
        case .prefix(let path), .exact(let path): return path
        }
    }
}

/// One row of `routes:`: what it matches and who may pass.
public struct Route: Sendable, Equatable {
    /// The paths the route selects.
    public var match: RouteMatch
    /// Label in metrics and logs; defaults to the path or exact value.
    public var name: String
    /// Upper-cased methods the route applies to; nil means all.
    public var methods: Set<String>?
    /// No credential needed.
    public var isPublic: Bool
    /// Any one of these roles grants access.
    public var roles: [String]
    /// All of these roles are needed.
    public var rolesAll: [String]
    /// Line of the route in the config file (0 when built in code).
    public var line: Int

    /// Creates a route; `name` defaults to the path or exact value.
    public init(
        match: RouteMatch,
        name: String? = nil,
        methods: Set<String>? = nil,
        isPublic: Bool = false,
        roles: [String] = [],
        rolesAll: [String] = [],
        line: Int = 0
    ) {
        self.match = match
        self.name = name ?? match.value
        self.methods = methods
        self.isPublic = isPublic
        self.roles = roles
        self.rolesAll = rolesAll
        self.line = line
    }
}

extension Route {
    /// True when an account holding `granted` may pass: public, or (any of `roles`, if listed) and all of `rolesAll`.
    ///
    /// A protected route that lists neither is never satisfied (deny by default; the loader rejects it anyway).
    public func isSatisfied(by granted: Set<String>) -> Bool { isSatisfied(holding: granted.contains) }

    /// The same for an identity's roles as they are kept (sorted, de-duplicated, a few): searched in place, so the
    /// per-request check builds no Set.
    public func isSatisfied(byRoles granted: [String]) -> Bool { isSatisfied(holding: granted.contains) }

    private func isSatisfied(holding has: (String) -> Bool) -> Bool {
        if isPublic { return true }
        if roles.isEmpty && rolesAll.isEmpty { return false }
        if !roles.isEmpty && !roles.contains(where: has) { return false }
        return rolesAll.allSatisfy(has)
    }
}
