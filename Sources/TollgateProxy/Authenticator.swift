import Foundation
import TollgateCore
import TollgateEventLoop

/// crypt(3) verification for the token table, through the event layer's libcrypt wrapper.
struct LibcryptVerifier: CryptVerifier {
    func verify(secret: [UInt8], hash: String) -> Bool { CryptHash.verify(secret: secret, hash: hash) }
}

/// Process-wide authentication state shared by every worker: the failed-auth brake and sliding-expiry
/// last-use times. Both are thread-safe; the token table itself comes from the request's snapshot.
final class AuthState: Sendable {
    let brake: FailedAuthBrake
    let lastUse = LastUseStore()
    let crypt = LibcryptVerifier()

    init(limit: Int, window: Double) {
        brake = FailedAuthBrake(limit: limit, window: window)
    }
}

/// The outcome of the authentication + authorisation steps for one request on a protected route.
enum AccessDecision {
    /// Forward with this identity.
    case allow(Identity)
    /// 401; `invalidToken` when a bearer token was presented and rejected.
    case unauthenticated(AuthFailure, invalidToken: Bool)
    /// 429 with Retry-After seconds.
    case rateLimited(retryAfter: Int)
    /// 403: valid credential, roles do not satisfy the route.
    case forbidden(Identity)
}

/// Authenticate → authorise for a protected route (SPEC §5 steps 4 and 5). Pure apart from the shared
/// brake and last-use stores; called on worker threads.
enum AccessControl {
    static func decide(head: HTTPRequestHead, route: Route, snapshot: ProxySnapshot, client: String,
                       auth: AuthState) -> AccessDecision {
        var authorization: [String] = []
        var apiKey: [String]? = snapshot.config.apiKeyHeader == nil ? nil : []
        for h in head.headers {
            if h.name.caseInsensitiveEquals("authorization") {
                authorization.append(h.value)
            } else if let key = snapshot.config.apiKeyHeader, h.name.caseInsensitiveEquals(key) {
                apiKey?.append(h.value)
            }
        }
        let parsed = Credential.parse(authorization: authorization, apiKey: apiKey)
        let credential: Credential
        switch parsed {
        case .none:
            // No credential: not counted by the brake (SPEC §5).
            return .unauthenticated(.missing, invalidToken: false)
        case .malformed:
            let now = Monotonic.now()
            if let wait = auth.brake.check(client, now: now) { return .rateLimited(retryAfter: wait) }
            auth.brake.recordFailure(client, now: now)
            return .unauthenticated(.malformed, invalidToken: authorization.contains { isBearer($0) })
        case .credential(let c):
            credential = c
        }
        let now = Monotonic.now()
        if let wait = auth.brake.check(client, now: now) { return .rateLimited(retryAfter: wait) }
        switch snapshot.table.authenticate(credential, now: Date(), lastUse: auth.lastUse, crypt: auth.crypt) {
        case .failure(let reason):
            auth.brake.recordFailure(client, now: now)
            if case .bearer = credential { return .unauthenticated(reason, invalidToken: true) }
            return .unauthenticated(reason, invalidToken: false)
        case .success(let identity):
            return route.isSatisfied(by: Set(identity.roles)) ? .allow(identity) : .forbidden(identity)
        }
    }

    private static func isBearer(_ value: String) -> Bool {
        value.utf8.count >= 6 && value.prefix(6).lowercased() == "bearer"
    }

    /// Identity headers (SPEC §6): values joined with "," (already sorted and de-duplicated); empty omitted.
    static func identityHeaders(_ identity: Identity, names: IdentityHeaderNames) -> HTTPHeaderList {
        var out: HTTPHeaderList = [(name: names.user, value: identity.account)]
        if !identity.groups.isEmpty { out.append((name: names.groups, value: identity.groups.joined(separator: ","))) }
        if !identity.roles.isEmpty { out.append((name: names.roles, value: identity.roles.joined(separator: ","))) }
        out.append((name: names.tokenID, value: identity.tokenID))
        return out
    }
}
