import Foundation
import XCTest

/// One request the upstream must have recorded.
struct Seen {
    var method: String
    var target: String
    var body: String = ""
    /// The identity the upstream must see (`X-Forwarded-User`); nil: none at all (public route).
    var user: String? = nil
    /// The body streams, so the upstream may have got this request's head (and part of its body) before the
    /// proxy found the framing error and cut the link: then it must be incomplete (`body` is not checked).
    /// Absent is fine too.
    var aborted = false
}

/// One smuggling or framing case: raw bytes in, statuses out, and the upstream's own record.
struct SmugglingCase {
    var name: String
    /// Sent in one write, as latin-1 (one byte per character).
    var raw: String
    /// Every status the client must get, in order (100 counts as one).
    var statuses: [Int]
    /// The connection must be closed after the last response; otherwise it must stay open and in sync, which a
    /// probe request (`GET /pub/probe`, expected in the record too) proves.
    var close: Bool
    /// Exactly the requests the upstream may have received (in order).
    var seen: [Seen]
    /// Sent after the first response arrived (the body after `100 Continue`).
    var then: String? = nil
    /// Shut down the sending side after `raw` (a body that never completes).
    var halfClose = false
}

/// Request smuggling and framing over raw sockets (SPEC §5, SECURITY-LESSONS "Framing and smuggling"): CL.TE,
/// TE.CL, TE.TE obfuscations, Content-Length forms, chunk framing, trailers, header and request-line oddities,
/// pipelining after a refusal, Expect and Upgrade. Each case checks the statuses, whether the connection closed,
/// and — from the fixture upstream's own record of every byte it read — that exactly the expected requests reached
/// it: no hidden request, no leftover bytes, and the same answer from Python's parser and a strict splitter.
final class SmugglingTests: XCTestCase {
    var stack: Stack!
    var log: UpstreamLog!

    override func setUpWithError() throws {
        stack = try Stack()
        try stack.writeReaderAccounts()
        // A hidden request to /admin (role admin, which nobody has) or /api (role reader) would be visible in
        // the record; /pub is public.
        try stack.startProxy(
            upstreamPort: try stack.startFixture(),
            routes: """
                  - path: /pub
                    public: true
                  - exact: /early
                    public: true
                  - exact: /early-close
                    public: true
                  - exact: /slow
                    public: true
                  - path: /admin
                    roles: [admin]
                  - path: /api
                    roles: [reader]
                """)
        log = UpstreamLog(port: stack.upstreamPort)
    }

    override func tearDown() { stack.stop() }

    // MARK: - Building blocks

    static let auth = "Authorization: Bearer tg_ci\r\n"
    /// A complete request hidden in a body or after a short one.
    static let hidden = "GET /admin HTTP/1.1\r\nHost: a\r\n\r\n"
    static let probe = Seen(method: "GET", target: "/pub/probe")

    static func chunked(_ s: String) -> String { String(s.utf8.count, radix: 16) + "\r\n" + s + "\r\n0\r\n\r\n" }

    static func post(_ target: String = "/pub", _ headers: String, _ body: String) -> String {
        "POST \(target) HTTP/1.1\r\nHost: a\r\n\(headers)\r\n\(body)"
    }

    static func get(_ target: String, _ headers: String = "") -> String {
        "GET \(target) HTTP/1.1\r\nHost: a\r\n\(headers)\r\n"
    }

    static func pub(_ body: String = "", method: String = "POST", target: String = "/pub") -> Seen {
        Seen(method: method, target: target, body: body)
    }

    /// A POST the upstream may have got the head and part of the body of, cut off.
    static func aborted(_ target: String = "/pub") -> Seen {
        Seen(method: "POST", target: target, aborted: true)
    }

    // MARK: - Runner

    /// Runs every case on a fresh client connection; `split` writes each in small pieces with pauses.
    func run(
        _ cases: [SmugglingCase], split: Bool = false, file: StaticString = #filePath,
        line: UInt = #line
    ) throws {
        var names = Set<String>()
        for c in cases {
            XCTAssertTrue(names.insert(c.name).inserted, "duplicate case name \(c.name)", file: file, line: line)
            try run(c, split: split, file: file, line: line)
        }
    }

    private func send(_ s: String, to client: RawClient, split: Bool) {
        let bytes = latin1Bytes(s)
        guard split else { return client.send(bytes) }
        let sizes = [1, 3, 2, 7, 5, 11, 4]
        var offset = 0
        var k = 0
        while offset < bytes.count {
            let n = min(sizes[k % sizes.count], bytes.count - offset)
            client.send(Array(bytes[offset..<(offset + n)]))
            offset += n
            k += 1
            usleep(300)
        }
    }

    private func run(_ c: SmugglingCase, split: Bool, file: StaticString, line: UInt) throws {
        try log.reset()
        let client = try RawClient(port: stack.proxyPort, timeout: 3)
        if split {
            var one: Int32 = 1
            setsockopt(client.fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        }
        send(c.raw, to: client, split: split)
        if c.halfClose { shutdown(client.fd, Int32(SHUT_WR)) }
        var responses: [String] = []
        if let then = c.then {
            responses += client.readResponses(1)
            send(then, to: client, split: split)
            responses += client.readResponses(c.statuses.count - 1)
        } else {
            responses = client.readResponses(c.statuses.count)
        }
        let statuses = responses.map(\.statusCode)
        let what = "[\(c.name)\(split ? ", split" : "")] \(printable(latin1Bytes(c.raw), limit: 160))"
        XCTAssertEqual(
            statuses, c.statuses, "\(what): \(responses.map { String($0.prefix(200)) })",
            file: file, line: line)
        var closed = false
        var expected = c.seen
        if c.close {
            let (rest, eof) = client.readAll()
            closed = eof
            XCTAssertEqual(rest, "", "\(what): bytes after the last expected response", file: file, line: line)
            XCTAssertTrue(eof, "\(what): connection left open", file: file, line: line)
            if let last = responses.last, last.statusCode != 100 {
                XCTAssertTrue(
                    last.lowercased().contains("\r\nconnection: close\r\n"), "\(what): \(last)",
                    file: file, line: line)
            }
        } else {
            for r in responses {
                XCTAssertFalse(
                    r.lowercased().contains("\r\nconnection: close\r\n"), "\(what): \(r)",
                    file: file, line: line)
            }
            client.send(Self.get("/pub/probe", "Connection: close\r\n"))
            let probe = client.readResponses(1)
            XCTAssertEqual(
                probe.first?.statusCode, 200, "\(what): the connection lost its framing: \(probe)",
                file: file, line: line)
            let (rest, eof) = client.readAll()
            XCTAssertEqual(rest, "", "\(what): bytes after the probe's response", file: file, line: line)
            XCTAssertTrue(eof, file: file, line: line)
            expected.append(Self.probe)
        }
        let records = try log.requests()
        try checkRecord(records, expected: expected, what: what, file: file, line: line)
        print(
            "SMUG\(split ? "-split" : "")| \(c.name) | \(statuses.map(String.init).joined(separator: ",")) | "
                + "\(c.close ? (closed ? "closed" : "OPEN!") : "open+probe") | "
                + (records.isEmpty ? "none" : records.map { $0.summary }.joined(separator: "; ")))
    }

    /// The upstream's record: Python's view and a strict splitter's view of each connection's bytes agree, and
    /// they hold exactly `expected`.
    private func checkRecord(
        _ records: [UpstreamRequestRecord], expected: [Seen], what: String,
        file: StaticString, line: UInt
    ) throws {
        let connections = try log.connections()
        // Full bodies as the strict splitter decoded them (the fixture keeps only the first 64 KiB).
        var fullBody: [String: [UInt8]] = [:]
        for conn in connections {
            let (messages, error) = WireSplitter.split(conn.raw)
            XCTAssertNil(
                error, "\(what): upstream connection \(conn.id) read \(printable(conn.raw))",
                file: file, line: line)
            let mine = records.filter { $0.conn == conn.id }
            XCTAssertEqual(
                mine.flatMap(\.raw), conn.raw,
                "\(what): bytes on upstream connection \(conn.id) that no recorded request accounts for",
                file: file, line: line)
            XCTAssertEqual(
                messages.count, mine.count, "\(what): strict count differs from the fixture's",
                file: file, line: line)
            for (m, r) in zip(messages, mine) {
                XCTAssertEqual(m.requestLine, r.requestLine, what, file: file, line: line)
                XCTAssertEqual(m.body.count, r.bodyLength, what, file: file, line: line)
                XCTAssertTrue(m.body.starts(with: r.body), what, file: file, line: line)
                XCTAssertEqual(m.complete, r.complete, what, file: file, line: line)
                fullBody["\(r.conn).\(r.seq)"] = m.body
            }
        }
        for r in records {
            XCTAssertTrue(
                connections.contains { $0.id == r.conn }, "\(what): \(r.summary) on no connection",
                file: file, line: line)
            checkForwarded(r, what: what, file: file, line: line)
        }
        var i = 0
        for e in expected {
            if i < records.count, records[i].method == e.method, records[i].target == e.target,
                e.aborted ? !records[i].complete : records[i].complete
            {
                let r = records[i]
                let body = fullBody["\(r.conn).\(r.seq)"] ?? r.body
                // An aborted request only has to be incomplete: which prefix of it got through depends on reads.
                if !e.aborted {
                    XCTAssertTrue(
                        body == latin1Bytes(e.body), "\(what): body of \(r.summary)",
                        file: file, line: line)
                }
                XCTAssertEqual(
                    r.values("X-Forwarded-User"), e.user.map { [$0] } ?? [],
                    "\(what): identity on \(r.summary)", file: file, line: line)
                i += 1
            } else if !e.aborted {
                XCTFail(
                    "\(what): expected \(e.method) \(e.target) upstream, got "
                        + (i < records.count ? records[i].summary : "nothing"), file: file, line: line)
            }
        }
        if i < records.count {
            XCTFail("\(what): the upstream received more: \(records[i...].map(\.summary))", file: file, line: line)
        }
    }

    /// What every forwarded request must look like, whatever the client sent (SPEC §6).
    private func checkForwarded(_ r: UpstreamRequestRecord, what: String, file: StaticString, line: UInt) {
        let ctx = "\(what): \(r.summary) \(r.headers)"
        XCTAssertTrue(r.parseOK, ctx, file: file, line: line)
        XCTAssertEqual(r.version, "HTTP/1.1", ctx, file: file, line: line)
        XCTAssertEqual(r.values("Host").count, 1, ctx, file: file, line: line)
        XCTAssertTrue(r.trailers.isEmpty, "\(ctx): trailers \(r.trailers)", file: file, line: line)
        let never: Set = [
            "expect", "upgrade", "te", "trailer", "keep-alive", "proxy-connection", "http2-settings", "authorization",
        ]
        for h in r.headers {
            let name = h.name.lowercased()
            let folded = name.replacingOccurrences(of: "_", with: "-")
            XCTAssertFalse(never.contains(folded), "\(ctx): \(h.name) forwarded", file: file, line: line)
            if name.contains("_") {
                XCTAssertFalse(
                    ["content-length", "transfer-encoding", "host", "x-forwarded-user"].contains(folded),
                    "\(ctx): \(h.name) forwarded", file: file, line: line)
            }
            if name == "connection" {
                XCTAssertTrue(["keep-alive", "close"].contains(h.value.lowercased()), ctx, file: file, line: line)
            }
        }
        let cl = r.values("Content-Length")
        let te = r.values("Transfer-Encoding")
        XCTAssertLessThanOrEqual(cl.count + te.count, 1, ctx, file: file, line: line)
        XCTAssertTrue(te.allSatisfy { $0 == "chunked" }, ctx, file: file, line: line)
        if r.complete, let n = cl.first {
            XCTAssertEqual(Int(n), r.body.count, ctx, file: file, line: line)
        }
    }
}

// MARK: - The cases

extension SmugglingTests {
    func testContentLengthAndTransferEncodingConflicts() throws {
        try run(Self.contentLengthAndTransferEncodingConflictsCases)
    }
    func testContentLengthForms() throws { try run(Self.contentLengthFormsCases) }
    func testChunkFraming() throws { try run(Self.chunkFramingCases) }
    func testHeaderFieldOddities() throws { try run(Self.headerFieldOdditiesCases) }
    func testRequestLineOddities() throws { try run(Self.requestLineOdditiesCases) }
    func testPipeliningAroundRefusals() throws { try run(Self.pipeliningAroundRefusalsCases) }
    func testExpectUpgradeAndEarlyResponses() throws { try run(Self.expectUpgradeAndEarlyResponsesCases) }

    /// Every case again (but the few over 4 KiB), written in small pieces with pauses so that heads, chunk-size
    /// lines, CRLFs and trailers are split across reads: resumable scanning must reach the same verdicts.
    func testEveryCaseSplitAcrossReads() throws {
        try run(Self.allCases.filter { $0.raw.utf8.count <= 4096 }, split: true)
    }

    static var allCases: [SmugglingCase] {
        contentLengthAndTransferEncodingConflictsCases + contentLengthFormsCases + chunkFramingCases
            + headerFieldOdditiesCases + requestLineOdditiesCases + pipeliningAroundRefusalsCases
            + expectUpgradeAndEarlyResponsesCases
    }
}
