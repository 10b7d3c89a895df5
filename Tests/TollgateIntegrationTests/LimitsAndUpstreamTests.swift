import Foundation
import XCTest

/// Body limits, upstream failures and client deadlines.
final class LimitsAndUpstreamTests: XCTestCase {
    var stack: Stack!

    override func setUpWithError() throws { stack = try Stack() }
    override func tearDown() { stack.stop() }

    func testContentLengthOverTheLimitIs413BeforeTheBodyIsRead() throws {
        try stack.startProxy(upstreamPort: try stack.startFixture())
        let c = try RawClient(port: stack.proxyPort)
        c.send("POST /sha256 HTTP/1.1\r\nHost: a\r\nContent-Length: 2000000\r\n\r\n")
        let (data, closed) = c.readAll()
        XCTAssertTrue(data.hasPrefix("HTTP/1.1 413 "), data)
        XCTAssertTrue(data.contains("payload_too_large"))
        XCTAssertTrue(closed)
    }

    func testChunkedBodyOverTheLimitIs413() throws {
        try stack.startProxy(upstreamPort: try stack.startEcho())
        let c = try RawClient(port: stack.proxyPort)
        c.send("POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n")
        let chunk = String(repeating: "z", count: 65536)
        for _ in 0..<20 { c.send(String(65536, radix: 16) + "\r\n" + chunk + "\r\n") }
        let (data, closed) = c.readAll()
        XCTAssertTrue(data.hasPrefix("HTTP/1.1 413 "), String(data.prefix(100)))
        XCTAssertTrue(closed)
    }

    func testFiveMiBPostArrivesByteExact() throws {
        try stack.startProxy(upstreamPort: try stack.startFixture(), limits: "max_body_bytes: 16777216")
        let file = stack.dir.appendingPathComponent("upload.bin")
        var bytes = [UInt8](repeating: 0, count: 5 << 20)
        var x: UInt32 = 2463534242
        for i in 0..<bytes.count {
            x ^= x << 13; x ^= x >> 17; x ^= x << 5
            bytes[i] = UInt8(truncatingIfNeeded: x)
        }
        try Data(bytes).write(to: file)
        let expected = try shell(["sha256sum", file.path]).out.split(separator: " ")[0]
        let r = try shell(["curl", "-s", "--data-binary", "@\(file.path)", "-H", "Content-Type: application/octet-stream",
                           "http://127.0.0.1:\(stack.proxyPort)/sha256"])
        XCTAssertEqual(r.out, "\(expected) \(5 << 20)")
    }

    /// An upstream that answers before reading the body (nginx `return 200`): the rest of the body is still
    /// forwarded, and both the client connection and the upstream link are kept for the next request.
    func testEarlyResponseStillForwardsTheBodyAndKeepsTheConnection() throws {
        try stack.startProxy(upstreamPort: try stack.startFixture(), limits: "max_body_bytes: 16777216")
        let file = stack.dir.appendingPathComponent("early.bin")
        try Data((0..<(3 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }).write(to: file)
        let expected = try shell(["sha256sum", file.path]).out.split(separator: " ")[0]
        let url = "http://127.0.0.1:\(stack.proxyPort)/early"
        let one = ["-s", "-o", "/dev/null", "-w", "%{http_code}/%{num_connects} ", "-H", "Expect:",
                   "--data-binary", "@\(file.path)", url]
        let r = try shell(["curl"] + one + ["--next"] + one)
        XCTAssertEqual(r.out, "200/1 200/0 ")
        // Both bodies reached the upstream whole.
        var last = ""
        for _ in 0..<50 {
            last = try shell(["curl", "-s", "http://127.0.0.1:\(stack.proxyPort)/early-last"]).out
            if last.hasSuffix(" 2") { break }
            usleep(100_000)
        }
        XCTAssertEqual(last, "\(expected) \(3 << 20) 2")
    }

    func testFiveMiBChunkedUploadIsForwardedWhole() throws {
        try stack.startProxy(upstreamPort: try stack.startEcho(), limits: "max_body_bytes: 16777216")
        let file = stack.dir.appendingPathComponent("upload.bin")
        try Data(repeating: 0x5a, count: 5 << 20).write(to: file)
        // curl streams stdin with Transfer-Encoding: chunked; the echo upstream counts the decoded bytes.
        let c = try shell(["sh", "-c", "curl -s -T - -X POST http://127.0.0.1:\(stack.proxyPort)/up < \(file.path)"])
        XCTAssertTrue(c.out.contains("\"body_length\":\(5 << 20)"), c.out)
        XCTAssertTrue(c.out.contains("[\"Transfer-Encoding\",\"chunked\"]"), c.out)
    }

    func testTwoHundredMiBDownloadStreamsByteExactWithBoundedMemory() throws {
        try stack.startProxy(upstreamPort: try stack.startFixture())
        usleep(200_000)
        let idle = stack.proxy.rssKiB
        let sha = try shell(["curl", "-s", "http://127.0.0.1:\(stack.upstreamPort)/big-sha?mb=200"]).out
        let out = stack.dir.appendingPathComponent("big.bin").path
        // A slow reader (rate-limited) makes the proxy hold back the upstream instead of buffering.
        let download = Process()
        download.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        download.arguments = ["curl", "-s", "--limit-rate", "100M", "-o", out,
                              "http://127.0.0.1:\(stack.proxyPort)/big?mb=200"]
        try download.run()
        var peak = idle
        while download.isRunning {
            peak = max(peak, stack.proxy.rssKiB)
            usleep(50_000)
        }
        XCTAssertEqual(download.terminationStatus, 0)
        let got = try shell(["sha256sum", out]).out.split(separator: " ")[0]
        XCTAssertEqual(String(got), sha)
        XCTAssertLessThan(peak - idle, 64 * 1024, "RSS grew by \(peak - idle) KiB while streaming 200 MiB")
    }

    func testChunkedAndCloseDelimitedResponsesAreReframed() throws {
        try stack.startProxy(upstreamPort: try stack.startFixture())
        let a = try shell(["curl", "-s", "http://127.0.0.1:\(stack.proxyPort)/chunked"])
        XCTAssertEqual(a.out, "hello chunked world")
        let b = try shell(["curl", "-s", "http://127.0.0.1:\(stack.proxyPort)/close"])
        XCTAssertEqual(b.out, "until-close body")
        let c = try RawClient(port: stack.proxyPort)
        c.send("HEAD /big?mb=3 HTTP/1.1\r\nHost: a\r\n\r\nGET /chunked HTTP/1.1\r\nHost: a\r\n\r\n")
        let (data, _) = c.readAll()
        XCTAssertTrue(data.hasPrefix("HTTP/1.1 200 "), data)
        XCTAssertTrue(data.contains("Content-Length: 3145728"), "HEAD keeps the upstream's length")
        XCTAssertTrue(data.contains("hello "), "the request after HEAD is answered on the same connection")
    }

    func testUpstreamDownIs502() throws {
        // A port that was just free: nothing listens there.
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { p -> Int32 in
                _ = bind(fd, p, len)
                return getsockname(fd, p, &len)
            }
        }
        let port = Int(UInt16(bigEndian: addr.sin_port))
        close(fd)
        try stack.startProxy(upstreamPort: port)
        let r = try shell(["curl", "-s", "-w", "\n%{http_code}", "http://127.0.0.1:\(stack.proxyPort)/x"])
        XCTAssertTrue(r.out.hasSuffix("\n502"), r.out)
        XCTAssertTrue(r.out.contains("\"error\":\"bad_gateway\""), r.out)
    }

    func testMalformedUpstreamHeadIs502() throws {
        try stack.startProxy(upstreamPort: try stack.startFixture())
        let r = try shell(["curl", "-s", "-w", "\n%{http_code}", "http://127.0.0.1:\(stack.proxyPort)/badhead"])
        XCTAssertTrue(r.out.hasSuffix("\n502"), r.out)
    }

    func testSlowUpstreamIs504() throws {
        try stack.startProxy(upstreamPort: try stack.startFixture(), limits: "upstream_timeout: 500ms")
        let r = try shell(["curl", "-s", "-w", "\n%{http_code}", "http://127.0.0.1:\(stack.proxyPort)/slow?ms=3000"])
        XCTAssertTrue(r.out.hasSuffix("\n504"), r.out)
        XCTAssertTrue(r.out.contains("gateway_timeout"), r.out)
    }

    func testSlowlorisIsClosedAtTheHeaderDeadline() throws {
        try stack.startProxy(upstreamPort: try stack.startEcho(), limits: "header_timeout: 1s")
        let c = try RawClient(port: stack.proxyPort, timeout: 0.3)
        let start = Date()
        var closedAt: Double?
        let trickle = Array("GET / HTTP/1.1\r\nHost: a\r\nX-Slow: ".utf8) + Array(repeating: UInt8(ascii: "a"), count: 100)
        for b in trickle {
            c.send([b])
            let (_, closed) = c.readAll()
            if closed {
                closedAt = Date().timeIntervalSince(start)
                break
            }
        }
        let t = try XCTUnwrap(closedAt, "a trickling client was never cut off")
        XCTAssertGreaterThan(t, 0.8)
        XCTAssertLessThan(t, 4.0, "the header deadline must not be extended by each byte")
    }

    func testIdleKeepAliveConnectionIsClosed() throws {
        try stack.startProxy(upstreamPort: try stack.startEcho(), limits: "idle_timeout: 1s")
        let c = try RawClient(port: stack.proxyPort, timeout: 4)
        c.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n")
        XCTAssertEqual(c.readResponses(1).first?.statusCode, 200)
        let start = Date()
        let (_, closed) = c.readAll()
        XCTAssertTrue(closed)
        XCTAssertLessThan(Date().timeIntervalSince(start), 3.5)
    }

    func testNoRouteIs403() throws {
        try stack.startProxy(upstreamPort: try stack.startEcho(), routes: """
              - path: /open
                public: true
            """)
        let r = try shell(["curl", "-s", "-w", "\n%{http_code}", "http://127.0.0.1:\(stack.proxyPort)/openx"])
        XCTAssertTrue(r.out.hasSuffix("\n403"), r.out)
        let ok = try shell(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "http://127.0.0.1:\(stack.proxyPort)/open/x"])
        XCTAssertEqual(ok.out, "200")
    }

    func testTwoWorkersShareThePort() throws {
        try stack.startProxy(upstreamPort: try stack.startEcho(), workers: 2)
        for _ in 0..<20 {
            let r = try shell(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "http://127.0.0.1:\(stack.proxyPort)/"])
            XCTAssertEqual(r.out, "200")
        }
    }
}
