import Foundation
import XCTest

/// Identity headers cannot be forged, and `trusted_proxies` decides whose X-Forwarded-* is believed (SPEC §2, §6).
final class IdentityHeaderTests: XCTestCase {
    var stack: Stack!

    override func tearDown() { stack?.stop() }

    func start(trusted: String = "[]") throws {
        stack = try Stack()
        try stack.writeReaderAccounts()
        try stack.startProxy(upstreamPort: try stack.startEcho(), extra: "trusted_proxies: \(trusted)", routes: """
              - path: /public
                public: true
              - path: /api
                roles: [reader]
            """)
    }

    /// Sends raw bytes and returns the upstream's view of the headers as (name, value) pairs.
    func upstreamHeaders(_ raw: String) throws -> (status: Int, headers: [(String, String)]) {
        let c = try RawClient(port: stack.proxyPort)
        c.send(raw)
        let r = c.readResponses(1).first ?? ""
        let obj = (try? JSONSerialization.jsonObject(with: Data(r.body.utf8))) as? [String: Any] ?? [:]
        return (r.statusCode, (obj["headers"] as? [[String]] ?? []).map { ($0[0], $0[1]) })
    }

    let spoofs = "X-Forwarded-User: root\r\nx-forwarded-user: root\r\nX_Forwarded_User: root\r\n"
        + "X-Forwarded-Roles: admin\r\nX_FORWARDED_GROUPS: admins\r\nX-Forwarded-Token-Id: forged\r\n"

    /// A route's `methods:` authorise the request method; an override header would let a framework upstream run
    /// another one (found by the smuggling suite's review: GET allowed, executed as DELETE).
    func testMethodOverrideHeadersNeverReachTheUpstream() throws {
        try start()
        let overrides = "X-HTTP-Method-Override: DELETE\r\nx-http-method: DELETE\r\nX_Method_Override: PUT\r\n"
        for (target, auth) in [("/public/x", ""), ("/api/x", "Authorization: Bearer tg_ci\r\n")] {
            let r = try upstreamHeaders("GET \(target) HTTP/1.1\r\nHost: a\r\n\(auth)\(overrides)X-Other: kept\r\n\r\n")
            XCTAssertEqual(r.status, 200, target)
            let names = r.headers.map { $0.0.lowercased().replacingOccurrences(of: "_", with: "-") }
            XCTAssertFalse(names.contains { $0.contains("method") }, "\(target): \(r.headers)")
            XCTAssertTrue(names.contains("x-other"), "\(target): \(r.headers)")
        }
    }

    func testSpoofedIdentityNeverReachesTheUpstream() throws {
        try start()
        for (target, auth) in [("/public/x", ""), ("/api/x", "Authorization: Bearer tg_ci\r\n")] {
            let r = try upstreamHeaders("GET \(target) HTTP/1.1\r\nHost: a\r\n\(auth)\(spoofs)\r\n")
            XCTAssertEqual(r.status, 200, target)
            let identity = r.headers.filter {
                let n = $0.0.lowercased().replacingOccurrences(of: "_", with: "-")
                return n.hasPrefix("x-forwarded-user") || n.hasPrefix("x-forwarded-roles")
                    || n.hasPrefix("x-forwarded-groups") || n.hasPrefix("x-forwarded-token-id")
            }
            if auth.isEmpty {
                XCTAssertTrue(identity.isEmpty, "public route leaked \(identity)")
            } else {
                XCTAssertEqual(identity.map { "\($0.0): \($0.1)" }.sorted(), [
                    "X-Forwarded-Groups: readers", "X-Forwarded-Roles: reader", "X-Forwarded-Token-Id: ci-1",
                    "X-Forwarded-User: ci-bot",
                ])
            }
            XCTAssertFalse(r.headers.contains { $0.0.lowercased() == "authorization" })
        }
    }

    func testConnectionHeaderCannotRemoveTollgatesOwnHeaders() throws {
        try start()
        let r = try upstreamHeaders("GET /api/x HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer tg_ci\r\n"
            + "Connection: X-Forwarded-User, X-Forwarded-Roles, X-Forwarded-For, X-Request-Id\r\n\r\n")
        XCTAssertEqual(r.status, 200)
        let names = Set(r.headers.map { $0.0 })
        for n in ["X-Forwarded-User", "X-Forwarded-Roles", "X-Forwarded-For", "X-Request-Id"] {
            XCTAssertTrue(names.contains(n), "\(n) was dropped")
        }
    }

    func testUntrustedPeersForwardedForIsReplaced() throws {
        try start()
        let r = try upstreamHeaders("GET /public HTTP/1.1\r\nHost: a\r\nX-Forwarded-For: 203.0.113.9\r\n"
            + "X-Forwarded-Proto: https\r\nX-Forwarded-Host: evil\r\n\r\n")
        let h = Dictionary(r.headers, uniquingKeysWith: { a, _ in a })
        XCTAssertEqual(h["X-Forwarded-For"], "127.0.0.1")
        XCTAssertEqual(h["X-Forwarded-Proto"], "http")
        XCTAssertEqual(h["X-Forwarded-Host"], "a")
    }

    func testTrustedPeersForwardedForIsAppendedAndNamesTheClient() throws {
        try start(trusted: "[\"127.0.0.1/32\"]")
        let r = try upstreamHeaders("GET /public HTTP/1.1\r\nHost: a\r\nX-Forwarded-For: 203.0.113.9\r\n"
            + "X-Forwarded-Proto: https\r\n\r\n")
        let h = Dictionary(r.headers, uniquingKeysWith: { a, _ in a })
        XCTAssertEqual(h["X-Forwarded-For"], "203.0.113.9, 127.0.0.1")
        XCTAssertEqual(h["X-Forwarded-Proto"], "https")
        usleep(100_000)
        XCTAssertTrue(stack.proxy.stdout.contains("\"client\":\"203.0.113.9\""), stack.proxy.stdout)
    }

    /// Each worker makes an identity's header lines once and reuses them: another account on the same keep-alive
    /// connection gets its own, and a reload that renames the identity headers is followed at once.
    func testIdentityHeadersFollowTheAccountAndAReload() throws {
        stack = try Stack()
        try stack.writeReaderAccounts()  // ci-bot, in group readers; and a second account with a direct role:
        let path = stack.dir.appendingPathComponent("accounts.yaml")
        let opsBot = """

              - name: ops-bot
                roles: [reader]
                tokens:
                  - { id: ops-1, hash: "\(AuthTests.sha("tg_ops"))", expires: never }
            """
        try (String(contentsOf: path, encoding: .utf8) + opsBot).write(to: path, atomically: true, encoding: .utf8)
        let routes = "  - path: /api\n    roles: [reader]"
        try stack.startProxy(upstreamPort: try stack.startEcho(), routes: routes)
        func identity(_ headers: [(String, String)]) -> [String] {
            headers.filter { $0.0.lowercased().hasPrefix("x-forwarded-") || $0.0.lowercased().hasPrefix("x-auth-") }
                .filter { !["x-forwarded-for", "x-forwarded-proto", "x-forwarded-host"].contains($0.0.lowercased()) }
                .map { "\($0.0): \($0.1)" }
        }
        func bodies(_ responses: [String]) -> [[(String, String)]] {
            responses.map { r in
                let obj = (try? JSONSerialization.jsonObject(with: Data(r.body.utf8))) as? [String: Any] ?? [:]
                return (obj["headers"] as? [[String]] ?? []).map { ($0[0], $0[1]) }
            }
        }
        let c = try RawClient(port: stack.proxyPort)
        for token in ["tg_ci", "tg_ops", "tg_ci"] {
            c.send("GET /api/x HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer \(token)\r\n\r\n")
        }
        let seen = bodies(c.readResponses(3)).map(identity)
        XCTAssertEqual(seen, [
            ["X-Forwarded-User: ci-bot", "X-Forwarded-Groups: readers", "X-Forwarded-Roles: reader",
             "X-Forwarded-Token-Id: ci-1"],
            ["X-Forwarded-User: ops-bot", "X-Forwarded-Roles: reader", "X-Forwarded-Token-Id: ops-1"],
            ["X-Forwarded-User: ci-bot", "X-Forwarded-Groups: readers", "X-Forwarded-Roles: reader",
             "X-Forwarded-Token-Id: ci-1"],
        ])
        let configPath = stack.dir.appendingPathComponent("tollgate.yaml")
        let config = try String(contentsOf: configPath, encoding: .utf8)
        try config.replacingOccurrences(of: "routes:\n", with: """
            identity_headers:
              user: X-Auth-User
              groups: X-Auth-Groups
              roles: X-Auth-Roles
              token_id: X-Auth-Token-Id
            routes:

            """).write(to: configPath, atomically: true, encoding: .utf8)
        stack.proxy.signal(SIGHUP)
        usleep(400_000)
        // The same connection: the worker's remembered lines belong to the old configuration.
        c.send("GET /api/x HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer tg_ci\r\n\r\n")
        XCTAssertEqual(bodies(c.readResponses(1)).map(identity), [
            ["X-Auth-User: ci-bot", "X-Auth-Groups: readers", "X-Auth-Roles: reader", "X-Auth-Token-Id: ci-1"],
        ], stack.proxy.stderr)
    }
}
