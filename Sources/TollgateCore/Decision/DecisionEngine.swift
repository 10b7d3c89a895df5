/// The per-request decision of SPEC section 5, in its order: (1) method and path checks (400), (2) route match
/// (no match: 403), (3) a public route is forwarded, (4) authenticate (401, 429), (5) authorise (403).
///
/// Pure apart from the brake and last-use stores in the context, both thread-safe; callable from any thread.
/// The normalised target in the decision is the one the route was matched on and the one to forward.
public enum DecisionEngine {
    /// Judges `input` against `ctx`.
    public static func decide(_ input: DecisionInput, _ ctx: DecisionContext) -> Decision {
        // (1) What is matched is exactly what is forwarded; a method from a forward-auth header must be a token.
        guard isMethodToken(input.method), case .success(let target) = PathNormalizer.normalize(target: input.target)
        else { return .badRequest }
        // (2) Deny by default.
        guard let route = ctx.policy.match(path: target.path, method: input.method) else { return .noRoute(target) }
        // (3) No credential is read on a public route, and the brake is not consulted.
        if route.isPublic { return .publicRoute(route, target) }
        return authenticate(input, ctx, route: route, target: target)
    }

    /// Steps (4) and (5). The brake counts invalid (malformed, unknown, expired, disabled, wrong-account)
    /// credentials only; a request without one is neither checked nor counted. Once over the limit, any
    /// presented credential, valid or not, gets 429 before it is authenticated.
    private static func authenticate(
        _ input: DecisionInput, _ ctx: DecisionContext, route: Route, target: NormalizedTarget
    ) -> Decision {
        // Where the first of each is and how many there are: no array and no String per request (two of either
        // is malformed).
        let fields = input.fields
        var authorization = -1
        var authorizationCount = 0
        var apiKey = -1
        var apiKeyCount = 0
        for i in 0..<fields.count {
            if fields.name(i, equalsIgnoringCase: "authorization") {
                if authorizationCount == 0 { authorization = i }
                authorizationCount += 1
            } else if let key = ctx.apiKeyHeader, fields.name(i, equalsIgnoringCase: key) {
                if apiKeyCount == 0 { apiKey = i }
                apiKeyCount += 1
            }
        }
        let presented: CredentialParse
        switch (authorizationCount, apiKeyCount) {
        case (1, 0):
            presented = fields.withValue(authorization) {
                Credential.parse(authorizationBytes: $0, count: 1, apiKeyBytes: nil, count: 0)
            }
        case (0, 1):
            presented = fields.withValue(apiKey) {
                Credential.parse(authorizationBytes: nil, count: 0, apiKeyBytes: $0, count: 1)
            }
        default:
            presented = Credential.parse(authorizationBytes: nil, count: authorizationCount, apiKeyBytes: nil,
                                         count: apiKeyCount)
        }
        let credential: Credential
        switch presented {
        case .none:
            return .unauthenticated(route, target, .missing, invalidToken: false)
        case .malformed:
            if let wait = ctx.brake.check(input.client, now: ctx.monotonicNow) {
                return .rateLimited(route, target, retryAfter: wait)
            }
            ctx.brake.recordFailure(input.client, now: ctx.monotonicNow)
            let bearer = (0..<fields.count).contains { i in
                fields.name(i, equalsIgnoringCase: "authorization") && isBearer(fields.value(i))
            }
            return .unauthenticated(route, target, .malformed, invalidToken: bearer)
        case .credential(let parsed):
            credential = parsed
        }
        if let wait = ctx.brake.check(input.client, now: ctx.monotonicNow) {
            return .rateLimited(route, target, retryAfter: wait)
        }
        switch ctx.table.authenticate(credential, now: ctx.now, lastUse: ctx.lastUse, crypt: ctx.crypt,
                                      digests: ctx.digests) {
        case .failure(let reason):
            ctx.brake.recordFailure(input.client, now: ctx.monotonicNow)
            if case .bearer = credential { return .unauthenticated(route, target, reason, invalidToken: true) }
            return .unauthenticated(route, target, reason, invalidToken: false)
        case .success(let identity):
            return route.isSatisfied(byRoles: identity.roles)
                ? .allow(route, target, identity) : .forbidden(route, target, identity)
        }
    }

    /// An Authorization value whose scheme reads as Bearer, even if the rest is unusable.
    private static func isBearer(_ value: String) -> Bool {
        value.utf8.count >= 6 && value.prefix(6).lowercased() == "bearer"
    }

    /// Upper-case letters, `-` and `_`, 1-32 bytes: every method http-parser knows, and nothing a forward-auth
    /// header could use to smuggle another meaning.
    static func isMethodToken(_ method: String) -> Bool {
        !method.isEmpty && method.utf8.count <= 32
            && method.utf8.allSatisfy { ($0 >= 65 && $0 <= 90) || $0 == 45 || $0 == 95 }
    }
}
