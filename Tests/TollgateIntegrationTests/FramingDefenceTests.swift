import Foundation
import XCTest

/// Every framing case of NOTES-libevent.md's evhttp table and SECURITY-LESSONS' smuggling list: 400 (431 for
/// oversized heads), the connection closed, and the upstream sees nothing.
final class FramingDefenceTests: XCTestCase {
    var stack: Stack!

    override func setUpWithError() throws {
        stack = try Stack()
        try stack.startProxy(upstreamPort: try stack.startFixture())
    }

    override func tearDown() { stack.stop() }

    private func upstreamCount() throws -> Int {
        let r = try shell(["curl", "-s", "http://127.0.0.1:\(stack.upstreamPort)/__count"])
        return Int(r.out) ?? -1
    }

    private func assertRefused(_ raw: String, status: Int = 400, mustClose: Bool = true, file: StaticString = #filePath,
                               line: UInt = #line) throws {
        let before = try upstreamCount()
        let c = try RawClient(port: stack.proxyPort, timeout: mustClose ? 3 : 0.5)
        c.send(raw)
        let (data, closed) = c.readAll()
        if !mustClose {
            XCTAssertTrue(data.hasPrefix("HTTP/1.1 \(status) "), String(data.prefix(80)), file: file, line: line)
            XCTAssertEqual(try upstreamCount(), before, file: file, line: line)
            return
        }
        XCTAssertTrue(data.hasPrefix("HTTP/1.1 \(status) "), "got: \(data.prefix(80)) for \(raw.debugDescription)",
                      file: file, line: line)
        XCTAssertTrue(closed, "connection left open after a framing error", file: file, line: line)
        XCTAssertTrue(data.contains("\"request_id\":"), file: file, line: line)
        XCTAssertEqual(try upstreamCount(), before, "upstream saw \(raw.debugDescription)", file: file, line: line)
    }

    func testDuplicateOrConflictingContentLength() throws {
        try assertRefused("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 10\r\n\r\nhelloworld")
        try assertRefused("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello")
        try assertRefused("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: \r\n\r\n")
        try assertRefused("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +5\r\n\r\nhello")
        try assertRefused("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 5\r\n\r\nhello")
    }

    func testSpaceBeforeColonNulAndControlCharacters() throws {
        try assertRefused("POST / HTTP/1.1\r\nHost: a\r\nContent-Length : 5\r\n\r\nhello")
        try assertRefused("GET / HTTP/1.1\r\nHost: a\r\nX-A: b\u{0}c\r\n\r\n")
        try assertRefused("GET / HTTP/1.1\r\nHost: a\r\nX-A: b\u{1}c\r\n\r\n")
        try assertRefused("GET / HTTP/1.1\r\nHost: a\r\n: empty-name\r\n\r\n")
    }

    func testTargetWithSpaceOrFragmentAndBadRequestLines() throws {
        try assertRefused("GET /a b HTTP/1.1\r\nHost: a\r\n\r\n")
        try assertRefused("GET /admin#x HTTP/1.1\r\nHost: a\r\n\r\n")
        try assertRefused("get / HTTP/1.1\r\nHost: a\r\n\r\n")
        try assertRefused("GET / HTTP/2.0\r\nHost: a\r\n\r\n")
    }

    func testObsFoldBareLFAndMissingHost() throws {
        try assertRefused("GET / HTTP/1.1\r\nHost: a\r\nX-A: b\r\n c\r\n\r\n")
        try assertRefused("GET / HTTP/1.1\nHost: a\n\n")
        try assertRefused("GET / HTTP/1.1\r\nX-A: b\r\n\r\n")
        try assertRefused("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n")
    }

    func testTransferEncodingSmuggling() throws {
        try assertRefused("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
        try assertRefused("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n")
        try assertRefused("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
        try assertRefused("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n")
        // Lenient in Debian's http-parser, refused by tollgate's own chunk-framing check.
        try assertRefused("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXX0\r\n\r\n")
        try assertRefused("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5 junk\r\nhello\r\n0\r\n\r\n")
        try assertRefused("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\n")
    }

    func testOversizedHeadIs431() throws {
        try assertRefused("GET / HTTP/1.1\r\nHost: a\r\nX-Big: \(String(repeating: "a", count: 9000))\r\n\r\n", status: 431)
        // Never-ending head without a blank line is cut at the limit too.
        try assertRefused("GET / HTTP/1.1\r\nHost: a\r\n" + String(repeating: "X-A: b\r\n", count: 2000), status: 431)
    }

    /// Not framing errors (SPEC §5: the connection may stay open), but never forwarded.
    func testAbsoluteFormAndAsteriskAre400() throws {
        try assertRefused("GET http://other.example/ HTTP/1.1\r\nHost: a\r\n\r\n", mustClose: false)
        try assertRefused("OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n", mustClose: false)
    }
}
