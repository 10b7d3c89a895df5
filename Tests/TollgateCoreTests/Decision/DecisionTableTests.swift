import Testing

@testable import TollgateCore

/// One row: a request, what it presents, the decision it must get, and (when routed) the path it was judged on.
struct DecisionRow: Sendable, CustomTestStringConvertible {
    var method: String
    var target: String
    var credential: Presented
    var expected: Outcome
    var path: String?

    var testDescription: String { "\(method) \(target) [\(credential)] -> \(expected)" }
}

private func row(
    _ method: String, _ target: String, _ credential: Presented, _ expected: Outcome, path: String? = nil
) -> DecisionRow {
    DecisionRow(method: method, target: target, credential: credential, expected: expected, path: path)
}

private let alice = Presented.bearer("tok-alice")
private let bob = Presented.bearer("tok-bob")
private let carol = Presented.bearer("tok-carol")
private let none = Presented.none
private func field(_ name: String, _ value: String) -> Presented.Field { Presented.Field(name: name, value: value) }

/// Route matching and its bypasses (SECURITY-LESSONS "Route matching").
private let routingRows: [DecisionRow] = [
    // Public route, query never matched.
    row("GET", "/healthz", none, .publicRoute("health"), path: "/healthz"),
    row("GET", "/healthz/deep", none, .publicRoute("health"), path: "/healthz/deep"),
    row("GET", "/healthz?x=/admin", none, .publicRoute("health"), path: "/healthz"),
    row("GET", "/x?/healthz", none, .noRoute, path: "/x"),
    row("GET", "/healthzx", none, .noRoute, path: "/healthzx"),
    row("GET", "/healthz", .bearer("not-a-token"), .publicRoute("health")),
    row("GET", "/admin/../healthz", none, .publicRoute("health"), path: "/healthz"),
    row("GET", "/healthz/../admin", none, .unauthenticated("/admin", .missing, invalidToken: false), path: "/admin"),
    // Plain protected routes.
    row("GET", "/admin", alice, .allow("/admin", account: "alice"), path: "/admin"),
    row("GET", "/admin", bob, .forbidden("/admin", account: "bob")),
    row("GET", "/admin", none, .unauthenticated("/admin", .missing, invalidToken: false)),
    row("GET", "/admin/users", bob, .forbidden("/admin", account: "bob")),
    row("GET", "/admin/", alice, .allow("/admin", account: "alice"), path: "/admin/"),
    row("GET", "/admin/", bob, .forbidden("/admin", account: "bob"), path: "/admin/"),
    row("GET", "/administrator", alice, .noRoute),
    // Dot-segments, raw and encoded: resolved before matching.
    row("GET", "/api/../admin", bob, .forbidden("/admin", account: "bob"), path: "/admin"),
    row("GET", "/api/../admin", alice, .allow("/admin", account: "alice"), path: "/admin"),
    row("GET", "/api/%2e%2e/admin", bob, .forbidden("/admin", account: "bob"), path: "/admin"),
    row("GET", "/api/%2E%2e/admin", bob, .forbidden("/admin", account: "bob"), path: "/admin"),
    row("GET", "/api/.%2E/admin", none, .unauthenticated("/admin", .missing, invalidToken: false), path: "/admin"),
    row("GET", "/api/%2e/../admin", bob, .forbidden("/admin", account: "bob"), path: "/admin"),
    row("GET", "/./admin", bob, .forbidden("/admin", account: "bob"), path: "/admin"),
    row("GET", "/admin/../api", bob, .allow("/api", account: "bob"), path: "/api"),
    row("GET", "/../admin", alice, .badRequest),
    row("GET", "/api/../../admin", alice, .badRequest),
    row("GET", "/%2e%2e/admin", alice, .badRequest),
    // Encoded separators and NUL are refused, never decoded.
    row("GET", "/admin%2fx", alice, .badRequest),
    row("GET", "/api%2Fadmin", alice, .badRequest),
    row("GET", "/api%5cadmin", alice, .badRequest),
    row("GET", "/api%5C..%5Cadmin", alice, .badRequest),
    row("GET", "/api\\admin", alice, .badRequest),
    row("GET", "/admin%00", alice, .badRequest),
    row("GET", "/api%00/../admin", alice, .badRequest),
    row("GET", "/admin%zz", alice, .badRequest),
    // Empty segments merge.
    row("GET", "//admin", bob, .forbidden("/admin", account: "bob"), path: "/admin"),
    row("GET", "//admin", none, .unauthenticated("/admin", .missing, invalidToken: false), path: "/admin"),
    row("POST", "/api/v1//deploy", bob, .forbidden("deploy", account: "bob"), path: "/api/v1/deploy"),
    // `;` parameters are part of the segment; with dot-segments they are refused.
    row("GET", "/admin;x", alice, .noRoute, path: "/admin;x"),
    row("GET", "/admin;x", bob, .noRoute, path: "/admin;x"),
    row("GET", "/api;x/../admin", bob, .forbidden("/admin", account: "bob"), path: "/admin"),
    row("GET", "/public/..;/admin", alice, .badRequest),
    row("GET", "/api/..;/admin", alice, .badRequest),
    row("GET", "/api/..%3B/admin", alice, .badRequest),
    row("GET", "/admin%3bx", alice, .noRoute, path: "/admin%3Bx"),
    // Fragments are refused.
    row("GET", "/admin#x", alice, .badRequest),
    row("GET", "/api#/../admin", bob, .badRequest),
    row("GET", "/healthz#", none, .badRequest),
    // Case-sensitive paths; unreserved escapes decode first.
    row("GET", "/ADMIN", alice, .noRoute, path: "/ADMIN"),
    row("GET", "/Admin/users", alice, .noRoute),
    row("GET", "/%41DMIN", alice, .noRoute, path: "/ADMIN"),
    row("GET", "/%61dmin", alice, .allow("/admin", account: "alice"), path: "/admin"),
    row("GET", "/%61dmin", bob, .forbidden("/admin", account: "bob"), path: "/admin"),
    row("GET", "/admin/%e9", alice, .allow("/admin", account: "alice"), path: "/admin/%E9"),
    row("GET", "/adm%C3%A9", alice, .noRoute),
    // Segment-aware prefixes.
    row("GET", "/api", bob, .allow("/api", account: "bob"), path: "/api"),
    row("GET", "/api/", bob, .allow("/api", account: "bob"), path: "/api/"),
    row("GET", "/api/x/y", bob, .allow("/api", account: "bob")),
    row("GET", "/apix", bob, .noRoute, path: "/apix"),
    row("GET", "/api?x=%2f", bob, .allow("/api", account: "bob"), path: "/api"),
    // Method-filtered routes fall through; HEAD is not GET.
    row("GET", "/api/v1/deploy", bob, .allow("/api", account: "bob")),
    row("GET", "/api/v1/deploy", alice, .forbidden("/api", account: "alice")),
    row("PUT", "/api/v1/deploy", carol, .allow("/api", account: "carol")),
    row("POST", "/api/v1/deploy", bob, .forbidden("deploy", account: "bob")),
    row("POST", "/api/v1/deploy", carol, .allow("deploy", account: "carol")),
    row("POST", "/api/v1/deploy", alice, .allow("deploy", account: "alice")),
    row("POST", "/api/v1/deploy/", bob, .forbidden("deploy", account: "bob"), path: "/api/v1/deploy/"),
    row("POST", "/api/v1/deployx", bob, .allow("/api", account: "bob"), path: "/api/v1/deployx"),
    row("POST", "/api/v1/%64eploy", carol, .allow("deploy", account: "carol"), path: "/api/v1/deploy"),
    row("GET", "/reports", bob, .allow("reports", account: "bob")),
    row("HEAD", "/reports", bob, .noRoute),
    row("HEAD", "/api", bob, .allow("/api", account: "bob")),
    // Exact route.
    row("GET", "/", bob, .allow("root", account: "bob"), path: "/"),
    row("GET", "/", carol, .forbidden("root", account: "carol")),
    row("GET", "/x", bob, .noRoute),
    row("GET", "/.", bob, .allow("root", account: "bob"), path: "/"),
    row("GET", "/a/..", bob, .allow("root", account: "bob"), path: "/"),
    row("GET", "/?/admin", bob, .allow("root", account: "bob"), path: "/"),
    row("GET", "/?/admin", alice, .forbidden("root", account: "alice"), path: "/"),
    // Targets and methods that are not judged at all.
    row("GET", "*", alice, .badRequest),
    row("GET", "http://example.test/admin", alice, .badRequest),
    row("GET", "", alice, .badRequest),
    row("GET", "/admin x", alice, .badRequest),
    row("post", "/api/v1/deploy", carol, .badRequest),
    row("G ET", "/admin", alice, .badRequest),
    row("", "/admin", alice, .badRequest),
]

/// Roles, accounts and the three ways to present a token (SPEC §3, §4).
private let credentialRows: [DecisionRow] = [
    // Roles: direct, via groups, any-of and all-of.
    row("GET", "/api", .bearer("tok-wendy"), .allow("/api", account: "wendy")),
    row("GET", "/api", carol, .allow("/api", account: "carol")),
    row("GET", "/ops", .bearer("tok-dave"), .allow("ops", account: "dave")),
    row("GET", "/ops/x", .bearer("tok-erin"), .forbidden("ops", account: "erin")),
    row("GET", "/ops", alice, .forbidden("ops", account: "alice")),
    // Basic, Bearer and the api-key header.
    row("GET", "/admin", .basic("alice", "tok-alice"), .allow("/admin", account: "alice")),
    row("GET", "/admin", .basic("bob", "tok-alice"), .unauthenticated("/admin", .wrongAccount, invalidToken: false)),
    row("GET", "/admin", .basic("nobody", "tok-x"), .unauthenticated("/admin", .unknown, invalidToken: false)),
    row("GET", "/api", .apiKey("tok-bob"), .allow("/api", account: "bob")),
    row("GET", "/api", .apiKey("tok-nope"), .unauthenticated("/api", .unknown, invalidToken: true)),
    row("GET", "/api", .raw([field("x-api-key", "tok-bob")]), .allow("/api", account: "bob")),
    row("GET", "/api", .raw([field("authorization", "bearer tok-bob")]), .allow("/api", account: "bob")),
    row("GET", "/api", .raw([field("AUTHORIZATION", "BASIC Ym9iOnRvay1ib2I=")]), .allow("/api", account: "bob")),
    // Unknown, disabled, expired.
    row("GET", "/admin", .bearer("tok-unknown"), .unauthenticated("/admin", .unknown, invalidToken: true)),
    row("GET", "/admin", .bearer("tok-mallory"), .unauthenticated("/admin", .disabled, invalidToken: true)),
    row("GET", "/admin", .basic("mallory", "tok-mallory"), .unauthenticated("/admin", .disabled, invalidToken: false)),
    row("GET", "/admin", .bearer("tok-frank-old"), .unauthenticated("/admin", .expired, invalidToken: true)),
    row("GET", "/admin", .basic("frank", "tok-frank-old"), .unauthenticated("/admin", .expired, invalidToken: false)),
    row("GET", "/admin", .bearer("tok-frank"), .allow("/admin", account: "frank")),
    // Malformed: counted as invalid; `invalid_token` only when the scheme reads as Bearer.
    row(
        "GET", "/admin", .raw([field("Authorization", "Digest abc")]),
        .unauthenticated("/admin", .malformed, invalidToken: false)),
    row(
        "GET", "/admin", .raw([field("Authorization", "Bearer")]),
        .unauthenticated("/admin", .malformed, invalidToken: true)),
    row(
        "GET", "/admin", .raw([field("Authorization", "Bearer tok alice")]),
        .unauthenticated("/admin", .malformed, invalidToken: true)),
    row(
        "GET", "/admin", .raw([field("Authorization", "Basic !!!")]),
        .unauthenticated("/admin", .malformed, invalidToken: false)),
    row(
        "GET", "/admin", .raw([field("Authorization", "Basic YWxpY2U=")]),
        .unauthenticated("/admin", .malformed, invalidToken: false)),
    row(
        "GET", "/admin",
        .raw([field("Authorization", "Bearer tok-alice"), field("Authorization", "Bearer tok-alice")]),
        .unauthenticated("/admin", .malformed, invalidToken: true)),
    row(
        "GET", "/admin", .raw([field("Authorization", "Bearer tok-alice"), field("X-Api-Key", "tok-alice")]),
        .unauthenticated("/admin", .malformed, invalidToken: true)),
    row(
        "GET", "/api", .raw([field("X-Api-Key", "tok bob")]),
        .unauthenticated("/api", .malformed, invalidToken: false)),
    row(
        "GET", "/api", .raw([field("X-Api-Key", "tok-bob"), field("x-api-key", "tok-bob")]),
        .unauthenticated("/api", .malformed, invalidToken: false)),
    // Look-alike headers are not credentials.
    row(
        "GET", "/admin", .raw([field("Proxy-Authorization", "Bearer tok-alice")]),
        .unauthenticated("/admin", .missing, invalidToken: false)),
    row(
        "GET", "/admin", .raw([field("X_Api_Key", "tok-alice")]),
        .unauthenticated("/admin", .missing, invalidToken: false)),
]

@Suite("DecisionEngine table")
struct DecisionTableTests {
    @Test("routing and bypasses", arguments: routingRows)
    func routing(_ row: DecisionRow) {
        check(row)
    }

    @Test("credentials and roles", arguments: credentialRows)
    func credentials(_ row: DecisionRow) {
        check(row)
    }

    private func check(_ row: DecisionRow) {
        let decision = DecisionEngine.decide(
            DecisionFixture.input(row.method, row.target, row.credential), DecisionFixture.context())
        #expect(Outcome(decision) == row.expected)
        if let path = row.path { #expect(decision.target?.path == path) }
        // Every routed decision carries the normaliser's own output for the target, query included.
        if let target = decision.target { #expect(PathNormalizer.normalize(target: row.target) == .success(target)) }
    }

    @Test("the table is large enough to mean something")
    func size() {
        #expect(routingRows.count + credentialRows.count >= 60)
    }
}
