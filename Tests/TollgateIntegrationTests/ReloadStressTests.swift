import Foundation
import XCTest

/// SIGHUP storms under load (issue 7, reload races). Two versions of the config and accounts files alternate;
/// each is safe on its own, but a request judged by version A's routes with version B's table (or the reverse)
/// would let `bob` into `/admin`. Every request must see one whole version: bob always 403, ci-bot always 200,
/// no connection error. Run under ThreadSanitizer by scripts/test.sh (the harness fails a test whose proxy
/// printed a sanitizer report).
final class ReloadStressTests: XCTestCase {
    var stack: Stack!

    override func setUpWithError() throws { stack = try Stack() }
    override func tearDown() { stack.stop() }

    /// Version A: /admin needs `ops`, bob is an `auditor`. Version B: /admin needs `auditor`, bob is `ops`.
    private static func routes(_ b: Bool) -> String {
        """
          - path: /admin
            roles: [\(b ? "auditor" : "ops")]
          - path: /api
            roles: [reader]
        """
    }

    private static func accounts(_ b: Bool, filler: Int, ciToken: String = "tg_ci") -> String {
        var text = """
            groups:
              readers: { roles: [reader] }
              ops-team: { roles: [ops] }
              audit-team: { roles: [auditor] }
            accounts:
              - name: ci-bot
                groups: [readers]
                tokens:
                  - id: ci-1
                    hash: "\(AuthTests.sha(ciToken))"
                    expires: never
              - name: bob
                groups: [\(b ? "ops-team" : "audit-team")]
                tokens:
                  - id: bob-1
                    hash: "\(AuthTests.sha("tg_bob"))"
                    expires: never

            """
        // Filler accounts make each parse take long enough for a mixed snapshot to be seen if one is published.
        for k in 0..<filler {
            text += """
                  - name: filler-\(k)
                    roles: [reader]
                    tokens:
                      - id: f\(k)
                        hash: "\(AuthTests.sha("tg_filler_\(k)"))"
                        expires: never

                """
        }
        return text
    }

    /// A keep-alive client sending `count`… requests until `stop`; returns (statuses seen by path, errors).
    private final class Load: @unchecked Sendable {
        let lock = NSLock()
        var statuses: [String: [Int: Int]] = [:]
        var errors: [String] = []
        var sent = 0

        func record(_ path: String, _ status: Int) {
            lock.withLock {
                statuses[path, default: [:]][status, default: 0] += 1
                sent += 1
            }
        }

        func fail(_ text: String) { lock.withLock { if errors.count < 20 { errors.append(text) } } }
    }

    private func startLoad(port: Int, clients: Int, stop: StopFlag, load: Load) -> DispatchGroup {
        let group = DispatchGroup()
        for k in 0..<clients {
            group.enter()
            Thread.detachNewThread {
                defer { group.leave() }
                var client: RawClient?
                var n = 0
                while !stop.isSet {
                    n += 1
                    let (path, token) = (k + n) % 2 == 0 ? ("/admin/x", "tg_bob") : ("/api/x", "tg_ci")
                    do {
                        if client == nil { client = try RawClient(port: port, timeout: 10) }
                        client!.send("GET \(path) HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer \(token)\r\n\r\n")
                        guard let response = client!.readResponses(1).first else {
                            load.fail("\(path): no response (connection closed or timed out)")
                            client = nil
                            continue
                        }
                        load.record(path, response.statusCode)
                        if response.lowercased().contains("connection: close") { client = nil }
                    } catch {
                        load.fail("\(path): \(error)")
                        client = nil
                    }
                }
            }
        }
        return group
    }

    /// The `tollgate_reloads_total{result=…}` counter from the admin listener.
    private func reloads(_ result: String) throws -> Int {
        let c = try RawClient(port: stack.adminPort, timeout: 10)
        c.send("GET /metrics HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
        let text = c.readAll().data
        let key = "tollgate_reloads_total{result=\"\(result)\"} "
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix(key) }) else { return -1 }
        return Int(Double(line.dropFirst(key.count).trimmingCharacters(in: .whitespaces)) ?? -1)
    }

    func testThousandSighupsUnderLoadNeverMixVersionsOrFailARequest() throws {
        let rounds = Int(ProcessInfo.processInfo.environment["TOLLGATE_RELOAD_ROUNDS"] ?? "") ?? 1000
        let accountsPath = stack.dir.appendingPathComponent("accounts.yaml")
        let configPath = stack.dir.appendingPathComponent("tollgate.yaml")
        try Self.accounts(false, filler: 50).write(to: accountsPath, atomically: true, encoding: .utf8)
        try stack.startProxy(upstreamPort: try stack.startEcho(), workers: 2,
                             extra: "admin_listen: \"127.0.0.1:0\"\nsync_interval: 1h\n", routes: Self.routes(false))
        let configA = try String(contentsOf: configPath, encoding: .utf8)
        let configB = configA.replacingOccurrences(of: "roles: [ops]", with: "roles: [auditor]")
        XCTAssertNotEqual(configA, configB)
        let accountsA = Self.accounts(false, filler: 50)
        let accountsB = Self.accounts(true, filler: 50)
        let before = try reloads("success")

        let stop = StopFlag()
        let load = Load()
        let group = startLoad(port: stack.proxyPort, clients: 4, stop: stop, load: load)
        defer {
            stop.set()
            group.wait()
        }
        var rssAfterTenth = 0
        for round in 1...rounds {
            if round == rounds / 10 { rssAfterTenth = stack.proxy.rssKiB }
            let b = round % 2 == 1
            // Atomic replacements (write to a temporary file, then rename), as a Secret or `tollgate token` does.
            try (b ? configB : configA).write(to: configPath, atomically: true, encoding: .utf8)
            try (b ? accountsB : accountsA).write(to: accountsPath, atomically: true, encoding: .utf8)
            stack.proxy.signal(SIGHUP)
            // Wait until this SIGHUP was applied (one success per SIGHUP), so every round is a real reload.
            let deadline = Date().addingTimeInterval(30)
            while try reloads("success") < before + round {
                XCTAssertTrue(stack.proxy.process.isRunning, "proxy exited: \(stack.proxy.stderr.suffix(2000))")
                if Date() > deadline || !stack.proxy.process.isRunning {
                    return XCTFail("reload \(round) not applied within 30 s")
                }
                usleep(1000)
            }
        }
        stop.set()
        group.wait()
        let rssAtEnd = stack.proxy.rssKiB

        XCTAssertEqual(try reloads("error"), 0)
        // Replaced snapshots are freed on the next reload: a SIGHUP storm does not pile them up.
        XCTAssertLessThan(rssAtEnd, rssAfterTenth + 32 * 1024,
                          "RSS grew from \(rssAfterTenth) KiB after \(rounds / 10) reloads to \(rssAtEnd) KiB")
        XCTAssertEqual(load.errors, [], "requests failed during the reloads")
        let admin = load.statuses["/admin/x"] ?? [:]
        let api = load.statuses["/api/x"] ?? [:]
        XCTAssertEqual(admin.keys.sorted(), [403], "bob's /admin statuses (a 200 is a mixed snapshot): \(admin)")
        XCTAssertEqual(api.keys.sorted(), [200], "ci-bot's /api statuses: \(api)")
        XCTAssertGreaterThan(load.sent, rounds, "the load should overlap the reloads")
        print("reload stress: \(rounds) reloads, \(load.sent) requests: /admin \(admin), /api \(api); RSS \(rssAfterTenth) → \(rssAtEnd) KiB")
    }
}


extension ReloadStressTests {
    private func status(_ path: String, _ token: String) throws -> Int {
        let c = try RawClient(port: stack.proxyPort, timeout: 10)
        c.send("GET \(path) HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer \(token)\r\nConnection: close\r\n\r\n")
        return c.readAll().data.statusCode
    }

    private func sighupAndWait(result: String, count: Int) throws {
        stack.proxy.signal(SIGHUP)
        let deadline = Date().addingTimeInterval(20)
        while try reloads(result) < count {
            if Date() > deadline { return XCTFail("no reload \(result) #\(count)") }
            usleep(5000)
        }
    }

    /// SIGHUP is all-or-nothing across both files: a bad accounts file keeps the running config too (otherwise
    /// the new routes would be judged against the old table); a bad config still lets a valid accounts file in.
    func testABadAccountsFileRefusesTheWholeSighup() throws {
        let accountsPath = stack.dir.appendingPathComponent("accounts.yaml")
        let configPath = stack.dir.appendingPathComponent("tollgate.yaml")
        try Self.accounts(false, filler: 0).write(to: accountsPath, atomically: true, encoding: .utf8)
        try stack.startProxy(upstreamPort: try stack.startEcho(),
                             extra: "admin_listen: \"127.0.0.1:0\"\nsync_interval: 1h\n", routes: Self.routes(false))
        let configA = try String(contentsOf: configPath, encoding: .utf8)
        XCTAssertEqual(try status("/admin/x", "tg_bob"), 403)

        // New routes (bob's role `auditor` would now be enough) + a broken accounts file: nothing changes.
        try configA.replacingOccurrences(of: "roles: [ops]", with: "roles: [auditor]")
            .write(to: configPath, atomically: true, encoding: .utf8)
        try "accounts:\n  - name: Bad_Name\n".write(to: accountsPath, atomically: true, encoding: .utf8)
        try sighupAndWait(result: "error", count: 1)
        XCTAssertEqual(try status("/admin/x", "tg_bob"), 403, "new routes applied over the old table")
        XCTAssertEqual(try status("/api/x", "tg_ci"), 200)
        XCTAssertTrue(stack.proxy.stderr.contains("accounts.yaml:2"), stack.proxy.stderr)

        // Both valid: applied together.
        try Self.accounts(true, filler: 0).write(to: accountsPath, atomically: true, encoding: .utf8)
        let ok = try reloads("success")
        try sighupAndWait(result: "success", count: ok + 1)
        XCTAssertEqual(try status("/admin/x", "tg_bob"), 403)

        // A broken config with a valid accounts file: the config in force stays, the accounts file applies.
        try "listen: [\n".write(to: configPath, atomically: true, encoding: .utf8)
        try Self.accounts(false, filler: 0, ciToken: "tg_ci_rotated")
            .write(to: accountsPath, atomically: true, encoding: .utf8)
        try sighupAndWait(result: "error", count: 2)
        try sighupAndWait(result: "success", count: ok + 2)
        XCTAssertEqual(try status("/api/x", "tg_ci"), 401)
        XCTAssertEqual(try status("/api/x", "tg_ci_rotated"), 200)
        // Config B (auditor) is still in force and bob is an auditor again: the accounts file alone applied.
        XCTAssertEqual(try status("/admin/x", "tg_bob"), 200)
    }
}

/// A flag set once, read from many threads.
final class StopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.withLock { value } }
    func set() { lock.withLock { value = true } }
}
