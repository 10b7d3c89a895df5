import Foundation
import XCTest

/// The admin listener (SPEC §7), the access log and stderr lines (SPEC §10) as an operator consumes them.
final class AdminTests: XCTestCase {
    var stack: Stack!

    override func setUpWithError() throws { stack = try Stack() }
    override func tearDown() { stack.stop() }

    private func get(_ port: Int, _ path: String, _ args: [String] = []) throws -> (code: String, body: String) {
        let r = try shell(["curl", "-s", "-w", "\n%{http_code}"] + args + ["http://127.0.0.1:\(port)\(path)"])
        let lines = r.out.split(separator: "\n", omittingEmptySubsequences: false)
        return (String(lines.last ?? ""), lines.dropLast().joined(separator: "\n"))
    }

    struct Sample {
        var name: String
        var labels: [String: String]
        var value: Double
    }

    /// Scrapes /metrics and parses it with prometheus_client's parser (fails the test on a parse error).
    private func scrape() throws -> (types: [String: String], samples: [Sample]) {
        let (code, text) = try get(stack.adminPort, "/metrics")
        XCTAssertEqual(code, "200")
        let parsed = try shell(["python3", Paths.promParser], stdin: Data((text + "\n").utf8))
        XCTAssertEqual(parsed.code, 0, "Prometheus parser refused the exposition: \(parsed.err)\n\(text)")
        let json = try JSONSerialization.jsonObject(with: Data(parsed.out.utf8)) as? [String: Any] ?? [:]
        let types = json["types"] as? [String: String] ?? [:]
        let samples = (json["samples"] as? [[String: Any]] ?? []).map {
            Sample(name: $0["name"] as? String ?? "", labels: $0["labels"] as? [String: String] ?? [:],
                   value: ($0["value"] as? NSNumber)?.doubleValue ?? .nan)
        }
        return (types, samples)
    }

    private func value(_ samples: [Sample], _ name: String, _ labels: [String: String] = [:]) -> Double? {
        samples.first { sample in sample.name == name && labels.allSatisfy { sample.labels[$0.key] == $0.value } }?
            .value
    }

    private let adminRoutes = """
          - path: /public
            public: true
          - path: /api
            name: api
            roles: [reader]
          - path: /admin
            roles: [admin]
        """

    func testProbesAndMetricsMoveWithTraffic() throws {
        try stack.writeReaderAccounts()
        // A second token with an expiry, for the expiry gauge.
        var accounts = try String(contentsOf: stack.dir.appendingPathComponent("accounts.yaml"), encoding: .utf8)
        accounts += "\n      - id: ci-2\n        hash: \"\(AuthTests.sha("tg_ci_two"))\"\n"
            + "        expires: 2031-05-01T00:00:00Z\n"
        try accounts.write(to: stack.dir.appendingPathComponent("accounts.yaml"), atomically: true, encoding: .utf8)
        try stack.startProxy(upstreamPort: try stack.startEcho(), extra: "admin_listen: \"127.0.0.1:0\"",
                             routes: adminRoutes)
        XCTAssertEqual(try get(stack.adminPort, "/healthz").code, "200")
        XCTAssertEqual(try get(stack.adminPort, "/readyz").code, "200")
        XCTAssertEqual(try get(stack.adminPort, "/nope").code, "404")
        XCTAssertEqual(try get(stack.adminPort, "/healthz", ["-X", "POST"]).code, "405")
        // The admin port never proxies, and the proxy port never answers admin paths itself.
        XCTAssertEqual(try get(stack.adminPort, "/api/x", ["-H", "Authorization: Bearer tg_ci"]).code, "404")
        XCTAssertEqual(try get(stack.proxyPort, "/metrics").code, "403")

        let before = try scrape()
        XCTAssertEqual(before.types["tollgate_requests"], "counter")
        XCTAssertEqual(before.types["tollgate_request_duration_seconds"], "histogram")
        XCTAssertEqual(value(before.samples, "tollgate_accounts"), 1)
        XCTAssertEqual(value(before.samples, "tollgate_tokens"), 2)
        XCTAssertEqual(value(before.samples, "tollgate_accounts_generation"), 1)
        XCTAssertEqual(value(before.samples, "tollgate_token_expiry_timestamp_seconds",
                             ["account": "ci-bot", "token": "ci-2"]),
                       ISO8601DateFormatter().date(from: "2031-05-01T00:00:00Z")!.timeIntervalSince1970)
        XCTAssertNil(value(before.samples, "tollgate_token_expiry_timestamp_seconds", ["token": "ci-1"]),
                     "a token that never expires has no expiry series")
        XCTAssertEqual(value(before.samples, "tollgate_auth_failures_total", ["reason": "unknown"]), 0)
        XCTAssertGreaterThan(value(before.samples, "tollgate_last_reload_success_timestamp_seconds") ?? 0, 1.7e9)

        for _ in 0..<3 { XCTAssertEqual(try get(stack.proxyPort, "/api/a", ["-H", "Authorization: Bearer tg_ci"]).code, "200") }
        XCTAssertEqual(try get(stack.proxyPort, "/api/a", ["-H", "Authorization: Bearer wrong"]).code, "401")
        XCTAssertEqual(try get(stack.proxyPort, "/api/a").code, "401")
        XCTAssertEqual(try get(stack.proxyPort, "/admin", ["-H", "Authorization: Bearer tg_ci"]).code, "403")
        XCTAssertEqual(try get(stack.proxyPort, "/elsewhere/\(UUID().uuidString)").code, "403")
        XCTAssertEqual(try get(stack.proxyPort, "/public", ["-X", "PROPFIND"]).code, "200")
        XCTAssertEqual(try get(stack.proxyPort, "/%2e%2e/x").code, "400")

        let after = try scrape()
        let s = after.samples
        let requests = "tollgate_requests_total"
        XCTAssertEqual(value(s, requests, ["route": "api", "method": "GET", "code": "200", "decision": "allow"]), 3)
        XCTAssertEqual(value(s, requests, ["route": "api", "code": "401", "decision": "unauthenticated"]), 2)
        XCTAssertEqual(value(s, requests, ["route": "/admin", "code": "403", "decision": "forbidden"]), 1)
        XCTAssertEqual(value(s, requests, ["route": "none", "code": "403", "decision": "forbidden"]), 2,
                       "no route matched (/metrics and /elsewhere/…): route=\"none\", never the raw path")
        XCTAssertEqual(value(s, requests, ["route": "/public", "method": "OTHER", "decision": "public"]), 1,
                       "an unregistered method is counted as OTHER")
        XCTAssertEqual(value(s, requests, ["route": "none", "code": "400", "decision": "bad_request"]), 1)
        XCTAssertFalse(s.contains { $0.labels["route"]?.contains("elsewhere") == true }, "raw paths never become labels")
        XCTAssertEqual(value(s, "tollgate_auth_failures_total", ["reason": "unknown"]), 1)
        XCTAssertEqual(value(s, "tollgate_auth_failures_total", ["reason": "missing"]), 1)
        XCTAssertEqual(value(s, "tollgate_request_duration_seconds_count", ["route": "api"]), 5)
        XCTAssertEqual(value(s, "tollgate_upstream_duration_seconds_count", ["route": "api"]), 3)
        XCTAssertEqual(value(s, "tollgate_request_duration_seconds_bucket", ["route": "api", "le": "+Inf"]), 5)
        XCTAssertNotNil(value(s, "tollgate_open_connections"))

        // A token added to the file moves the gauges and the generation; a bad file counts an error.
        accounts += "      - id: ci-3\n        hash: \"\(AuthTests.sha("tg_three"))\"\n        expires: never\n"
        try accounts.write(to: stack.dir.appendingPathComponent("accounts.yaml"), atomically: true, encoding: .utf8)
        stack.proxy.signal(SIGHUP)
        try waitFor { self.value(try self.scrape().samples, "tollgate_tokens") == 3 }
        let reloaded = try scrape().samples
        XCTAssertGreaterThan(value(reloaded, "tollgate_accounts_generation") ?? 0, 1)
        XCTAssertGreaterThanOrEqual(value(reloaded, "tollgate_reloads_total", ["result": "success"]) ?? 0, 1)
        try "accounts: [oops\n".write(to: stack.dir.appendingPathComponent("accounts.yaml"), atomically: true,
                                      encoding: .utf8)
        stack.proxy.signal(SIGHUP)
        try waitFor { (self.value(try self.scrape().samples, "tollgate_reloads_total", ["result": "error"]) ?? 0) >= 1 }
        XCTAssertEqual(value(try scrape().samples, "tollgate_tokens"), 3, "the table in force is kept")
    }

    func testReadyzWaitsForTheAccountsFileAndDenies() throws {
        try stack.startProxy(upstreamPort: try stack.startEcho(),
                             extra: "admin_listen: \"127.0.0.1:0\"\nsync_interval: 200ms", routes: adminRoutes,
                             createAccounts: false)
        XCTAssertEqual(try get(stack.adminPort, "/healthz").code, "200")
        XCTAssertEqual(try get(stack.adminPort, "/readyz").code, "503")
        XCTAssertEqual(try get(stack.proxyPort, "/api/a", ["-H", "Authorization: Bearer tg_ci"]).code, "401",
                       "without a table every credential is unknown")
        XCTAssertEqual(try get(stack.proxyPort, "/public").code, "200")
        try stack.writeReaderAccounts()
        try waitFor { try self.get(self.stack.adminPort, "/readyz").code == "200" }
        XCTAssertEqual(try get(stack.proxyPort, "/api/a", ["-H", "Authorization: Bearer tg_ci"]).code, "200")
    }

    func testSigtermDrainsAThreeSecondRequestWhileReadyzSays503() throws {
        try stack.startProxy(upstreamPort: try stack.startFixture(), extra: "admin_listen: \"127.0.0.1:0\"")
        let busy = try RawClient(port: stack.proxyPort, timeout: 10)
        busy.send("GET /slow?ms=3000 HTTP/1.1\r\nHost: a\r\n\r\n")
        usleep(300_000)
        stack.proxy.signal(SIGTERM)
        try waitFor { try self.get(self.stack.adminPort, "/readyz").code == "503" }
        XCTAssertEqual(try get(stack.adminPort, "/healthz").code, "200", "alive while draining")
        let answer = busy.readResponses(1).first ?? ""
        XCTAssertEqual(answer.statusCode, 200, "the 3-second request finishes during the drain")
        let deadline = Date().addingTimeInterval(5)
        while stack.proxy.process.isRunning && Date() < deadline { usleep(50_000) }
        XCTAssertFalse(stack.proxy.process.isRunning)
        XCTAssertEqual(stack.proxy.process.terminationStatus, 0)
        XCTAssertTrue(stack.proxy.stderr.contains("\"event\":\"drain\""), stack.proxy.stderr)
        XCTAssertTrue(stack.proxy.stdout.contains("\"path\":\"/slow\""), "the drained request is logged before exit")
    }

    func testDrainTimeoutClosesWhatIsLeftAndSaysHowMany() throws {
        try stack.startProxy(upstreamPort: try stack.startFixture(), limits: "drain_timeout: 500ms")
        let busy = try RawClient(port: stack.proxyPort, timeout: 10)
        busy.send("GET /slow?ms=5000 HTTP/1.1\r\nHost: a\r\n\r\n")
        usleep(300_000)
        stack.proxy.signal(SIGTERM)
        let deadline = Date().addingTimeInterval(4)
        while stack.proxy.process.isRunning && Date() < deadline { usleep(50_000) }
        XCTAssertFalse(stack.proxy.process.isRunning)
        XCTAssertEqual(stack.proxy.process.terminationStatus, 0)
        XCTAssertTrue(stack.proxy.stderr.contains("\"closed\":\"1\""), stack.proxy.stderr)
    }

    /// SPEC §10: every stdout line is one JSON object with exactly the documented fields; no line on either
    /// stream carries a secret; stderr lines are JSON too.
    func testEveryLogLineParsesAndNoneCarriesASecret() throws {
        try stack.writeReaderAccounts()
        try stack.startProxy(upstreamPort: try stack.startEcho(), extra: "api_key_header: X-Api-Key",
                             routes: adminRoutes)
        let secrets = ["tg_ci", "Y2ktYm90OnRnX2Np", "wrong-secret-123", "apikey-secret-456"]
        _ = try get(stack.proxyPort, "/api/a", ["-H", "Authorization: Bearer tg_ci"])
        _ = try get(stack.proxyPort, "/api/a", ["-u", "ci-bot:tg_ci"])
        _ = try get(stack.proxyPort, "/api/a", ["-H", "Authorization: Bearer wrong-secret-123"])
        _ = try get(stack.proxyPort, "/api/a", ["-H", "X-Api-Key: apikey-secret-456"])
        _ = try get(stack.proxyPort, "/api/a?token=tg_ci", ["-H", "Authorization: Bearer tg_ci"])
        _ = try get(stack.proxyPort, "/public/%zz")
        let raw = try RawClient(port: stack.proxyPort)
        raw.send("GET /api HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer tg_ci\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n")
        _ = raw.readAll()
        stack.proxy.signal(SIGTERM)
        let deadline = Date().addingTimeInterval(5)
        while stack.proxy.process.isRunning && Date() < deadline { usleep(50_000) }

        let fields: Set = ["ts", "request_id", "client", "method", "path", "route", "account", "token_id",
                           "decision", "status", "bytes_out", "duration_ms", "upstream_ms"]
        let lines = stack.proxy.stdout.split(separator: "\n")
        XCTAssertEqual(lines.count, 7)
        for line in lines {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            XCTAssertEqual(Set(object?.keys.map { $0 } ?? []), fields, String(line))
            let ts = object?["ts"] as? String ?? ""
            XCTAssertNotNil(ts.range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$"#, options: .regularExpression), ts)
        }
        for line in stack.proxy.stderr.split(separator: "\n") {
            let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            XCTAssertNotNil(object?["msg"], "stderr line is not a JSON log object: \(line)")
        }
        for secret in secrets {
            XCTAssertFalse(stack.proxy.stdout.contains(secret), "stdout carries \(secret)")
            XCTAssertFalse(stack.proxy.stderr.contains(secret), "stderr carries \(secret)")
        }
        XCTAssertFalse(stack.proxy.stdout.contains("sha256:"))
    }

    /// `log.access: false` turns the access log off (and a reload turns it back on).
    func testAccessLogCanBeTurnedOff() throws {
        try stack.startProxy(upstreamPort: try stack.startEcho(), extra: "log:\n  access: false")
        XCTAssertEqual(try get(stack.proxyPort, "/x").code, "200")
        usleep(200_000)
        XCTAssertEqual(stack.proxy.stdout, "")
    }

    private func waitFor(_ timeout: Double = 8, _ condition: () throws -> Bool) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try condition() { return }
            usleep(100_000)
        }
        XCTFail("condition not met within \(timeout)s")
    }
}
