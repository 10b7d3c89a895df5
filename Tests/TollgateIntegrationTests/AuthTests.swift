import Foundation
import XCTest

/// Service-account authentication through the real binary (SPEC §3, §4, §5, §8).
final class AuthTests: XCTestCase {
    var stack: Stack!
    let cryptHash = "$6$saltsalt$As4wrv0kZlfch1du9WeH7qhskyLriQWySXrZzynnvi46nFnNxjdpl6ksRegrrKexvhIa/Iny8S8uF3fVWTMuC1"

    static func sha(_ token: String) -> String {
        // Independent of tollgate's own SHA-256: coreutils computes the expected hash.
        let r = try? shell(["sh", "-c", "printf %s \"$0\" | sha256sum", token])
        return "sha256:" + String(r?.out.prefix(64) ?? "")
    }

    func accountsYAML(extraAccounts: String = "") -> String {
        """
        groups:
          bots: { roles: [reader] }
          admins: { roles: [admin] }
        accounts:
          - name: ci-bot
            groups: [bots]
            roles: [metrics-reader]
            tokens:
              - id: ci-1
                hash: "\(Self.sha("tg_ci"))"
                expires: 2999-01-01T00:00:00Z
          - name: ops
            groups: [admins, bots]
            tokens:
              - id: ops-1
                hash: "\(Self.sha("tg_ops"))"
                expires: never
          - name: off
            disabled: true
            groups: [bots]
            tokens:
              - id: off-1
                hash: "\(Self.sha("tg_off"))"
                expires: never
          - name: old
            groups: [bots]
            tokens:
              - id: old-1
                hash: "\(Self.sha("tg_old"))"
                expires: 2020-01-01T00:00:00Z
          - name: legacy
            groups: [bots]
            tokens:
              - id: htpasswd
                hash: "\(cryptHash)"
                expires: never
        \(extraAccounts)
        """
    }

    var accountsPath: URL { stack.dir.appendingPathComponent("accounts.yaml") }

    func start(sync: String = "300ms", failedAuth: String = "") throws {
        stack = try Stack()
        try accountsYAML().write(to: accountsPath, atomically: true, encoding: .utf8)
        try stack.startProxy(upstreamPort: try stack.startEcho(), extra: """
            sync_interval: \(sync)
            api_key_header: X-Api-Key
            \(failedAuth)
            """, routes: """
              - path: /healthz
                public: true
              - path: /admin
                roles: [admin]
              - path: /api
                roles: [reader]
            """)
    }

    override func tearDown() { stack?.stop() }

    /// (status, body, headers lower-cased) of a curl request with extra arguments.
    func get(_ path: String, _ args: [String] = []) throws -> (status: Int, body: String, headers: String) {
        let hdr = stack.dir.appendingPathComponent("h-\(UUID().uuidString)").path
        let r = try shell(["curl", "-s", "-D", hdr, "-w", "\n%{http_code}"] + args
                          + ["http://127.0.0.1:\(stack.proxyPort)\(path)"])
        let lines = r.out.split(separator: "\n", omittingEmptySubsequences: false)
        let headers = (try? String(contentsOfFile: hdr, encoding: .utf8)) ?? ""
        return (Int(lines.last ?? "") ?? 0, lines.dropLast().joined(separator: "\n"), headers.lowercased())
    }

    func upstreamHeader(_ body: String, _ name: String) -> String? {
        guard let obj = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any],
            let pairs = obj["headers"] as? [[String]]
        else { return nil }
        return pairs.first { $0[0].lowercased() == name.lowercased() }?[1]
    }

    func testBearerBasicAndApiKeyAreAcceptedWithIdentityHeaders() throws {
        try start()
        let bearer = try get("/api/x", ["-H", "Authorization: Bearer tg_ci", "-H", "X-Forwarded-User: root"])
        XCTAssertEqual(bearer.status, 200, bearer.body)
        XCTAssertEqual(upstreamHeader(bearer.body, "X-Forwarded-User"), "ci-bot")
        XCTAssertEqual(upstreamHeader(bearer.body, "X-Forwarded-Groups"), "bots")
        XCTAssertEqual(upstreamHeader(bearer.body, "X-Forwarded-Roles"), "metrics-reader,reader")
        XCTAssertEqual(upstreamHeader(bearer.body, "X-Forwarded-Token-Id"), "ci-1")
        XCTAssertNil(upstreamHeader(bearer.body, "Authorization"))
        let basic = try get("/api/x", ["-u", "ci-bot:tg_ci"])
        XCTAssertEqual(basic.status, 200)
        XCTAssertEqual(upstreamHeader(basic.body, "X-Forwarded-User"), "ci-bot")
        let key = try get("/api/x", ["-H", "X-Api-Key: tg_ops"])
        XCTAssertEqual(key.status, 200)
        XCTAssertEqual(upstreamHeader(key.body, "X-Forwarded-User"), "ops")
        XCTAssertEqual(upstreamHeader(key.body, "X-Forwarded-Roles"), "admin,reader")
        XCTAssertNil(upstreamHeader(key.body, "X-Api-Key"))
        let crypt = try get("/api/x", ["-u", "legacy:s3cret"])
        XCTAssertEqual(crypt.status, 200)
        XCTAssertEqual(upstreamHeader(crypt.body, "X-Forwarded-User"), "legacy")
    }

    func testEveryRejectedCredentialGetsTheSame401() throws {
        try start()
        let cases: [[String]] = [
            [],
            ["-H", "Authorization: Bearer tg_wrong"],
            ["-H", "Authorization: Bearer tg_off"],
            ["-H", "Authorization: Bearer tg_old"],
            ["-u", "ops:tg_ci"],
            ["-u", "nobody:tg_ci"],
            ["-u", "legacy:wrong"],
            ["-H", "Authorization: Basic !!!"],
            ["-H", "X-Api-Key: tg_wrong"],
        ]
        for args in cases {
            let r = try get("/api/x", args)
            XCTAssertEqual(r.status, 401, "\(args)")
            let shape = r.body.trimmingCharacters(in: .whitespacesAndNewlines)
                .replacingOccurrences(of: "[0-9a-f]{32}", with: "ID", options: .regularExpression)
            XCTAssertEqual(shape, "{\"error\":\"unauthorized\",\"request_id\":\"ID\"}", "\(args)")
            XCTAssertTrue(r.headers.contains("www-authenticate: basic realm=\"test\", charset=\"utf-8\""), r.headers)
            XCTAssertTrue(r.headers.contains("www-authenticate: bearer realm=\"test\""), r.headers)
        }
        let invalid = try get("/api/x", ["-H", "Authorization: Bearer tg_wrong"])
        XCTAssertTrue(invalid.headers.contains("error=\"invalid_token\""), invalid.headers)
        let missing = try get("/api/x")
        XCTAssertFalse(missing.headers.contains("invalid_token"), missing.headers)
    }

    func testRolesAreEnforcedAndPublicRoutesNeedNoCredential() throws {
        try start()
        XCTAssertEqual(try get("/admin", ["-H", "Authorization: Bearer tg_ci"]).status, 403)
        XCTAssertEqual(try get("/admin", ["-H", "Authorization: Bearer tg_ops"]).status, 200)
        let pub = try get("/healthz", ["-H", "X-Forwarded-User: admin"])
        XCTAssertEqual(pub.status, 200)
        XCTAssertNil(upstreamHeader(pub.body, "X-Forwarded-User"))
        XCTAssertEqual(try get("/nowhere", ["-H", "Authorization: Bearer tg_ops"]).status, 403)
    }

    func testTokenAddedByAtomicRenameWorksWithinSyncInterval() throws {
        try start()
        XCTAssertEqual(try get("/api", ["-H", "Authorization: Bearer tg_new"]).status, 401)
        let tmp = stack.dir.appendingPathComponent("accounts.tmp")
        try accountsYAML(extraAccounts: """
              - name: newbie
                groups: [bots]
                tokens:
                  - id: n1
                    hash: "\(Self.sha("tg_new"))"
                    expires: never
            """).write(to: tmp, atomically: false, encoding: .utf8)
        XCTAssertEqual(rename(tmp.path, accountsPath.path), 0)
        let deadline = Date().addingTimeInterval(1.3)
        var status = 0
        while Date() < deadline {
            status = try get("/api", ["-H", "Authorization: Bearer tg_new"]).status
            if status == 200 { break }
            usleep(50_000)
        }
        XCTAssertEqual(status, 200, "new token not live within sync_interval + 1 s")
        // Revocation (token removed) takes effect the same way.
        try accountsYAML().write(to: tmp, atomically: false, encoding: .utf8)
        XCTAssertEqual(rename(tmp.path, accountsPath.path), 0)
        usleep(1_200_000)
        XCTAssertEqual(try get("/api", ["-H", "Authorization: Bearer tg_new"]).status, 401)
    }

    func testKubernetesSecretSymlinkSwapIsFollowed() throws {
        stack = try Stack()
        // Kubernetes layout: accounts.yaml -> ..data/accounts.yaml, ..data -> ..2026_v1
        let fm = FileManager.default
        let v1 = stack.dir.appendingPathComponent("..v1")
        try fm.createDirectory(at: v1, withIntermediateDirectories: true)
        try accountsYAML().write(to: v1.appendingPathComponent("accounts.yaml"), atomically: true, encoding: .utf8)
        try fm.createSymbolicLink(atPath: stack.dir.appendingPathComponent("..data").path, withDestinationPath: "..v1")
        try fm.createSymbolicLink(atPath: accountsPath.path, withDestinationPath: "..data/accounts.yaml")
        try stack.startProxy(upstreamPort: try stack.startEcho(), extra: "sync_interval: 300ms",
                             routes: "  - path: /api\n    roles: [reader]")
        XCTAssertEqual(try get("/api", ["-H", "Authorization: Bearer tg_ci"]).status, 200)
        let v2 = stack.dir.appendingPathComponent("..v2")
        try fm.createDirectory(at: v2, withIntermediateDirectories: true)
        try accountsYAML(extraAccounts: """
              - name: swapped
                groups: [bots]
                tokens:
                  - id: s1
                    hash: "\(Self.sha("tg_swapped"))"
                    expires: never
            """).write(to: v2.appendingPathComponent("accounts.yaml"), atomically: true, encoding: .utf8)
        try fm.createSymbolicLink(atPath: stack.dir.appendingPathComponent("..data_tmp").path, withDestinationPath: "..v2")
        XCTAssertEqual(rename(stack.dir.appendingPathComponent("..data_tmp").path,
                              stack.dir.appendingPathComponent("..data").path), 0)
        usleep(1_200_000)
        XCTAssertEqual(try get("/api", ["-H", "Authorization: Bearer tg_swapped"]).status, 200)
    }

    func testSighupAppliesAtOnceAndAnInvalidFileKeepsTheOldTable() throws {
        try start(sync: "1h")
        try accountsYAML(extraAccounts: """
              - name: hup
                groups: [bots]
                tokens:
                  - id: h1
                    hash: "\(Self.sha("tg_hup"))"
                    expires: never
            """).write(to: accountsPath, atomically: true, encoding: .utf8)
        XCTAssertEqual(try get("/api", ["-H", "Authorization: Bearer tg_hup"]).status, 401)
        stack.proxy.signal(SIGHUP)
        usleep(300_000)
        XCTAssertEqual(try get("/api", ["-H", "Authorization: Bearer tg_hup"]).status, 200)
        try "accounts:\n  - name: Bad_Name\n".write(to: accountsPath, atomically: true, encoding: .utf8)
        stack.proxy.signal(SIGHUP)
        usleep(300_000)
        XCTAssertEqual(try get("/api", ["-H", "Authorization: Bearer tg_hup"]).status, 200)
        XCTAssertTrue(stack.proxy.stderr.contains("accounts.yaml:2"), stack.proxy.stderr)
    }

    func testRequestsDuringRewritesNeverFail() throws {
        try start(sync: "100ms")
        let url = "http://127.0.0.1:\(stack.proxyPort)/api/x"
        let load = Process()
        load.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        // 2,000 requests over 8 parallel keep-alive curl processes, each with 250 URLs.
        let script = "for i in 1 2 3 4 5 6 7 8; do (echo 'header = \"Authorization: Bearer tg_ci\"'; "
            + "echo 'write-out = \"%{http_code}\\\\n\"'; for j in $(seq 250); do echo \"url = \\\"\(url)\\\"\"; "
            + "echo 'output = /dev/null'; done) | curl -s -K - & done; wait"
        load.arguments = ["sh", "-c", script]
        let out = Pipe()
        load.standardOutput = out
        try load.run()
        let tmp = stack.dir.appendingPathComponent("rw.tmp")
        for i in 0..<20 {
            try accountsYAML(extraAccounts: "  - name: churn-\(i)\n    tokens: []")
                .write(to: tmp, atomically: false, encoding: .utf8)
            _ = rename(tmp.path, accountsPath.path)
            usleep(60_000)
        }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        load.waitUntilExit()
        let codes = String(decoding: data, as: UTF8.self).split(separator: "\n")
        XCTAssertEqual(codes.count, 2000)
        XCTAssertEqual(codes.filter { $0 != "200" }.count, 0)
    }

    func testFailedAuthBrakeAnswers429WithRetryAfter() throws {
        try start(failedAuth: "failed_auth:\n  limit: 3\n  window: 60s")
        for _ in 0..<3 {
            XCTAssertEqual(try get("/api", ["-H", "Authorization: Bearer tg_bad"]).status, 401)
        }
        // Requests without a credential do not count and are not braked.
        XCTAssertEqual(try get("/api").status, 401)
        let braked = try get("/api", ["-H", "Authorization: Bearer tg_ci"])
        XCTAssertEqual(braked.status, 429)
        XCTAssertTrue(braked.headers.contains("retry-after: "), braked.headers)
        XCTAssertTrue(braked.body.contains("too_many_requests"))
        XCTAssertEqual(try get("/healthz").status, 200, "public routes are not braked")
    }

    func testSlidingExpiryExtendsAUsedTokenAndSurvivesARestartThroughTheStateFile() throws {
        stack = try Stack()
        let soon = ISO8601DateFormatter().string(from: Date().addingTimeInterval(2))
        try accountsYAML(extraAccounts: """
              - name: slider
                groups: [bots]
                tokens:
                  - id: s1
                    hash: "\(Self.sha("tg_slide"))"
                    expires: \(soon)
                    extend: 1h
            """).write(to: accountsPath, atomically: true, encoding: .utf8)
        let state = stack.dir.appendingPathComponent("state.json").path
        let echo = try stack.startEcho()
        try stack.startProxy(upstreamPort: echo, extra: "sync_interval: 200ms\nstate_file: \(state)",
                             routes: "  - path: /api\n    roles: [reader]")
        XCTAssertEqual(try get("/api", ["-H", "Authorization: Bearer tg_slide"]).status, 200)
        usleep(2_500_000)  // past `expires`: only the recorded use keeps it alive
        XCTAssertEqual(try get("/api", ["-H", "Authorization: Bearer tg_slide"]).status, 200)
        XCTAssertTrue(FileManager.default.fileExists(atPath: state), "state file not written")
        stack.proxy.signal(SIGTERM)
        stack.proxy.process.waitUntilExit()
        try stack.startProxy(upstreamPort: echo, extra: "sync_interval: 200ms\nstate_file: \(state)",
                             routes: "  - path: /api\n    roles: [reader]")
        XCTAssertEqual(try get("/api", ["-H", "Authorization: Bearer tg_slide"]).status, 200,
                       "last use was not restored from the state file")
        // Without the state file the same token is simply expired.
        try? FileManager.default.removeItem(atPath: state)
        stack.proxy.signal(SIGTERM)
        stack.proxy.process.waitUntilExit()
        try? FileManager.default.removeItem(atPath: state)
        try stack.startProxy(upstreamPort: echo, extra: "sync_interval: 200ms",
                             routes: "  - path: /api\n    roles: [reader]")
        XCTAssertEqual(try get("/api", ["-H", "Authorization: Bearer tg_slide"]).status, 401)
    }
}
