import Foundation
import XCTest

/// Commands, reloads, connection limits and the upstream pool as an operator sees them.
final class OperationTests: XCTestCase {
    var stack: Stack!

    override func setUpWithError() throws { stack = try Stack() }
    override func tearDown() { stack.stop() }

    func testCheckAcceptsTheExampleConfig() throws {
        let r = try shell([Paths.tollgate, "check", "--config",
                           Paths.packageRoot.appendingPathComponent("conf/tollgate.yaml").path])
        XCTAssertEqual(r.code, 0, r.err)
        XCTAssertTrue(r.out.contains("ok"), r.out)
    }

    func testCheckReportsEveryErrorWithFileAndLine() throws {
        let path = stack.dir.appendingPathComponent("bad.yaml").path
        try "listen: \"127.0.0.1:8080\"\nupstream: \"http://127.0.0.1:1\"\nlimts: {}\nlimits:\n  idle_timeout: 10\n"
            .write(toFile: path, atomically: true, encoding: .utf8)
        let r = try shell([Paths.tollgate, "check", "--config", path])
        XCTAssertEqual(r.code, 1)
        XCTAssertTrue(r.err.contains("\(path):3:"), r.err)
        XCTAssertTrue(r.err.contains("limts"), r.err)
        XCTAssertTrue(r.err.contains("\(path):5:"), r.err)
        XCTAssertTrue(r.out.contains("2 error(s)"), r.out)
    }

    func testCheckValidatesTheAccountsFileToo() throws {
        let config = stack.dir.appendingPathComponent("c.yaml").path
        try "listen: \"127.0.0.1:8080\"\nupstream: \"http://127.0.0.1:1\"\naccounts_file: acc.yaml\n"
            .write(toFile: config, atomically: true, encoding: .utf8)
        let accounts = stack.dir.appendingPathComponent("acc.yaml").path
        try "accounts:\n  - name: ok-bot\n    tokens: []\n  - name: Not_A_Label\n    tokens: []\n"
            .write(toFile: accounts, atomically: true, encoding: .utf8)
        let r = try shell([Paths.tollgate, "check", "--config", config])
        XCTAssertEqual(r.code, 1)
        XCTAssertTrue(r.err.contains("acc.yaml:4:"), r.err)
        try "accounts:\n  - name: ok-bot\n    tokens: []\n".write(toFile: accounts, atomically: true, encoding: .utf8)
        XCTAssertEqual(try shell([Paths.tollgate, "check", "--config", config]).code, 0)
    }

    func testServeRefusesAnInvalidConfig() throws {
        let path = stack.dir.appendingPathComponent("bad.yaml").path
        try "listen: \"127.0.0.1:0\"\n".write(toFile: path, atomically: true, encoding: .utf8)
        let r = try shell([Paths.tollgate, "serve", "--config", path])
        XCTAssertEqual(r.code, 1)
        XCTAssertTrue(r.err.contains("upstream"), r.err)
    }

    func testThreadsCarryTheirRoleInTheirKernelNames() throws {
        try stack.startProxy(upstreamPort: try stack.startEcho(), workers: 2)
        // A thread names itself when it starts: the proxy answers (one worker runs) before the other may have.
        var names = stack.proxy.threadNames
        let deadline = Date().addingTimeInterval(10)
        while !(names.contains("tg-worker-1") && names.contains("tg-reload")) && Date() < deadline {
            usleep(20_000)
            names = stack.proxy.threadNames
        }
        XCTAssertTrue(names.contains("tg-worker-0") && names.contains("tg-worker-1"), "\(names)")
        XCTAssertTrue(names.contains("tg-reload"), "\(names)")
        XCTAssertFalse(names.contains("tg-worker-2"), "\(names)")
    }

    func testSighupAppliesANewConfigAndRefusesABadOne() throws {
        let echo = try stack.startEcho()
        try stack.startProxy(upstreamPort: echo, routes: "  - path: /old\n    public: true")
        let base = "http://127.0.0.1:\(stack.proxyPort)"
        func code(_ path: String) throws -> String {
            try shell(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", base + path]).out
        }
        XCTAssertEqual(try code("/old"), "200")
        XCTAssertEqual(try code("/new"), "403")
        let path = stack.dir.appendingPathComponent("tollgate.yaml")
        let original = try String(contentsOf: path, encoding: .utf8)
        try original.replacingOccurrences(of: "/old", with: "/new").write(to: path, atomically: true, encoding: .utf8)
        stack.proxy.signal(SIGHUP)
        usleep(300_000)
        XCTAssertEqual(try code("/new"), "200")
        XCTAssertEqual(try code("/old"), "403")
        // A broken file is refused whole; the running config stays.
        try (original + "\nbogus_key: 1\n").write(to: path, atomically: true, encoding: .utf8)
        stack.proxy.signal(SIGHUP)
        usleep(300_000)
        XCTAssertEqual(try code("/new"), "200")
        XCTAssertTrue(stack.proxy.stderr.contains("bogus_key"), stack.proxy.stderr)
    }

    func testMaxConnectionsRefusesTheExtraConnection() throws {
        try stack.startProxy(upstreamPort: try stack.startEcho(), limits: "max_connections: 2")
        let a = try RawClient(port: stack.proxyPort)
        let b = try RawClient(port: stack.proxyPort)
        usleep(100_000)
        let c = try RawClient(port: stack.proxyPort, timeout: 2)
        c.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n")
        let (data, closed) = c.readAll()
        XCTAssertTrue(closed)
        XCTAssertEqual(data, "")
        a.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n")
        XCTAssertEqual(a.readResponses(1).first?.statusCode, 200)
        _ = b
    }

    func testConcurrentRequestsDoNotQueueBehindOneUpstreamConnection() throws {
        try stack.startProxy(upstreamPort: try stack.startFixture())
        let url = "http://127.0.0.1:\(stack.proxyPort)/slow?ms=700"
        let start = Date()
        let r = try shell(["sh", "-c", "for i in 1 2 3 4; do curl -s -o /dev/null -w '%{http_code}\\n' \(url) & done; wait"])
        let elapsed = Date().timeIntervalSince(start)
        XCTAssertEqual(r.out.split(separator: "\n").sorted(), ["200", "200", "200", "200"])
        // Serialised on one link they would take 2.8 s.
        XCTAssertLessThan(elapsed, 2.5)
    }

    func testDeadPooledConnectionIsRetriedOnceForIdempotentRequestsOnly() throws {
        try stack.startProxy(upstreamPort: try stack.startFixture())
        let c = try RawClient(port: stack.proxyPort)
        c.send("GET /flaky HTTP/1.1\r\nHost: a\r\n\r\n")
        XCTAssertEqual(c.readResponses(1).first?.statusCode, 200)
        // Reuses the pooled link, which the upstream drops: a GET is retried on a fresh link.
        c.send("GET /flaky HTTP/1.1\r\nHost: a\r\n\r\n")
        let retried = c.readResponses(1).first ?? ""
        XCTAssertEqual(retried.statusCode, 200, retried)
        XCTAssertTrue(retried.hasSuffix("flaky ok"), retried)
        // A POST on the same kind of dead link is not replayed: 502.
        c.send("POST /flaky HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n")
        XCTAssertEqual(c.readResponses(1).first?.statusCode, 502)
    }

    func testListensOnIPv6Loopback() throws {
        let echo = try stack.startEcho()
        let config = """
            listen: ["127.0.0.1:0"]
            upstream: "http://127.0.0.1:\(echo)"
            workers: 1
            routes:
              - path: /
                public: true
            """
        // Bind [::1] on a fixed free port picked from the IPv4 side's port 0 is racy; use port 0 on [::1].
        let path = stack.dir.appendingPathComponent("v6.yaml")
        try config.replacingOccurrences(of: "[\"127.0.0.1:0\"]", with: "[\"[::1]:0\"]")
            .write(to: path, atomically: true, encoding: .utf8)
        let p = try Child(Paths.tollgate, ["serve", "--config", path.path], dir: stack.dir)
        stack.children.append(p)
        let port = try p.waitForPort(marker: Child.proxyMarker)
        let r = try shell(["curl", "-s", "-g", "-o", "/dev/null", "-w", "%{http_code}", "http://[::1]:\(port)/x"])
        XCTAssertEqual(r.out, "200")
    }

    func testSigtermExitsCleanly() throws {
        try stack.startProxy(upstreamPort: try stack.startEcho())
        stack.proxy.signal(SIGTERM)
        let deadline = Date().addingTimeInterval(5)
        while stack.proxy.process.isRunning && Date() < deadline { usleep(50_000) }
        XCTAssertFalse(stack.proxy.process.isRunning)
        if !stack.proxy.process.isRunning {
            XCTAssertEqual(stack.proxy.process.terminationStatus, 0)
            XCTAssertEqual(stack.proxy.process.terminationReason, .exit)
        }
    }

    func testSigtermFinishesInFlightRequestsAndClosesIdleOnes() throws {
        try stack.startProxy(upstreamPort: try stack.startFixture())
        let idle = try RawClient(port: stack.proxyPort, timeout: 5)
        idle.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n")
        XCTAssertEqual(idle.readResponses(1).first?.statusCode, 200)
        let busy = try RawClient(port: stack.proxyPort, timeout: 5)
        busy.send("GET /slow?ms=800 HTTP/1.1\r\nHost: a\r\n\r\n")
        usleep(200_000)
        let start = Date()
        stack.proxy.signal(SIGTERM)
        let answer = busy.readResponses(1).first ?? ""
        XCTAssertEqual(answer.statusCode, 200, "the request in flight must finish during the drain")
        XCTAssertTrue(answer.contains("Connection: close"), answer)
        XCTAssertTrue(idle.readAll().closed, "idle keep-alive connections are closed at once")
        while stack.proxy.process.isRunning && Date().timeIntervalSince(start) < 5 { usleep(50_000) }
        XCTAssertFalse(stack.proxy.process.isRunning)
        XCTAssertLessThan(Date().timeIntervalSince(start), 3, "drain waited for idle connections")
        // New connections are refused once draining.
        XCTAssertThrowsError(try RawClient(port: stack.proxyPort))
    }
}
