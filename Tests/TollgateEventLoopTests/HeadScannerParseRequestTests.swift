import XCTest

@testable import TollgateEventLoop

/// `HeadScanner.parseRequest` (the server's only reader of request heads) and the connection facts both
/// directions rely on: `Connection` tokens, `Expect`, response status.
final class HeadScannerParseRequestTests: XCTestCase {
    private func parse(_ head: String) -> Result<ScannedRequest, HeadError> {
        bytes(head).withUnsafeBytes { HeadScanner.parseRequest($0) }
    }

    private func parse(_ head: [UInt8]) -> Result<ScannedRequest, HeadError> {
        head.withUnsafeBytes { HeadScanner.parseRequest($0) }
    }

    private func refusal(_ head: String) -> HeadError? {
        if case .failure(let error) = parse(head) { return error }
        return nil
    }

    func testMethodTargetAndFieldsInWireOrder() throws {
        let head = "POST /a/b?c=d%20e HTTP/1.1\r\nHost: h\r\nX-A: 1\r\nx-a: two words\r\nContent-Length: 3\r\n\r\n"
        let r = try parse(head).get()
        XCTAssertEqual(r.method, "POST")
        XCTAssertEqual(r.target, "/a/b?c=d%20e")
        XCTAssertEqual(r.facts.versionMinor, 1)
        XCTAssertEqual(r.facts.contentLength, 3)
        XCTAssertEqual(r.headers.map(\.name), ["Host", "X-A", "x-a", "Content-Length"])
        XCTAssertEqual(r.headers.map(\.value), ["h", "1", "two words", "3"])
    }

    func testValuesLoseSurroundingBlanksOnly() throws {
        let r = try parse("GET / HTTP/1.1\r\nHost: h\r\nA:\t x \t y \t\r\nB:\r\nC:   \r\n\r\n").get()
        XCTAssertEqual(r.headers.map(\.value), ["h", "x \t y", "", ""])
    }

    /// http-parser knew a fixed list of methods, and the server took no other (SmugglingCases pins 400 for FOO).
    func testOnlyMethodsHTTPParserKnows() throws {
        XCTAssertEqual(try parse("PROPFIND /d HTTP/1.1\r\nHost: h\r\n\r\n").get().method, "PROPFIND")
        XCTAssertEqual(try parse("M-SEARCH * HTTP/1.1\r\nHost: h\r\n\r\n").get().method, "M-SEARCH")
        XCTAssertEqual(refusal("FOO / HTTP/1.1\r\nHost: h\r\n\r\n"), .invalidMethod)
        XCTAssertEqual(refusal("GETS / HTTP/1.1\r\nHost: h\r\n\r\n"), .invalidMethod)
        XCTAssertEqual(refusal("GE / HTTP/1.1\r\nHost: h\r\n\r\n"), .invalidMethod)
        // validate alone takes any upper-case token (the fuzz model checks that rule).
        XCTAssertNoThrow(try validate("FOO / HTTP/1.1\r\nHost: h\r\n\r\n").get())
        XCTAssertTrue(HeadScanner.isKnownMethod("DELETE"))
        XCTAssertTrue(HeadScanner.isKnownMethod("SOURCE"))  // the last entry of Debian's 2.9.4 table
        XCTAssertEqual(WireParser.knownMethods.count, 34)
        XCTAssertFalse(HeadScanner.isKnownMethod("<unknown>"))
        XCTAssertFalse(HeadScanner.isKnownMethod("delete"))
    }

    func testValuesMustBeUTF8() throws {
        let ok = bytes("GET / HTTP/1.1\r\nHost: h\r\nX: caf") + [0xC3, 0xA9] + bytes("\r\n\r\n")
        XCTAssertEqual(try parse(ok).get().headers.last?.value, "café")
        let bad = bytes("GET / HTTP/1.1\r\nHost: h\r\nX: caf") + [0xE9] + bytes("\r\n\r\n")
        guard case .failure(.invalidValueChar) = parse(bad) else { return XCTFail("accepted Latin-1 obs-text") }
    }

    func testRefusesWhatValidateRefuses() {
        XCTAssertEqual(refusal("GET / HTTP/1.1\r\n\r\n"), .missingHost)
        XCTAssertEqual(refusal("GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n"),
                       .duplicateContentLength)
        XCTAssertEqual(refusal("GET / HTTP/1.1\r\nHost: h\r\n X: folded\r\n\r\n"), .obsFold)
    }

    /// Valid OWS by RFC 9112, but http-parser refuses `5<HTAB>` and does not read `chunked<HTAB>` as chunked.
    func testTrailingTabInAFramingFieldIsRefused() {
        XCTAssertEqual(refusal("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\t\r\n\r\n"), .invalidContentLength)
        XCTAssertEqual(refusal("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5 \t \r\n\r\n"), .invalidContentLength)
        XCTAssertEqual(refusal("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\t\r\n\r\n"),
                       .unsupportedTransferEncoding)
        XCTAssertNoThrow(try parse("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5  \r\n\r\n").get())
        XCTAssertNoThrow(try parse("POST / HTTP/1.1\r\nHost: h\r\nContent-Length:\t5\r\n\r\n").get())
        XCTAssertNoThrow(try parse("POST / HTTP/1.1\r\nHost: h\r\nX-Other: 5\t\r\n\r\n").get())
    }

    /// Fuzz find (`tollgate-fuzz head`, http-parser as the reference): http-parser refuses a field named
    /// `Transfer-Encoding` plus anything; so does the scanner, rather than pass it on to an upstream parser.
    func testFieldNamesExtendingTransferEncodingAreRefused() {
        for name in ["Transfer-Encodingb", "transfer-encoding-x", "TRANSFER-ENCODINGXYZ"] {
            XCTAssertEqual(refusal("POST / HTTP/1.1\r\nHost: h\r\n\(name): chunked\r\n\r\n"),
                           .unsupportedTransferEncoding, name)
        }
        XCTAssertNoThrow(try parse("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encodin: chunked\r\n\r\n").get())
        XCTAssertNoThrow(try parse("POST / HTTP/1.1\r\nHost: h\r\nContent-Lengthb: 5\r\n\r\n").get())
    }

    func testKeepAliveByVersionAndConnectionTokens() throws {
        func keepAlive(_ version: String, _ fields: String) throws -> Bool {
            let host = version == "1.1" ? "Host: h\r\n" : ""
            return try parse("GET / HTTP/\(version)\r\n\(host)\(fields)\r\n").get().facts.keepAlive
        }
        XCTAssertTrue(try keepAlive("1.1", ""))
        XCTAssertFalse(try keepAlive("1.1", "Connection: close\r\n"))
        XCTAssertFalse(try keepAlive("1.1", "Connection: CLOSE\r\n"))
        XCTAssertFalse(try keepAlive("1.1", "Connection: te, close\r\n"))
        XCTAssertFalse(try keepAlive("1.1", "Connection: upgrade\r\nConnection: close\r\n"))
        XCTAssertFalse(try keepAlive("1.1", "Connection: keep-alive , close \r\n"))
        XCTAssertTrue(try keepAlive("1.1", "Connection: closed\r\n"))
        XCTAssertTrue(try keepAlive("1.1", "Connection: close-ish, te\r\n"))
        XCTAssertTrue(try keepAlive("1.1", "X-Connection: close\r\n"))
        XCTAssertFalse(try keepAlive("1.0", ""))
        XCTAssertTrue(try keepAlive("1.0", "Connection: Keep-Alive\r\n"))
        XCTAssertTrue(try keepAlive("1.0", "Connection: foo,keep-alive\r\n"))
        XCTAssertFalse(try keepAlive("1.0", "Connection: keep-alived\r\n"))
    }

    func testExpectContinue() throws {
        func expects(_ fields: String) throws -> Bool {
            try parse("POST / HTTP/1.1\r\nHost: h\r\n\(fields)\r\n").get().facts.expectsContinue
        }
        XCTAssertTrue(try expects("Expect: 100-Continue\r\n"))
        XCTAssertTrue(try expects("Expect: 100-continue \r\n"))
        XCTAssertFalse(try expects("Expect: 200-ok\r\n"))
        XCTAssertFalse(try expects(""))
    }

    func testResponseStatusAndKeepAlive() throws {
        func response(_ head: String) throws -> HeadFacts {
            try bytes(head).withUnsafeBytes { HeadScanner.validateResponse($0) }.get()
        }
        let ok = try response("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n")
        XCTAssertEqual(ok.status, 200)
        XCTAssertTrue(ok.keepAlive)
        XCTAssertEqual(try response("HTTP/1.1 404\r\n\r\n").status, 404)
        XCTAssertEqual(try response("HTTP/1.1 599 Odd\r\n\r\n").status, 599)
        XCTAssertFalse(try response("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n").keepAlive)
        XCTAssertFalse(try response("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\n").keepAlive)
        XCTAssertTrue(try response("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\n").keepAlive)
    }
}
