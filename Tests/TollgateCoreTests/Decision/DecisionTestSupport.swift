import Foundation
import Testing

@testable import TollgateCore

/// The fixed configuration every decision test is judged against: SPEC §2's example routes plus a `GET`-only
/// route and a `roles_all` route, and a small accounts table with sha256 tokens.
enum DecisionFixture {
    static let routes = RoutePolicy(routes: [
        Route(match: .prefix("/healthz"), name: "health", isPublic: true),
        Route(match: .prefix("/admin"), roles: ["admin"]),
        Route(match: .prefix("/api/v1/deploy"), name: "deploy", methods: ["POST"], roles: ["deployer", "admin"]),
        Route(match: .prefix("/api"), roles: ["reader", "writer"]),
        Route(match: .prefix("/reports"), name: "reports", methods: ["GET"], roles: ["reader"]),
        Route(match: .prefix("/ops"), name: "ops", rolesAll: ["ops", "auditor"]),
        Route(match: .exact("/"), name: "root", roles: ["reader"]),
    ])

    static let accounts = AccountsFile(
        groups: [
            GroupRecord(name: "readers", roles: ["reader"]),
            GroupRecord(name: "deployers", roles: ["writer", "deployer"]),
            GroupRecord(name: "ops-team", roles: ["ops"]),
            GroupRecord(name: "auditors", roles: ["auditor"]),
        ],
        accounts: [
            AccountRecord(name: "alice", roles: ["admin"], tokens: [sha256Token("alice-1", secret: "tok-alice")]),
            AccountRecord(name: "bob", groups: ["readers"], tokens: [sha256Token("bob-1", secret: "tok-bob")]),
            AccountRecord(name: "carol", groups: ["deployers"], tokens: [sha256Token("carol-1", secret: "tok-carol")]),
            AccountRecord(
                name: "dave", groups: ["ops-team", "auditors"], tokens: [sha256Token("dave-1", secret: "tok-dave")]),
            AccountRecord(name: "erin", groups: ["ops-team"], tokens: [sha256Token("erin-1", secret: "tok-erin")]),
            AccountRecord(name: "wendy", roles: ["writer"], tokens: [sha256Token("wendy-1", secret: "tok-wendy")]),
            AccountRecord(
                name: "mallory", roles: ["admin"], disabled: true,
                tokens: [sha256Token("mallory-1", secret: "tok-mallory")]),
            AccountRecord(
                name: "frank", roles: ["admin"],
                tokens: [
                    sha256Token("old", secret: "tok-frank-old", expires: testNow.addingTimeInterval(-86400)),
                    sha256Token("new", secret: "tok-frank", expires: testNow.addingTimeInterval(86400)),
                ]),
        ])

    static let table = TokenTable(file: accounts, generation: 1)
    static let apiKeyHeader = "X-Api-Key"
    static let client = "203.0.113.7"

    /// A context with its own brake (`limit` failures per `window` seconds), at `testNow` and monotonic `clock`.
    static func context(
        brake: FailedAuthBrake = FailedAuthBrake(limit: 5, window: 60), clock: Double = 1000, now: Date = testNow,
        apiKeyHeader: String? = DecisionFixture.apiKeyHeader
    ) -> DecisionContext {
        DecisionContext(
            policy: routes, table: table, apiKeyHeader: apiKeyHeader, brake: brake, lastUse: nil, crypt: nil,
            now: now, monotonicNow: clock)
    }

    /// The input for `method target` presenting `credential`, from `client`.
    static func input(_ method: String, _ target: String, _ credential: Presented, client: String = client)
        -> DecisionInput
    {
        // Unrelated and forged headers ride along on every request: they must never change a decision.
        let headers: HeaderList = [(name: "Host", value: "example.test"), (name: "X-Forwarded-User", value: "alice")]
        return DecisionInput(method: method, target: target, headers: headers + credential.headers, client: client)
    }
}

/// How a test request presents its credential.
enum Presented: Sendable, CustomStringConvertible {
    case none
    case bearer(String)
    case basic(String, String)
    case apiKey(String)
    /// Header fields as given, for malformed and duplicated credentials.
    case raw([Field])

    /// One header field (a named struct, so the case stays Sendable and printable).
    struct Field: Sendable {
        var name: String
        var value: String
    }

    var headers: HeaderList {
        switch self {
        case .none: return []
        case .bearer(let token): return [(name: "Authorization", value: "Bearer " + token)]
        case .basic(let name, let token):
            let encoded = Data((name + ":" + token).utf8).base64EncodedString()
            return [(name: "Authorization", value: "Basic " + encoded)]
        case .apiKey(let token): return [(name: DecisionFixture.apiKeyHeader, value: token)]
        case .raw(let fields): return fields.map { (name: $0.name, value: $0.value) }
        }
    }

    var description: String {
        switch self {
        case .none: return "no credential"
        case .bearer(let token): return "Bearer \(token)"
        case .basic(let name, let token): return "Basic \(name):\(token)"
        case .apiKey(let token): return "api-key \(token)"
        case .raw(let fields): return fields.map { "\($0.name): \($0.value)" }.joined(separator: " + ")
        }
    }
}

/// A decision reduced to what a table row states: kind, route name, and the facts that shape the response.
enum Outcome: Sendable, Equatable, CustomStringConvertible {
    case badRequest
    case noRoute
    case publicRoute(String)
    case unauthenticated(String, AuthFailure, invalidToken: Bool)
    case rateLimited(String)
    case forbidden(String, account: String)
    case allow(String, account: String)

    init(_ decision: Decision) {
        switch decision {
        case .badRequest: self = .badRequest
        case .noRoute: self = .noRoute
        case .publicRoute(let route, _): self = .publicRoute(route.name)
        case .unauthenticated(let route, _, let reason, let invalidToken):
            self = .unauthenticated(route.name, reason, invalidToken: invalidToken)
        case .rateLimited(let route, _, _): self = .rateLimited(route.name)
        case .forbidden(let route, _, let identity): self = .forbidden(route.name, account: identity.account)
        case .allow(let route, _, let identity): self = .allow(route.name, account: identity.account)
        }
    }

    var description: String {
        switch self {
        case .badRequest: return "badRequest"
        case .noRoute: return "noRoute"
        case .publicRoute(let route): return "publicRoute(\(route))"
        case .unauthenticated(let route, let reason, let invalid):
            return "unauthenticated(\(route), \(reason), \(invalid))"
        case .rateLimited(let route): return "rateLimited(\(route))"
        case .forbidden(let route, let account): return "forbidden(\(route), \(account))"
        case .allow(let route, let account): return "allow(\(route), \(account))"
        }
    }
}
