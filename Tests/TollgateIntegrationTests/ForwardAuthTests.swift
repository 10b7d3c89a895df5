import Foundation
import XCTest

/// The forward-auth listener (SPEC §9), directly and behind a real nginx `auth_request`.
final class ForwardAuthTests: XCTestCase {
    var stack: Stack!
    var judgePort = 0

    override func tearDown() { stack?.stop() }

    func start(trusted: String = "[\"127.0.0.1/32\"]") throws {
        stack = try Stack()
        try stack.writeReaderAccounts()
        try stack.startProxy(upstreamPort: try stack.startEcho(), extra: """
            trusted_proxies: \(trusted)
            forward_auth:
              listen: "127.0.0.1:0"
            """, routes: """
              - path: /public
                public: true
              - path: /api
                roles: [reader]
              - path: /admin
                roles: [admin]
            """)
        let deadline = Date().addingTimeInterval(5)
        while Date() < deadline {
            if let r = stack.proxy.stderr.range(of: "forward-auth listening on 127.0.0.1:") {
                judgePort = Int(stack.proxy.stderr[r.upperBound...].prefix { $0.isNumber }) ?? 0
                if judgePort > 0 { break }
            }
            usleep(20_000)
        }
        XCTAssertGreaterThan(judgePort, 0, stack.proxy.stderr)
    }

    func judge(_ headers: [String], path: String = "/auth") throws -> (status: Int, headers: String) {
        let hdr = stack.dir.appendingPathComponent("fa-\(UUID().uuidString)").path
        var args = ["curl", "-s", "-o", "/dev/null", "-D", hdr, "-w", "%{http_code}"]
        for h in headers { args += ["-H", h] }
        args.append("http://127.0.0.1:\(judgePort)\(path)")
        let r = try shell(args)
        return (Int(r.out) ?? 0, ((try? String(contentsOfFile: hdr, encoding: .utf8)) ?? "").lowercased())
    }

    func testDecisionsWithIdentityHeadersInTheResponse() throws {
        try start()
        let ok = try judge(["X-Forwarded-Method: GET", "X-Forwarded-Uri: /api/items?x=1",
                            "Authorization: Bearer tg_ci"])
        XCTAssertEqual(ok.status, 200)
        XCTAssertTrue(ok.headers.contains("x-forwarded-user: ci-bot"), ok.headers)
        XCTAssertTrue(ok.headers.contains("x-forwarded-roles: reader"), ok.headers)
        XCTAssertTrue(ok.headers.contains("content-length: 0"), ok.headers)
        XCTAssertEqual(try judge(["X-Forwarded-Uri: /api/items"]).status, 401)
        XCTAssertEqual(try judge(["X-Forwarded-Uri: /admin", "Authorization: Bearer tg_ci"]).status, 403)
        XCTAssertEqual(try judge(["X-Forwarded-Uri: /nowhere", "Authorization: Bearer tg_ci"]).status, 403)
        XCTAssertEqual(try judge(["X-Forwarded-Uri: /public/x"]).status, 200)
        // The judged path goes through the same normalisation: a traversal is 400, never a public match.
        XCTAssertEqual(try judge(["X-Forwarded-Uri: /public/../admin"]).status, 401, "judged as /admin, not /public")
        XCTAssertEqual(try judge(["X-Forwarded-Uri: /public/%2e%2e/%2e%2e/admin"]).status, 400)
        XCTAssertEqual(try judge(["X-Forwarded-Uri: /public%2Fadmin"]).status, 400)
    }

    func testForwardedHeadersWinAndTheOwnTargetIsTheFallback() throws {
        try start()
        // X-Forwarded-Uri beats X-Original-URI.
        XCTAssertEqual(try judge(["X-Original-URI: /public", "X-Forwarded-Uri: /api"]).status, 401)
        XCTAssertEqual(try judge(["X-Original-URI: /api", "X-Forwarded-Uri: /public"]).status, 200)
        XCTAssertEqual(try judge(["X-Original-URI: /public"]).status, 200)
        // Neither header: the request's own target is judged (Envoy ext_authz).
        XCTAssertEqual(try judge([], path: "/public/x").status, 200)
        XCTAssertEqual(try judge([], path: "/api/x").status, 401)
    }

    func testAnUntrustedPeerGets403WhateverItClaims() throws {
        try start(trusted: "[\"10.0.0.0/8\"]")
        XCTAssertEqual(try judge(["X-Forwarded-Uri: /public"]).status, 403)
        XCTAssertEqual(try judge(["X-Forwarded-Uri: /api", "Authorization: Bearer tg_ci"]).status, 403)
    }

    func testBehindARealNginxAuthRequest() throws {
        try start()
        let echoPort = stack.upstreamPort
        // A free port for nginx (bound and released; loopback only).
        let probe = try RawClientFreePort()
        let nginxPort = probe.port
        let conf = """
            daemon off;
            master_process off;
            pid \(stack.dir.path)/nginx.pid;
            error_log \(stack.dir.path)/nginx.err;
            events { worker_connections 64; }
            http {
              access_log off;
              client_body_temp_path \(stack.dir.path)/nb;
              proxy_temp_path \(stack.dir.path)/np;
              server {
                listen 127.0.0.1:\(nginxPort);
                location = /_tollgate {
                  internal;
                  proxy_pass http://127.0.0.1:\(judgePort);
                  proxy_pass_request_body off;
                  proxy_set_header Content-Length "";
                  proxy_set_header X-Original-URI $request_uri;
                  proxy_set_header X-Original-Method $request_method;
                }
                location / {
                  auth_request /_tollgate;
                  auth_request_set $tg_user $upstream_http_x_forwarded_user;
                  proxy_set_header X-Forwarded-User $tg_user;
                  proxy_pass http://127.0.0.1:\(echoPort);
                }
              }
            }
            """
        let confPath = stack.dir.appendingPathComponent("nginx.conf")
        try conf.write(to: confPath, atomically: true, encoding: .utf8)
        let nginx = try Child("/usr/sbin/nginx", ["-p", stack.dir.path, "-c", confPath.path], dir: stack.dir)
        stack.children.append(nginx)
        let url = "http://127.0.0.1:\(nginxPort)"
        var up = false
        for _ in 0..<100 where !up {
            up = (try? shell(["curl", "-s", "-o", "/dev/null", url + "/public"]))?.code == 0
            if !up { usleep(50_000) }
        }
        XCTAssertTrue(up, "nginx did not start: \(nginx.stderr)")
        func status(_ path: String, _ extra: [String] = []) throws -> String {
            try shell(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}"] + extra + [url + path]).out
        }
        XCTAssertEqual(try status("/public/x"), "200")
        XCTAssertEqual(try status("/api/x"), "401")
        XCTAssertEqual(try status("/admin", ["-H", "Authorization: Bearer tg_ci"]), "403")
        let allowed = try shell(["curl", "-s", "-H", "Authorization: Bearer tg_ci", url + "/api/x"])
        XCTAssertTrue(allowed.out.contains("[\"X-Forwarded-User\",\"ci-bot\"]"), allowed.out)
    }
}

/// Finds a free loopback port by binding port 0 and releasing it.
struct RawClientFreePort {
    let port: Int

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let rc = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { p -> Int32 in
                guard bind(fd, p, len) == 0 else { return -1 }
                return getsockname(fd, p, &len)
            }
        }
        guard rc == 0 else { throw NSError(domain: "port", code: Int(errno)) }
        port = Int(UInt16(bigEndian: addr.sin_port))
    }
}
