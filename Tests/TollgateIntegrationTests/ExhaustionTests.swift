import Foundation
import XCTest

/// Resource exhaustion (issue 7): thousands of idle connections, slowloris and slow-POST clients, clients that
/// never read, a bad-credential flood from thousands of addresses, and running out of file descriptors. Each
/// test drives the real binary over raw sockets and checks that the proxy stays bounded, refuses cleanly, keeps
/// serving the others, and recovers.
final class ExhaustionTests: XCTestCase {
    var stack: Stack!

    override func setUpWithError() throws {
        stack = try Stack()
        // This process holds thousands of sockets: take the whole hard limit (20,000 on the CI machine).
        Sock.raiseFileLimitToHard()
    }

    override func tearDown() { stack.stop() }

    // MARK: - 10,000 idle connections

    /// `max_connections: 10000` with tollgate started at a soft fd limit of 1024: it raises its own limit, holds
    /// 10,000 idle connections, refuses the 10,001st at accept, answers the admin listener meanwhile, serves a
    /// real request while one slot is free, and serves again once some idle ones go.
    func testTenThousandIdleConnectionsAreHeldTheNextIsRefusedAndServiceGoesOn() throws {
        let hard = Sock.fileLimit().hard
        guard hard >= 10_400 else { throw XCTSkip("the hard fd limit (\(hard)) is too low for 10,000 connections") }
        try stack.startProxyUnder(nofile: (1024, hard), upstreamPort: try stack.startEcho(),
                                  limits: ["max_connections: 10000", "header_timeout: 300s", "idle_timeout: 300s"],
                                  admin: true)
        XCTAssertTrue(stack.proxy.stderr.contains("raised the open-file limit (RLIMIT_NOFILE) from 1024"),
                      stack.proxy.stderr)
        let baseline = stack.proxy.rssKiB

        var held: [Int32] = []
        defer { for fd in held { close(fd) } }
        let started = Date()
        held += try Sock.openIdle(9_999, port: stack.proxyPort)
        try waitFor(60, "the proxy to count 9,999 open connections") { self.stack.openConnections() == 9_999 }
        let openSeconds = Date().timeIntervalSince(started)
        let rss = stack.proxy.rssKiB
        print("exhaustion: 9,999 idle connections open in \(String(format: "%.1f", openSeconds)) s; proxy RSS \(baseline) KiB idle -> \(rss) KiB (\((rss - baseline) / 1024) MiB for the connections)")
        XCTAssertLessThan(rss, 512 * 1024, "RSS \(rss) KiB with 10k idle connections")

        // One slot left: a real request is served, promptly.
        let served = try Sock.timedGet(port: stack.proxyPort)
        XCTAssertEqual(served.status, 200)
        XCTAssertLessThan(served.seconds, 5)

        // The 10,000th is held too.
        held += try Sock.openIdle(1, port: stack.proxyPort)
        try waitFor(30, "the proxy to count 10,000 open connections") { self.stack.openConnections() == 10_000 }

        // The 10,001st is closed at once, without an answer and without hanging.
        let extra = try RawClient(port: stack.proxyPort, timeout: 10)
        let refusedAt = Date()
        extra.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n")
        let (data, closed) = extra.readAll()
        XCTAssertTrue(closed, "the connection over max_connections was not closed")
        XCTAssertEqual(data, "")
        XCTAssertLessThan(Date().timeIntervalSince(refusedAt), 5)

        // The admin listener has its own budget: it answers while the proxy listener is full.
        XCTAssertEqual(stack.openConnections(), 10_000)

        // Every idle connection is still open.
        let dropped = held.filter { Sock.peerClosed($0) }
        XCTAssertEqual(dropped.count, 0, "\(dropped.count) idle connections were closed by the proxy")

        // Free 100 slots: service resumes.
        for fd in held.suffix(100) { close(fd) }
        held.removeLast(100)
        try waitFor(30, "the proxy to see 100 connections go") { (self.stack.openConnections() ?? .max) <= 9_900 }
        let again = try Sock.timedGet(port: stack.proxyPort)
        XCTAssertEqual(again.status, 200)
        XCTAssertLessThan(again.seconds, 5)
    }

    /// The soft fd limit follows `max_connections`: untouched while it suffices, raised when a reload asks for
    /// more connections (never lowered, never above the hard limit).
    func testAReloadThatRaisesMaxConnectionsRaisesTheFileLimit() throws {
        let hard = Sock.fileLimit().hard
        guard hard >= 4096 else { throw XCTSkip("the hard fd limit (\(hard)) is too low") }
        try stack.startProxyUnder(nofile: (1024, hard), upstreamPort: try stack.startEcho(),
                                  limits: ["max_connections: 100"], admin: false)
        let pid = stack.proxy.process.processIdentifier
        XCTAssertEqual(Sock.softFileLimit(pid: pid), 1024, "a limit that suffices is left alone")
        XCTAssertFalse(stack.proxy.stderr.contains("\"event\":\"rlimit\""), stack.proxy.stderr)
        let path = stack.dir.appendingPathComponent("tollgate.yaml")
        let config = try String(contentsOf: path, encoding: .utf8)
        try config.replacingOccurrences(of: "max_connections: 100", with: "max_connections: 1500")
            .write(to: path, atomically: true, encoding: .utf8)
        stack.proxy.signal(SIGHUP)
        try waitFor(10, "the raised limit") { Sock.softFileLimit(pid: pid) ?? 0 > 1024 }
        let wanted = 2 * 1500 + 256 + 128 + 4  // FileLimit.plan for one worker
        XCTAssertEqual(Sock.softFileLimit(pid: pid), min(hard, wanted))
        XCTAssertTrue(stack.proxy.stderr.contains("raised the open-file limit (RLIMIT_NOFILE) from 1024 to \(min(hard, wanted))"),
                      stack.proxy.stderr)
        XCTAssertEqual(try Sock.timedGet(port: stack.proxyPort).status, 200)
    }

    // MARK: - Slowloris and slow POST

    /// 450 clients trickle a head that never ends and 50 trickle a complete head too slowly: every one is
    /// closed at `header_timeout` (counted from accept, not extended by the bytes), none gets an answer, and a
    /// normal client is served quickly all along.
    func testManySlowlorisClientsAreCutAtTheHeaderDeadlineWhileOthersAreServed() throws {
        try stack.startProxy(upstreamPort: try stack.startEcho(), limits: "header_timeout: 2s\nidle_timeout: 30s")
        let port = stack.proxyPort
        let endless = Array("GET / HTTP/1.1\r\nHost: a\r\nX-Slow: ".utf8)
        let complete = Array("GET / HTTP/1.1\r\nHost: a\r\nX-Padding: 0123456789\r\n\r\n".utf8)
        var clients: [SlowClient] = []
        defer { for c in clients { close(c.fd) } }
        // Times count from before the connects: the header deadline runs from accept, which is later.
        let before = Date()
        let fds = try Sock.openIdle(500, port: port)
        for (i, fd) in fds.enumerated() {
            clients.append(SlowClient(fd: fd, bytes: i < 450 ? endless + Array(repeating: UInt8(ascii: "a"), count: 200)
                                                          : complete, start: before))
        }
        let normal = NormalTraffic(port: port, path: "/")
        normal.start()
        // One byte per client every 150 ms (a complete head takes ~7 s at that pace, over three header timeouts).
        let deadline = Date().addingTimeInterval(15)
        while Date() < deadline && clients.contains(where: { $0.closedAfter == nil }) {
            for c in clients where c.closedAfter == nil { c.step() }
            usleep(150_000)
        }
        let samples = normal.stop()

        let open = clients.filter { $0.closedAfter == nil }.count
        XCTAssertEqual(open, 0, "\(open) slow clients were never cut off")
        let times = clients.compactMap(\.closedAfter).sorted()
        if let first = times.first, let last = times.last {
            print("exhaustion: 500 slowloris clients closed between \(String(format: "%.2f", first)) s and \(String(format: "%.2f", last)) s (header_timeout 2s)")
            XCTAssertGreaterThan(first, 1.8, "closed before the header deadline")
            XCTAssertLessThan(last, 9, "the header deadline was extended")
        }
        let answered = clients.filter { !$0.received.isEmpty }
        XCTAssertEqual(answered.count, 0, "a slow client got bytes: \(answered.first.map { String(decoding: $0.received, as: UTF8.self) } ?? "")")
        let completedSlowly = clients.suffix(50).filter { $0.sent >= complete.count }.count
        XCTAssertEqual(completedSlowly, 0, "a head sent slower than header_timeout was let through")
        normal.assertServed(samples, "during the slowloris")
    }

    /// 200 clients send a POST head and trickle the body: kept while bytes come within `idle_timeout` (the
    /// longest pause inside a body, like nginx's client_body_timeout), closed `idle_timeout` after they stop;
    /// a normal client is served meanwhile.
    func testSlowPostBodiesAreCutAtTheBodyDeadlineWhileOthersAreServed() throws {
        try stack.startProxy(upstreamPort: try stack.startEcho(), limits: "header_timeout: 5s\nidle_timeout: 3s")
        let port = stack.proxyPort
        var clients: [SlowClient] = []
        defer { for c in clients { close(c.fd) } }
        let head = Array("POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 100000\r\n\r\n".utf8)
        let fds = try Sock.openIdle(200, port: port)
        let start = Date()
        for fd in fds {
            let c = SlowClient(fd: fd, bytes: head + Array(repeating: UInt8(ascii: "b"), count: 1000), start: start)
            c.sendNow(head.count + 10)
            clients.append(c)
        }
        let normal = NormalTraffic(port: port, path: "/")
        normal.start()
        // Trickle one body byte per client every 500 ms for 4 s: longer than idle_timeout in total, but no gap is.
        let trickleEnd = Date().addingTimeInterval(4)
        while Date() < trickleEnd {
            for c in clients where c.closedAfter == nil { c.step() }
            usleep(500_000)
        }
        let cutEarly = clients.filter { $0.closedAfter != nil }.count
        XCTAssertEqual(cutEarly, 0, "\(cutEarly) slow-POST clients were cut while their body still moved")
        // Stop sending: each must go idle_timeout after its last byte.
        let stoppedAt = Date()
        while Date().timeIntervalSince(stoppedAt) < 15 && clients.contains(where: { $0.closedAfter == nil }) {
            for c in clients where c.closedAfter == nil { c.poll() }
            usleep(50_000)
        }
        let samples = normal.stop()
        let open = clients.filter { $0.closedAfter == nil }.count
        XCTAssertEqual(open, 0, "\(open) stalled POST bodies were never cut off")
        let afterStop = clients.compactMap { c in c.closedAt.map { $0.timeIntervalSince(c.lastSent) } }.sorted()
        if let first = afterStop.first, let last = afterStop.last {
            print("exhaustion: 200 stalled POST bodies closed \(String(format: "%.2f", first))-\(String(format: "%.2f", last)) s after their last byte (idle_timeout 3s)")
            XCTAssertGreaterThan(first, 2.8)
            XCTAssertLessThan(last, 9)
        }
        normal.assertServed(samples, "during the slow POSTs")
    }

    // MARK: - Clients that never read

    /// 20 clients ask for 200 MiB each and never read: the proxy stops reading the upstream (backpressure), its
    /// RSS stays bounded, the others are served, and each stalled download is cut once the client has taken
    /// nothing for `upstream_timeout`.
    func testClientsThatNeverReadALargeResponseKeepMemoryBoundedAndAreCut() throws {
        try stack.startProxyUnder(nofile: nil, upstreamPort: try stack.startFixture(),
                                  limits: ["upstream_timeout: 4s", "idle_timeout: 30s"], admin: true)
        let port = stack.proxyPort
        // Warm up the allocator with one normal download, then take the baseline.
        XCTAssertEqual(try Sock.timedGet(port: port, path: "/big?mb=2").status, 200)
        usleep(300_000)
        let baseline = stack.proxy.rssKiB
        var fds: [Int32] = []
        defer { for fd in fds { close(fd) } }
        for _ in 0..<20 {
            let fd = try Sock.connectBlocking(port: port, receiveBuffer: 16384)
            fds.append(fd)
            XCTAssertTrue(Sock.sendAll(fd, Array("GET /big?mb=200 HTTP/1.1\r\nHost: a\r\n\r\n".utf8)))
        }
        let normal = NormalTraffic(port: port, path: "/ping")
        var peak = baseline
        let started = Date()
        // Let the 20 upstream connects settle before measuring others (the fixture's backlog is 128: no SYN is
        // dropped, so none of the 20 comes up late and escapes the cut the loop below waits for).
        usleep(1_000_000)
        normal.start()
        var cutAfter: Double?
        while Date().timeIntervalSince(started) < 25 {
            peak = max(peak, stack.proxy.rssKiB)
            if let n = stack.openConnections(), n <= 1 {  // only the normal client may remain
                cutAfter = Date().timeIntervalSince(started)
                break
            }
            usleep(100_000)
        }
        let samples = normal.stop()
        print("exhaustion: 20 non-reading 200 MiB downloads: proxy RSS \(baseline) KiB -> peak \(peak) KiB (+\((peak - baseline) / 1024) MiB); cut after \(cutAfter.map { String(format: "%.1f", $0) } ?? "never") s (upstream_timeout 4s)")
        XCTAssertLessThan(peak - baseline, 32 * 1024, "RSS grew by \(peak - baseline) KiB for 20 stalled clients")
        let cut = try XCTUnwrap(cutAfter, "the stalled downloads were never cut")
        XCTAssertGreaterThan(cut, 3)
        // Each client got part of the body and then the end of the stream.
        for fd in fds {
            let (bytes, eof) = Sock.drain(fd, timeout: 10)
            XCTAssertTrue(eof, "a stalled download was not closed")
            XCTAssertLessThan(bytes, 200 << 20)
        }
        normal.assertServed(samples, "while 20 clients did not read")
    }

    /// A response the upstream finished but the client never reads, on a connection that closes afterwards
    /// (`Connection: close`): the bytes wait in tollgate's output buffer, and the connection must still be closed
    /// (here after idle_timeout) instead of holding the buffer and the slot forever.
    func testAnUnreadResponseOnAClosingConnectionIsNotHeldForever() throws {
        try stack.startProxyUnder(nofile: nil, upstreamPort: try stack.startFixture(),
                                  limits: ["upstream_timeout: 3s", "idle_timeout: 2s"], admin: true)
        let port = stack.proxyPort
        var fds: [Int32] = []
        defer { for fd in fds { close(fd) } }
        // Sizes around what loopback socket buffers take: some end with the whole rest of the response in
        // tollgate's buffer (the case at stake), the bigger ones with the upstream held back (cut by
        // upstream_timeout).
        for mb in [2, 3, 3, 4] {
            let fd = try Sock.connectBlocking(port: port, receiveBuffer: 4096)
            fds.append(fd)
            XCTAssertTrue(Sock.sendAll(fd, Array("GET /big?mb=\(mb) HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n".utf8)))
        }
        try waitFor(5, "the proxy to count the clients") { (self.stack.openConnections() ?? 0) >= 4 }
        let start = Date()
        try waitFor(15, "the unread responses to be dropped") { self.stack.openConnections() == 0 }
        print("exhaustion: unread responses on closing connections dropped after \(String(format: "%.1f", Date().timeIntervalSince(start))) s")
    }

    /// The other side of the same timers: a client that reads slowly but steadily (here ~600 KB/s against 1 s
    /// timeouts) must get the whole response, keep-alive or not. Neither `upstream_timeout` (while tollgate itself
    /// holds the upstream back for this client) nor `idle_timeout` (while the end of the response still waits in
    /// tollgate's buffer) may cut a download that is moving.
    func testASlowButSteadyReaderGetsTheWholeResponse() throws {
        try stack.startProxyUnder(nofile: nil, upstreamPort: try stack.startFixture(),
                                  limits: ["upstream_timeout: 1s", "idle_timeout: 1s"], admin: false)
        let port = stack.proxyPort
        let size = 4 << 20
        final class Result: @unchecked Sendable {
            private let lock = NSLock()
            private var values = [0, 0]
            func set(_ i: Int, _ v: Int) { lock.withLock { values[i] = v } }
            var bytes: [Int] { lock.withLock { values } }
        }
        let result = Result()
        let group = DispatchGroup()
        for (i, connection) in ["keep-alive", "close"].enumerated() {
            let fd = try Sock.connectBlocking(port: port, receiveBuffer: 65536)
            XCTAssertTrue(Sock.sendAll(fd, Array("GET /big?mb=4 HTTP/1.1\r\nHost: a\r\nConnection: \(connection)\r\n\r\n".utf8)))
            group.enter()
            Thread {
                // ~60 KB every 100 ms, until the whole body (after the head) is in or the stream ends.
                var got = 0
                var head = -1
                var seen: [UInt8] = []
                var buf = [UInt8](repeating: 0, count: 60_000)
                let deadline = Date().addingTimeInterval(40)
                while Date() < deadline {
                    let n = recv(fd, &buf, buf.count, Int32(MSG_DONTWAIT))
                    if n == 0 { break }
                    if n < 0 {
                        if errno == EAGAIN || errno == EINTR { usleep(20_000); continue }
                        break
                    }
                    got += n
                    if head < 0 {
                        seen += buf[0..<min(n, 4096)]
                        if let r = String(decoding: seen, as: UTF8.self).range(of: "\r\n\r\n") {
                            head = String(decoding: seen, as: UTF8.self)[..<r.upperBound].utf8.count
                        }
                    }
                    if head >= 0 && got - head >= size { break }
                    usleep(100_000)
                }
                result.set(i, head >= 0 ? got - head : 0)
                close(fd)
                group.leave()
            }.start()
        }
        XCTAssertEqual(group.wait(timeout: .now() + 60), .success)
        print("exhaustion: slow readers got \(result.bytes) of \(size) body bytes (keep-alive, close)")
        XCTAssertEqual(result.bytes, [size, size], "a slow but steady download was cut")
    }

    // MARK: - Bad-credential flood

    /// 20,000 source addresses (127.1.x.y) each present a bad token: the brake tracks at most `max_tracked`
    /// of them, the proxy's memory stays flat, a valid credential gets 200 throughout, and a fresh abuser
    /// is still braked (429 after the limit) once the flood is over.
    func testBadCredentialFloodFromManyAddressesKeepsTheBrakeBounded() throws {
        try stack.writeReaderAccounts()
        try stack.startProxyUnder(nofile: nil, upstreamPort: try stack.startEcho(), limits: [],
                                  extra: "failed_auth:\n  limit: 3\n  window: 60s\n  max_tracked: 1000",
                                  routes: "  - path: /\n    roles: [reader]", admin: true)
        let port = stack.proxyPort
        let bad = Array("GET /x HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer tg_wrong\r\nConnection: close\r\n\r\n".utf8)
        var statuses: [Int: Int] = [:]
        var validChecks: [Int] = []
        func flood(_ range: Range<Int>) throws {
            for batchStart in stride(from: range.lowerBound, to: range.upperBound, by: 250) {
                let batch = (batchStart..<min(batchStart + 250, range.upperBound)).map { i -> UInt32 in
                    (127 << 24) | (1 << 16) | UInt32(i)  // 127.1.0.0 + i
                }
                for (status, n) in try Sock.requestFrom(batch, port: port, request: bad) { statuses[status, default: 0] += n }
                if (batchStart / 250) % 10 == 0 {
                    validChecks.append(try Sock.timedGet(port: port, path: "/x", bearer: "tg_ci").status)
                }
            }
        }
        // Warm-up: more addresses than the brake tracks, so the tracker is already full.
        try flood(0..<3_000)
        usleep(300_000)
        let before = stack.proxy.rssKiB
        let started = Date()
        try flood(3_000..<23_000)
        let seconds = Date().timeIntervalSince(started)
        usleep(300_000)
        let after = stack.proxy.rssKiB
        let tracked = stack.metric("tollgate_failed_auth_tracked_clients")
        print("exhaustion: 20,000 more bad-credential addresses in \(String(format: "%.1f", seconds)) s; RSS \(before) -> \(after) KiB; brake tracks \(tracked.map(String.init) ?? "?") (max_tracked 1000)")
        XCTAssertEqual(statuses[401], 23_000, "\(statuses)")
        XCTAssertEqual(Set(validChecks), [200], "a valid credential was refused during the flood: \(validChecks)")
        XCTAssertEqual(tracked, 1000)
        XCTAssertLessThan(after - before, 16 * 1024, "RSS grew by \(after - before) KiB over 20,000 addresses")

        // A fresh abuser is still braked: 3 failures pass (401), the 4th is refused (429 with Retry-After).
        let abuser: UInt32 = (127 << 24) | (2 << 16) | 1
        var answers: [Int] = []
        var retryAfter = false
        for _ in 0..<4 {
            let r = try Sock.requestFrom([abuser], port: port, request: bad, raw: true)
            answers.append(r.first?.statusCode ?? 0)
            retryAfter = r.first?.lowercased().contains("retry-after:") ?? false
        }
        XCTAssertEqual(answers, [401, 401, 401, 429])
        XCTAssertTrue(retryAfter)
        XCTAssertEqual(try Sock.timedGet(port: port, path: "/x", bearer: "tg_ci").status, 200)
    }

    // MARK: - Running out of file descriptors

    /// tollgate under `prlimit --nofile=64:64` with `max_connections: 1000`: once accept() fails with EMFILE, the
    /// listener backs off (the process does not spin), says so once (rate-limited), a request on an accepted
    /// connection whose upstream socket cannot be opened gets 502, and after the clients go it serves again.
    func testRunningOutOfFileDescriptorsBacksOffAndRecovers() throws {
        try stack.startProxyUnder(nofile: (64, 64), upstreamPort: try stack.startEcho(),
                                  limits: ["max_connections: 1000", "header_timeout: 60s", "idle_timeout: 60s"],
                                  admin: false)
        XCTAssertTrue(stack.proxy.stderr.contains("cannot hold max_connections 1000"), stack.proxy.stderr)
        let port = stack.proxyPort
        let pid = stack.proxy.process.processIdentifier
        var held: [Int32] = []
        defer { for fd in held { close(fd) } }
        held += try Sock.openIdle(120, port: port)
        try waitFor(10, "an accept_error log line") { self.stack.proxy.stderr.contains("\"event\":\"accept_error\"") }
        XCTAssertTrue(stack.proxy.stderr.contains("EMFILE"), stack.proxy.stderr)

        // The first connection was accepted; its upstream socket cannot be opened: 502, not a crash.
        XCTAssertTrue(Sock.sendAll(held[0], Array("GET / HTTP/1.1\r\nHost: a\r\n\r\n".utf8)))
        let answer = Sock.readResponse(held[0], timeout: 10)
        XCTAssertEqual(answer.statusCode, 502, answer)
        XCTAssertTrue(stack.proxy.process.isRunning)

        // Saturated: the process must not spin on the readable listening socket.
        let cpu0 = Sock.cpuSeconds(pid: pid)
        let wall0 = Date()
        usleep(3_000_000)
        let cpu = Sock.cpuSeconds(pid: pid) - cpu0
        let wall = Date().timeIntervalSince(wall0)
        let lines = stack.proxy.stderr.components(separatedBy: "\"event\":\"accept_error\"").count - 1
        print("exhaustion: fd-exhausted proxy used \(String(format: "%.3f", cpu)) s CPU in \(String(format: "%.1f", wall)) s; \(lines) accept_error log line(s)")
        XCTAssertLessThan(cpu, 0.3 * wall, "the proxy spins while accept() fails")
        XCTAssertLessThanOrEqual(lines, 3, "accept errors are not rate-limited")
        XCTAssertFalse(stack.proxy.stderr.contains("Error from accept() call"), "libevent's own unlimited warning")

        // Clients go: service resumes without a restart.
        for fd in held { close(fd) }
        held.removeAll()
        let freedAt = Date()
        var status = 0
        while Date().timeIntervalSince(freedAt) < 15 {
            status = (try? Sock.timedGet(port: port, timeout: 3).status) ?? 0
            if status == 200 { break }
            usleep(100_000)
        }
        let recovery = Date().timeIntervalSince(freedAt)
        print("exhaustion: served again \(String(format: "%.2f", recovery)) s after the clients closed")
        XCTAssertEqual(status, 200)
        XCTAssertLessThan(recovery, 10)
        try waitFor(5, "an accept_recovered log line") { self.stack.proxy.stderr.contains("\"event\":\"accept_recovered\"") }
    }

    // MARK: - Helpers

    private func waitFor(_ timeout: Double, _ what: String, _ condition: () throws -> Bool) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try condition() { return }
            usleep(50_000)
        }
        XCTFail("timed out after \(timeout) s waiting for \(what)")
        throw NSError(domain: "exhaustion", code: 1, userInfo: [NSLocalizedDescriptionKey: "timed out: \(what)"])
    }
}

// MARK: - Proxy start-up with an fd limit and an admin listener

extension Stack {
    /// Like `startProxy`, but under `prlimit --nofile=SOFT:HARD` (nil: inherited) and, when `admin`, with an
    /// admin listener on a free port. `limits` are lines under `limits:`.
    func startProxyUnder(nofile: (soft: Int, hard: Int)?, upstreamPort: Int, limits: [String], extra: String = "",
                         routes: String? = nil, admin: Bool) throws {
        self.upstreamPort = upstreamPort
        var lines = [
            "listen: \"127.0.0.1:0\"",
            "upstream: \"http://127.0.0.1:\(upstreamPort)\"",
            "workers: 1",
            "accounts_file: accounts.yaml",
            "realm: \"test\"",
            "log:",
            "  access: false",
        ]
        if admin { lines.append("admin_listen: \"127.0.0.1:0\"") }
        if !limits.isEmpty { lines += ["limits:"] + limits.map { "  " + $0 } }
        if !extra.isEmpty { lines.append(extra) }
        lines += ["routes:", routes ?? "  - path: /\n    public: true", ""]
        let path = dir.appendingPathComponent("tollgate.yaml")
        try lines.joined(separator: "\n").write(to: path, atomically: true, encoding: .utf8)
        let accounts = dir.appendingPathComponent("accounts.yaml")
        if (try? accounts.checkResourceIsReachable()) != true {
            try "accounts: []\n".write(to: accounts, atomically: true, encoding: .utf8)
        }
        let args = ["serve", "--config", path.path]
        if let nofile {
            proxy = try Child("/usr/bin/prlimit", ["--nofile=\(nofile.soft):\(nofile.hard)", Paths.tollgate] + args, dir: dir)
        } else {
            proxy = try Child(Paths.tollgate, args, dir: dir)
        }
        children.append(proxy)
        proxyPort = try proxy.waitForPort(marker: Child.proxyMarker)
        if admin { adminPort = try proxy.waitForPort(marker: "admin listening on ") }
    }

    /// A gauge or counter without labels from the admin listener's /metrics; nil when it cannot be read.
    func metric(_ name: String) -> Int? {
        guard adminPort > 0, let c = try? RawClient(port: adminPort, timeout: 10) else { return nil }
        c.send("GET /metrics HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
        let text = c.readAll().data
        for line in text.split(separator: "\n") where line.hasPrefix(name + " ") {
            return Double(line.dropFirst(name.count + 1).trimmingCharacters(in: .whitespaces)).map { Int($0) }
        }
        return nil
    }

    /// `tollgate_open_connections`.
    func openConnections() -> Int? { metric("tollgate_open_connections") }
}

// MARK: - Raw sockets

/// Non-blocking and blocking socket helpers for many connections at once.
enum Sock {
    static func fileLimit() -> (soft: Int, hard: Int) {
        var rl = rlimit()
        getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &rl)
        return (Int(clamping: rl.rlim_cur), Int(clamping: rl.rlim_max))
    }

    /// The soft "Max open files" of process `pid` (Linux /proc).
    static func softFileLimit(pid: Int32) -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/limits", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("Max open files") {
            let fields = line.dropFirst("Max open files".count).split(separator: " ")
            return fields.first.flatMap { Int($0) }
        }
        return nil
    }

    static func raiseFileLimitToHard() {
        var rl = rlimit()
        guard getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &rl) == 0, rl.rlim_cur < rl.rlim_max else { return }
        rl.rlim_cur = rl.rlim_max
        _ = setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &rl)
    }

    private static func address(_ host: UInt32, port: Int) -> sockaddr_in {
        var a = sockaddr_in()
        a.sin_family = sa_family_t(AF_INET)
        a.sin_port = UInt16(port).bigEndian
        a.sin_addr.s_addr = host.bigEndian
        return a
    }

    private static let loopback: UInt32 = 0x7f00_0001

    /// Starts a non-blocking connect to 127.0.0.1:`port`, from `source` (an IPv4 address, host order) when given.
    static func connectStart(port: Int, source: UInt32? = nil, receiveBuffer: Int? = nil) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw NSError(domain: "socket", code: Int(errno)) }
        if var size = receiveBuffer.map(Int32.init) {
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        if let source {
            var one: Int32 = 1
            setsockopt(fd, Int32(IPPROTO_IP), 24 /* IP_BIND_ADDRESS_NO_PORT */, &one, socklen_t(MemoryLayout<Int32>.size))
            var a = address(source, port: 0)
            let rc = withUnsafePointer(to: &a) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard rc == 0 else {
                let e = errno
                close(fd)
                throw NSError(domain: "bind", code: Int(e))
            }
        }
        var a = address(loopback, port: port)
        let rc = withUnsafePointer(to: &a) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        if rc != 0 && errno != EINPROGRESS {
            let e = errno
            close(fd)
            throw NSError(domain: "connect", code: Int(e))
        }
        return fd
    }

    /// Waits until every socket in `fds` has connected; throws on a failure or after `timeout`.
    static func waitConnected(_ fds: [Int32], timeout: Double) throws {
        var pending = Set(fds)
        let deadline = Date().addingTimeInterval(timeout)
        while !pending.isEmpty {
            guard Date() < deadline else {
                throw NSError(domain: "connect", code: Int(ETIMEDOUT),
                              userInfo: [NSLocalizedDescriptionKey: "\(pending.count) connects pending"])
            }
            var pfds = pending.map { pollfd(fd: $0, events: Int16(POLLOUT), revents: 0) }
            _ = Glibc.poll(&pfds, nfds_t(pfds.count), 200)
            for p in pfds where p.revents != 0 {
                var err: Int32 = 0
                var len = socklen_t(MemoryLayout<Int32>.size)
                getsockopt(p.fd, SOL_SOCKET, SO_ERROR, &err, &len)
                if err != 0 { throw NSError(domain: "connect", code: Int(err)) }
                pending.remove(p.fd)
            }
        }
    }

    /// Opens `count` connections that send nothing, in batches (so that the listen queue never overflows).
    static func openIdle(_ count: Int, port: Int) throws -> [Int32] {
        var all: [Int32] = []
        all.reserveCapacity(count)
        do {
            while all.count < count {
                var batch: [Int32] = []
                for _ in 0..<min(500, count - all.count) { batch.append(try connectStart(port: port)) }
                all += batch
                try waitConnected(batch, timeout: 30)
            }
        } catch {
            for fd in all { close(fd) }
            throw error
        }
        return all
    }

    /// A blocking connection (optionally with a small receive buffer, set before the handshake).
    static func connectBlocking(port: Int, receiveBuffer: Int? = nil) throws -> Int32 {
        let fd = try connectStart(port: port, receiveBuffer: receiveBuffer)
        try waitConnected([fd], timeout: 10)
        let flags = fcntl(fd, F_GETFL)
        _ = fcntl(fd, F_SETFL, flags & ~Int32(O_NONBLOCK))
        return fd
    }

    /// Sends all of `bytes` (waiting for room on a non-blocking socket); false when the peer is gone.
    @discardableResult
    static func sendAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var off = 0
        while off < bytes.count {
            let n = bytes[off...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n > 0 {
                off += n
            } else if n < 0 && (errno == EAGAIN || errno == EINTR) {
                var p = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                _ = Glibc.poll(&p, 1, 1000)
            } else {
                return false
            }
        }
        return true
    }

    /// True when the peer closed or reset the connection (without consuming data).
    static func peerClosed(_ fd: Int32) -> Bool {
        var b: UInt8 = 0
        let n = recv(fd, &b, 1, Int32(MSG_PEEK | MSG_DONTWAIT))
        if n == 0 { return true }
        if n < 0 { return errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR }
        return false
    }

    /// Reads and counts everything until EOF or `timeout`; returns the byte count and whether EOF (or a reset)
    /// was seen.
    static func drain(_ fd: Int32, timeout: Double) -> (Int, Bool) {
        var total = 0
        var buf = [UInt8](repeating: 0, count: 1 << 16)
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            if Glibc.poll(&p, 1, 200) <= 0 { continue }
            let n = recv(fd, &buf, buf.count, Int32(MSG_DONTWAIT))
            if n > 0 { total += n; continue }
            if n == 0 { return (total, true) }
            if errno == EAGAIN || errno == EINTR { continue }
            return (total, true)
        }
        return (total, false)
    }

    /// Reads one response (head + Content-Length body) or until close/`timeout`.
    static func readResponse(_ fd: Int32, timeout: Double) -> String {
        var data = [UInt8]()
        var buf = [UInt8](repeating: 0, count: 65536)
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let text = complete(data) { return text }
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            if Glibc.poll(&p, 1, 200) <= 0 { continue }
            let n = recv(fd, &buf, buf.count, Int32(MSG_DONTWAIT))
            if n > 0 {
                data += buf[0..<n]
            } else if n == 0 || (errno != EAGAIN && errno != EINTR) {
                break
            }
        }
        return String(decoding: data, as: UTF8.self)
    }

    private static func complete(_ data: [UInt8]) -> String? {
        let text = String(decoding: data, as: UTF8.self)
        guard let r = text.range(of: "\r\n\r\n") else { return nil }
        var length = 0
        for line in text[..<r.lowerBound].split(separator: "\r\n") where line.lowercased().hasPrefix("content-length:") {
            length = Int(line.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) ?? 0
        }
        return text.utf8.count >= text[..<r.upperBound].utf8.count + length ? text : nil
    }

    /// A GET on a fresh connection (`Connection: close`): the status and how long it took.
    static func timedGet(port: Int, path: String = "/", bearer: String? = nil, timeout: Double = 10) throws
        -> (status: Int, seconds: Double)
    {
        let start = Date()
        let c = try RawClient(port: port, timeout: timeout)
        let auth = bearer.map { "Authorization: Bearer \($0)\r\n" } ?? ""
        c.send("GET \(path) HTTP/1.1\r\nHost: a\r\n\(auth)Connection: close\r\n\r\n")
        let (data, _) = c.readAll()
        return (data.statusCode, Date().timeIntervalSince(start))
    }

    /// Sends `request` once from each source address (one connection each, all at once) and reads each answer
    /// to the end of the stream. Returns how many answers had each status.
    static func requestFrom(_ sources: [UInt32], port: Int, request: [UInt8]) throws -> [Int: Int] {
        var counts: [Int: Int] = [:]
        for r in try requestFrom(sources, port: port, request: request, raw: true) { counts[r.statusCode, default: 0] += 1 }
        return counts
    }

    /// Like `requestFrom(_:port:request:)`, returning the raw answers in order.
    static func requestFrom(_ sources: [UInt32], port: Int, request: [UInt8], raw: Bool) throws -> [String] {
        var fds: [Int32] = []
        defer { for fd in fds { close(fd) } }
        for s in sources { fds.append(try connectStart(port: port, source: s)) }
        try waitConnected(fds, timeout: 30)
        for fd in fds { _ = sendAll(fd, request) }
        var answers = [[UInt8]](repeating: [], count: fds.count)
        var open = Set(fds.indices)
        var buf = [UInt8](repeating: 0, count: 16384)
        let deadline = Date().addingTimeInterval(30)
        while !open.isEmpty && Date() < deadline {
            let order = Array(open)
            var pfds = order.map { pollfd(fd: fds[$0], events: Int16(POLLIN), revents: 0) }
            _ = Glibc.poll(&pfds, nfds_t(pfds.count), 200)
            for (k, p) in pfds.enumerated() where p.revents != 0 {
                let i = order[k]
                let n = recv(fds[i], &buf, buf.count, Int32(MSG_DONTWAIT))
                if n > 0 {
                    answers[i] += buf[0..<n]
                } else if n == 0 || (errno != EAGAIN && errno != EINTR) {
                    open.remove(i)
                }
            }
        }
        return answers.map { String(decoding: $0, as: UTF8.self) }
    }

    /// User + system CPU seconds of process `pid` (Linux /proc).
    static func cpuSeconds(pid: Int32) -> Double {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return 0 }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }
}

/// One slow client: sends `bytes` one at a time on `step()`, and notices when the proxy closes the connection.
final class SlowClient {
    let fd: Int32
    let bytes: [UInt8]
    let start: Date
    private(set) var sent = 0
    private(set) var lastSent = Date()
    private(set) var received: [UInt8] = []
    /// Seconds from `start` to the moment the close was seen; nil while open.
    private(set) var closedAfter: Double?
    private(set) var closedAt: Date?

    init(fd: Int32, bytes: [UInt8], start: Date) {
        self.fd = fd
        self.bytes = bytes
        self.start = start
    }

    /// Sends the next `count` bytes at once.
    func sendNow(_ count: Int) {
        let end = min(bytes.count, sent + count)
        if Sock.sendAll(fd, Array(bytes[sent..<end])) { sent = end }
        lastSent = Date()
    }

    /// Checks for a close, then sends one more byte.
    func step() {
        poll()
        guard closedAfter == nil, sent < bytes.count else { return }
        let n = bytes[sent...].prefix(1).withUnsafeBytes { send(fd, $0.baseAddress, 1, Int32(MSG_NOSIGNAL | MSG_DONTWAIT)) }
        if n == 1 {
            sent += 1
            lastSent = Date()
        } else if n < 0 && errno != EAGAIN {
            markClosed()
        }
    }

    /// Reads whatever arrived; notes a close.
    func poll() {
        guard closedAfter == nil else { return }
        var buf = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = recv(fd, &buf, buf.count, Int32(MSG_DONTWAIT))
            if n > 0 {
                received += buf[0..<n]
                continue
            }
            if n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) { markClosed() }
            return
        }
    }

    private func markClosed() {
        closedAt = Date()
        closedAfter = Date().timeIntervalSince(start)
    }
}

/// A normal client on a background thread: one GET per fresh connection, back to back, recording status and
/// latency until `stop()`.
final class NormalTraffic: @unchecked Sendable {
    let port: Int
    let path: String
    private let lock = NSLock()
    private var samples: [(status: Int, seconds: Double)] = []
    private var stopping = false
    private let done = DispatchSemaphore(value: 0)

    init(port: Int, path: String) {
        self.port = port
        self.path = path
    }

    func start() {
        let t = Thread { [self] in
            while !self.lock.withLock({ self.stopping }) {
                let r = (try? Sock.timedGet(port: self.port, path: self.path, timeout: 10)) ?? (status: 0, seconds: 10)
                self.lock.withLock { self.samples.append(r) }
                usleep(20_000)
            }
            self.done.signal()
        }
        t.start()
    }

    /// Stops the thread and returns what it saw.
    func stop() -> [(status: Int, seconds: Double)] {
        lock.withLock { stopping = true }
        done.wait()
        return lock.withLock { samples }
    }

    /// Every request got 200, within a generous bound (a loaded 2-core machine), and there were several.
    func assertServed(_ samples: [(status: Int, seconds: Double)], _ when: String, file: StaticString = #filePath,
                      line: UInt = #line) {
        let bad = samples.filter { $0.status != 200 }
        let slowest = samples.map(\.seconds).max() ?? 0
        let sorted = samples.map(\.seconds).sorted()
        let median = sorted.isEmpty ? 0 : sorted[sorted.count / 2]
        print("exhaustion: \(samples.count) normal requests \(when): median \(String(format: "%.1f", median * 1000)) ms, slowest \(String(format: "%.1f", slowest * 1000)) ms, \(bad.count) not 200")
        XCTAssertGreaterThanOrEqual(samples.count, 5, "too few normal requests \(when)", file: file, line: line)
        XCTAssertEqual(bad.count, 0, "normal requests failed \(when): \(bad.prefix(5))", file: file, line: line)
        XCTAssertLessThan(slowest, 3, "a normal request took \(slowest) s \(when)", file: file, line: line)
    }
}
