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
///
/// A class: built once per config load and shared by every request the route matches (a struct was copied with
/// its five fields into each decision and out of it).
public final class Route: Sendable, Equatable {
    /// The paths the route selects.
    public let match: RouteMatch
    /// Label in metrics and logs; defaults to the path or exact value.
    public let name: String
    /// Upper-cased methods the route applies to; nil means all.
    public let methods: Set<String>?
    /// No credential needed.
    public let isPublic: Bool
    /// Any one of these roles grants access.
    public let roles: [String]
    /// All of these roles are needed.
    public let rolesAll: [String]
    /// Line of the route in the config file (0 when built in code).
    public let line: Int

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

    /// Same match, name, methods, publicness, roles and line.
    public static func == (a: Route, b: Route) -> Bool {
        a.match == b.match && a.name == b.name && a.methods == b.methods && a.isPublic == b.isPublic
            && a.roles == b.roles && a.rolesAll == b.rolesAll && a.line == b.line
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
