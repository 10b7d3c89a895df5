/// What one request gets, decided by `DecisionEngine` in the order of SPEC section 5. Every case after
/// `badRequest` carries the normalised target: the one path that was matched, and the one forwarded.
public enum Decision: Sendable {
    /// 400: the method is not a token, or the request-target cannot be normalised safely.
    case badRequest
    /// 403: no route matched the normalised path and method (deny by default).
    case noRoute(NormalizedTarget)
    /// Forwarded without identity: the route is public.
    case publicRoute(Route, NormalizedTarget)
    /// 401; `invalidToken` when a bearer token was presented and rejected (`error="invalid_token"`).
    case unauthenticated(Route, NormalizedTarget, AuthFailure, invalidToken: Bool)
    /// 429 with `Retry-After: retryAfter` seconds: the client is over the failed-auth limit.
    case rateLimited(Route, NormalizedTarget, retryAfter: Int)
    /// 403: a valid credential whose roles do not satisfy the route.
    case forbidden(Route, NormalizedTarget, Identity)
    /// Forwarded with this identity.
    case allow(Route, NormalizedTarget, Identity)

    /// The route that matched, or nil for `badRequest` and `noRoute`.
    public var route: Route? {
        switch self {
        case .badRequest, .noRoute: return nil
        case .publicRoute(let route, _), .unauthenticated(let route, _, _, _), .rateLimited(let route, _, _),
            .forbidden(let route, _, _), .allow(let route, _, _):
            return route
        }
    }

    /// The normalised target the decision was made on, or nil for `badRequest`.
    public var target: NormalizedTarget? {
        switch self {
        case .badRequest: return nil
        case .noRoute(let target), .publicRoute(_, let target), .unauthenticated(_, let target, _, _),
            .rateLimited(_, let target, _), .forbidden(_, let target, _), .allow(_, let target, _):
            return target
        }
    }

    /// The authenticated identity, for `forbidden` and `allow` only.
    public var identity: Identity? {
        switch self {
        case .forbidden(_, _, let identity), .allow(_, _, let identity): return identity
        default: return nil
        }
    }
}
