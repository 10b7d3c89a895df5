import XCTest

@testable import TollgateEventLoop

/// Heads tollgate writes itself.
final class HeadWriterTests: XCTestCase {
    private let request = UpstreamRequest(
        method: "POST", target: "/a/b?c=d",
        headers: [("Host", "up.example"), ("X-Zeta", "1"), ("Accept", "*/*"), ("X-Alpha", "2"), ("X-Zeta", "3")])

    private func text(_ out: [UInt8]) -> String { String(decoding: out, as: UTF8.self) }

    func testRequestWithContentLengthPreservesHeaderOrder() {
        XCTAssertEqual(
            text(HeadWriter.request(request, contentLength: 5, chunked: false)),
            "POST /a/b?c=d HTTP/1.1\r\nHost: up.example\r\nX-Zeta: 1\r\nAccept: */*\r\nX-Alpha: 2\r\nX-Zeta: 3\r\n"
                + "Content-Length: 5\r\n\r\n")
    }

    func testRequestChunked() {
        XCTAssertEqual(
            text(HeadWriter.request(request, contentLength: nil, chunked: true)),
            "POST /a/b?c=d HTTP/1.1\r\nHost: up.example\r\nX-Zeta: 1\r\nAccept: */*\r\nX-Alpha: 2\r\nX-Zeta: 3\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n")
    }

    func testChunkedWinsOverALengthNeverBoth() {
        let out = text(HeadWriter.request(request, contentLength: 9, chunked: true))
        XCTAssertTrue(out.contains("Transfer-Encoding: chunked\r\n"))
        XCTAssertFalse(out.contains("Content-Length"))
    }

    func testRequestWithoutBody() {
        let get = UpstreamRequest(method: "GET", target: "/", headers: [("Host", "h")])
        XCTAssertEqual(text(HeadWriter.request(get, contentLength: nil, chunked: false)), "GET / HTTP/1.1\r\nHost: h\r\n\r\n")
        XCTAssertEqual(
            text(HeadWriter.request(get, contentLength: 0, chunked: false)), "GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n")
    }

    func testWrittenRequestPassesTheScanner() {
        for (length, chunked) in [(Int64?.none, false), (Int64?(12), false), (Int64?.none, true)] {
            let out = HeadWriter.request(request, contentLength: length, chunked: chunked)
            XCTAssertEqual(findEnd(out), .complete(start: 0, end: out.count))
            guard case .success(let facts) = validate(out) else { return XCTFail("scanner refused \(text(out))") }
            XCTAssertEqual(facts.contentLength, length)
            XCTAssertEqual(facts.chunked, chunked)
            XCTAssertEqual(facts.headerCount, request.headers.count + (length != nil || chunked ? 1 : 0))
        }
    }

    func testResponse() {
        XCTAssertEqual(
            text(HeadWriter.response(status: 401, reason: "Unauthorized", headers: [("B", "2"), ("A", "1")])),
            "HTTP/1.1 401 Unauthorized\r\nB: 2\r\nA: 1\r\n\r\n")
        XCTAssertEqual(text(HeadWriter.response(status: 204, reason: "No Content", headers: [])), "HTTP/1.1 204 No Content\r\n\r\n")
    }

    func testChunkHeader() {
        XCTAssertEqual(HeadWriter.chunkHeader(255), Array("ff\r\n".utf8))
        XCTAssertEqual(HeadWriter.chunkHeader(0), Array("0\r\n".utf8))
        XCTAssertEqual(HeadWriter.chunkHeader(1), Array("1\r\n".utf8))
        XCTAssertEqual(HeadWriter.chunkHeader(4096), Array("1000\r\n".utf8))
        XCTAssertEqual(HeadWriter.chunkHeader(0xABCDEF), Array("abcdef\r\n".utf8))
    }

    /// The filter's output; the one-pass route (lines noted during validation), where it applies, must agree.
    private func filtered(_ head: String, file: StaticString = #filePath, line: UInt = #line) -> String {
        var out: [UInt8] = []
        Array(head.utf8).withUnsafeBytes { ResponseHeaderFilter.copy($0, to: &out) }
        if let onePass = Array(head.utf8).withUnsafeBytes({ ResponseHeaderFilter.copyFromValidation($0) }) {
            XCTAssertEqual(String(decoding: onePass, as: UTF8.self), String(decoding: out, as: UTF8.self),
                           "one-pass route", file: file, line: line)
        }
        return String(decoding: out, as: UTF8.self)
    }

    private func onePass(_ head: String, capacity: Int = ResponseLines.capacity) -> String? {
        Array(head.utf8).withUnsafeBytes { ResponseHeaderFilter.copyFromValidation($0, capacity: capacity) }
            .map { String(decoding: $0, as: UTF8.self) }
    }

    func testOnePassRouteTakesTheUsualResponseAndDeclinesWhatItCannotDo() {
        let usual = "HTTP/1.1 200 OK\r\nServer: nginx\r\nDate: Tue, 24 Nov 2026 10:00:00 GMT\r\n"
            + "Content-Type: text/plain \t\r\nContent-Length: 3\r\nConnection: keep-alive\r\n"
            + "Keep-Alive: timeout=5\r\n\r\n"
        XCTAssertEqual(onePass(usual), "Server: nginx\r\nDate: Tue, 24 Nov 2026 10:00:00 GMT\r\n"
                       + "Content-Type: text/plain \t\r\n")
        XCTAssertEqual(onePass(usual), filtered(usual))
        // A Connection header naming a field (which may come before it) sends the head through the filter.
        XCTAssertNil(onePass("HTTP/1.1 200 OK\r\nX-Secret: 1\r\nConnection: X-Secret\r\n\r\n"))
        XCTAssertNil(onePass("HTTP/1.1 200 OK\r\nconnection: close, x-b\r\nX-B: 1\r\n\r\n"))
        // Only close / keep-alive / hop-by-hop names: nothing else to remove, the one-pass route stays.
        XCTAssertEqual(onePass("HTTP/1.1 200 OK\r\nConnection: close, Keep-Alive, TE\r\nA: 1\r\n\r\n"), "A: 1\r\n")
        // More lines than the room for them: declined.
        XCTAssertNil(onePass("HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\n\r\n", capacity: 1))
        XCTAssertEqual(onePass("HTTP/1.1 200 OK\r\nA: 1\r\nContent-Length: 0\r\n\r\n", capacity: 1), "A: 1\r\n")
        // A head that does not validate is not copied at all.
        XCTAssertNil(onePass("HTTP/1.1 200 OK\r\nA : 1\r\n\r\n"))
    }

    func testResponseFilterDropsHopByHopAndFramingFields() {
        var head = "HTTP/1.1 200 OK\r\n"
        for name in ["TE", "Trailer", "Upgrade", "connection", "Keep-Alive", "Content-Length", "Proxy-Connection",
                     "TRANSFER-ENCODING"] {
            head += "\(name): x\r\n"
        }
        for name in ["Content-Type", "Set-Cookie", "Trailers", "ETag", "X-Connection"] {
            head += "\(name): v-\(name)\r\n"
        }
        head += "\r\n"
        XCTAssertEqual(filtered(head), "Content-Type: v-Content-Type\r\nSet-Cookie: v-Set-Cookie\r\n"
                       + "Trailers: v-Trailers\r\nETag: v-ETag\r\nX-Connection: v-X-Connection\r\n")
    }

    func testResponseFilterDropsFieldsNamedByConnectionAndKeepsBytes() {
        let head = "HTTP/1.1 200 OK\r\nX-Secret: 1\r\nConnection: close, x-secret ,\tX-Other\r\n"
            + "Date:  Tue, 24 Nov 2026 \r\nx-other: 2\r\nSet-Cookie: a=b; Path=/\r\nX-Secret: 3\r\n\r\n"
        XCTAssertEqual(filtered(head), "Date:  Tue, 24 Nov 2026 \r\nSet-Cookie: a=b; Path=/\r\n")
    }

    func testResponseFilterWithoutHeaders() {
        XCTAssertEqual(filtered("HTTP/1.1 204 No Content\r\n\r\n"), "")
    }

    /// The proxied head: status line, the upstream's kept lines, tollgate's framing and Connection, blank line.
    func testProxiedResponseHead() {
        let upstream = Array("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 9\r\nConnection: x\r\n\r\n".utf8)
        func head(_ length: Int64?, _ chunked: Bool, _ connection: HeadWriter.ConnectionField) -> String {
            upstream.withUnsafeBytes {
                text(HeadWriter.proxiedResponse(status: 200, reason: "OK", upstreamHead: $0, contentLength: length,
                                                chunked: chunked, connection: connection))
            }
        }
        XCTAssertEqual(head(3, false, .none), "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n\r\n")
        XCTAssertEqual(head(nil, true, .close),
                       "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n")
        XCTAssertEqual(head(Int64.max, false, .keepAlive),
                       "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 9223372036854775807\r\n"
                       + "Connection: keep-alive\r\n\r\n")
        XCTAssertEqual(head(nil, false, .none), "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n")
    }
}
