import Foundation
import XCTest

/// The real binary in front of `tollgate echo`: what the upstream receives (SPEC §6).
final class ProxyForwardingTests: XCTestCase {
    var stack: Stack!

    override func setUpWithError() throws {
        stack = try Stack()
        try stack.startProxy(upstreamPort: try stack.startEcho(), routes: """
              - path: /
                public: true
            """)
    }

    override func tearDown() { stack.stop() }

    private func echo(_ raw: String) throws -> (status: Int, json: [String: Any], headers: [(String, String)]) {
        let c = try RawClient(port: stack.proxyPort)
        c.send(raw)
        let r = c.readResponses(1).first ?? ""
        let json = (try? JSONSerialization.jsonObject(with: Data(r.body.utf8))) as? [String: Any] ?? [:]
        let pairs = (json["headers"] as? [[String]] ?? []).map { ($0[0], $0[1]) }
        return (r.statusCode, json, pairs)
    }

    func testForwardsNormalisedPathQueryAndForwardingHeaders() throws {
        let r = try echo("GET /a/./b//c/%41%7e/../d?x=%2F&y=.. HTTP/1.1\r\nHost: svc.local:8443\r\n\r\n")
        XCTAssertEqual(r.status, 200)
        XCTAssertEqual(r.json["path"] as? String, "/a/b/c/d")
        XCTAssertEqual(r.json["query"] as? String, "x=%2F&y=..")
        let h = Dictionary(r.headers.map { ($0.0.lowercased(), $0.1) }, uniquingKeysWith: { a, _ in a })
        XCTAssertEqual(h["host"], "svc.local:8443")
        XCTAssertEqual(h["x-forwarded-for"], "127.0.0.1")
        XCTAssertEqual(h["x-forwarded-proto"], "http")
        XCTAssertEqual(h["x-forwarded-host"], "svc.local:8443")
        let id = try XCTUnwrap(h["x-request-id"])
        XCTAssertTrue(id.range(of: "^[0-9a-f]{32}$", options: .regularExpression) != nil, id)
    }

    func testHopByHopAndSpoofedIdentityHeadersNeverReachUpstream() throws {
        let r = try echo("""
            GET /x HTTP/1.1\r
            Host: a\r
            Connection: keep-alive, X-Secret-Hop, X-Forwarded-For\r
            X-Secret-Hop: 1\r
            Keep-Alive: timeout=5\r
            TE: trailers\r
            Trailer: X-T\r
            Upgrade: websocket\r
            Proxy-Connection: keep-alive\r
            X-Forwarded-User: admin\r
            X_Forwarded_User: admin\r
            x-forwarded-roles: admin\r
            X-Forwarded-For: 10.9.9.9\r
            X-Request-Id: good-id.1\r
            Authorization: Bearer secret\r
            X-Keep: yes\r
            \r

            """)
        XCTAssertEqual(r.status, 200)
        let names = Set(r.headers.map { $0.0.lowercased() })
        for gone in ["connection", "x-secret-hop", "keep-alive", "te", "trailer", "upgrade", "proxy-connection",
                     "x-forwarded-user", "x_forwarded_user", "x-forwarded-roles", "authorization"] {
            XCTAssertFalse(names.contains(gone), "\(gone) reached the upstream")
        }
        let h = Dictionary(r.headers.map { ($0.0.lowercased(), $0.1) }, uniquingKeysWith: { a, _ in a })
        XCTAssertEqual(h["x-keep"], "yes")
        XCTAssertEqual(h["x-forwarded-for"], "127.0.0.1", "untrusted peer's XFF must be replaced")
        XCTAssertEqual(h["x-request-id"], "good-id.1")
    }

    func testKeepAliveServesSeveralRequestsOnOneConnection() throws {
        let c = try RawClient(port: stack.proxyPort)
        for i in 0..<5 {
            c.send("GET /k/\(i) HTTP/1.1\r\nHost: a\r\n\r\n")
            let r = try XCTUnwrap(c.readResponses(1).first)
            XCTAssertEqual(r.statusCode, 200)
            XCTAssertTrue(r.body.contains("\"/k/\(i)\""))
        }
    }

    func testPipelinedRequestsAnswerInOrder() throws {
        let c = try RawClient(port: stack.proxyPort)
        c.send((0..<4).map { "GET /p/\($0) HTTP/1.1\r\nHost: a\r\n\r\n" }.joined())
        let rs = c.readResponses(4)
        XCTAssertEqual(rs.count, 4)
        for (i, r) in rs.enumerated() { XCTAssertTrue(r.body.contains("\"/p/\(i)\""), r) }
    }

    func testExpectContinueIsAnsweredByTollgateAndNotForwarded() throws {
        let c = try RawClient(port: stack.proxyPort)
        c.send("POST /up HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
        let first = c.readResponses(1).first ?? ""
        XCTAssertTrue(first.hasPrefix("HTTP/1.1 100 Continue"), first)
        c.send("hello")
        let r = try XCTUnwrap(c.readResponses(1).first)
        XCTAssertEqual(r.statusCode, 200)
        XCTAssertTrue(r.body.contains("\"body_length\":5"), r)
        XCTAssertFalse(r.body.lowercased().contains("100-continue"), r)
    }

    func testChunkedRequestBodyIsForwarded() throws {
        let c = try RawClient(port: stack.proxyPort)
        c.send("POST /c HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n")
        let r = try XCTUnwrap(c.readResponses(1).first)
        XCTAssertEqual(r.statusCode, 200)
        XCTAssertTrue(r.body.contains("\"body_length\":11"), r)
    }

    func testUnnormalisablePathsAre400AndNeverForwarded() throws {
        for target in ["/a/../../etc", "/a%2Fb", "/a%5Cb", "/a%00b", "/a%zz", "/public/..;/admin", "*",
                       "http://evil/x"] {
            let r = try echo("GET \(target) HTTP/1.1\r\nHost: a\r\n\r\n")
            XCTAssertEqual(r.status, 400, target)
            XCTAssertNil(r.json["method"], "\(target) reached the upstream")
        }
    }

    func testCurlThroughTheProxy() throws {
        let r = try shell(["curl", "-s", "-w", "\n%{http_code}", "http://127.0.0.1:\(stack.proxyPort)/hello?q=1"])
        XCTAssertTrue(r.out.hasSuffix("\n200"), r.out)
        XCTAssertTrue(r.out.contains("\"path\":\"/hello\""), r.out)
    }

    func testAccessLogIsOneJSONLinePerRequestOnStdout() throws {
        _ = try shell(["curl", "-s", "-o", "/dev/null", "http://127.0.0.1:\(stack.proxyPort)/logged?secret=1",
                     "-H", "Authorization: Bearer tg_supersecret"])
        usleep(200_000)
        let lines = stack.proxy.stdout.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, stack.proxy.stdout)
        let obj = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        XCTAssertEqual(obj["path"] as? String, "/logged")
        XCTAssertEqual(obj["status"] as? Int, 200)
        XCTAssertEqual(obj["decision"] as? String, "public")
        XCTAssertFalse(stack.proxy.stdout.contains("supersecret"))
        XCTAssertFalse(stack.proxy.stderr.contains("supersecret"))
    }
}
