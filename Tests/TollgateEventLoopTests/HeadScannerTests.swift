import XCTest

@testable import TollgateEventLoop

/// Heads the scanner accepts, the facts it reports, and `rawTarget`.
final class HeadScannerTests: XCTestCase {
    func testNormalGET() {
        let facts = assertAccepted("GET /index.html?a=1&b=2 HTTP/1.1\r\nHost: example.com\r\nAccept: */*\r\n\r\n")
        XCTAssertEqual(facts, HeadFacts(versionMinor: 1, contentLength: nil, chunked: false, headerCount: 2))
    }

    func testHTTP10WithoutHost() {
        let facts = assertAccepted("GET / HTTP/1.0\r\n\r\n")
        XCTAssertEqual(facts, HeadFacts(versionMinor: 0, contentLength: nil, chunked: false, headerCount: 0))
    }

    func testHTABInsideValue() {
        XCTAssertNotNil(assertAccepted("GET / HTTP/1.1\r\nHost: h\r\nX-A: a\tb\r\n\r\n"))
    }

    func testOWSAroundValues() {
        let facts = assertAccepted("POST / HTTP/1.1\r\nHost:\th \t\r\nContent-Length: \t 42  \r\n\r\n")
        XCTAssertEqual(facts?.contentLength, 42)
        // A trailing HTAB is OWS too, but refused in framing fields (HeadScannerParseRequestTests).
    }

    func testLeadingCRLFBeforeRequestLine() {
        let buffer = bytes("\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n")
        guard case .complete(let start, let end) = findEnd(buffer) else {
            return XCTFail("not complete: \(findEnd(buffer))")
        }
        XCTAssertEqual(start, 4)
        XCTAssertEqual(end, buffer.count)
        XCTAssertEqual(assertAccepted(Array(buffer[start..<end]))?.headerCount, 1)
    }

    func testObsTextInValue() {
        let head = bytes("GET / HTTP/1.1\r\nHost: h\r\nX-A: ") + Array(0x80...0xFF) + bytes("\r\n\r\n")
        XCTAssertEqual(assertAccepted(head)?.headerCount, 2)
        if case .complete(_, let end) = findEnd(head) {
            XCTAssertEqual(end, head.count)
        } else {
            XCTFail("findEnd did not complete")
        }
    }

    func testExtensionMethod() {
        XCTAssertNotNil(assertAccepted("PROPFIND /dav HTTP/1.1\r\nHost: h\r\nDepth: 1\r\n\r\n"))
        XCTAssertNotNil(assertAccepted("M-SEARCH * HTTP/1.1\r\nHost: h\r\n\r\n"))
    }

    func testAbsoluteFormTargetIsLeftToThePathNormaliser() {
        XCTAssertNotNil(assertAccepted("GET http://x/y HTTP/1.1\r\nHost: other\r\n\r\n"))
    }

    func testContentLengthZero() {
        let facts = assertAccepted("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n")
        XCTAssertEqual(facts, HeadFacts(versionMinor: 1, contentLength: 0, chunked: false, headerCount: 2))
    }

    func testEighteenDigitContentLength() {
        let facts = assertAccepted("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 999999999999999999\r\n\r\n")
        XCTAssertEqual(facts?.contentLength, 999_999_999_999_999_999)
    }

    func testContentLengthOnHTTP10() {
        let facts = assertAccepted("POST / HTTP/1.0\r\ncontent-length: 7\r\n\r\n")
        XCTAssertEqual(facts, HeadFacts(versionMinor: 0, contentLength: 7, chunked: false, headerCount: 1))
    }

    func testChunkedOnHTTP11() {
        let facts = assertAccepted("POST /u HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n")
        XCTAssertEqual(facts, HeadFacts(versionMinor: 1, contentLength: nil, chunked: true, headerCount: 2))
    }

    func testChunkedIsCaseInsensitive() {
        let facts = assertAccepted("POST /u HTTP/1.1\r\nHost: h\r\ntransfer-encoding: Chunked\r\n\r\n")
        XCTAssertEqual(facts?.chunked, true)
    }

    func testHostForms() {
        for host in ["h", "example.com:8080", "[::1]:443", "127.0.0.1", "a-b_c.d~e"] {
            XCTAssertNotNil(assertAccepted("GET / HTTP/1.1\r\nHost: \(host)\r\n\r\n"), host)
        }
    }

    func testHeaderCountCountsEveryField() {
        let facts = assertAccepted("GET / HTTP/1.1\r\nHost: h\r\nA: 1\r\nA: 2\r\nB:\r\n\r\n")
        XCTAssertEqual(facts?.headerCount, 4)
    }

    // MARK: rawTarget

    private func rawTarget(_ head: [UInt8]) -> String? {
        head.withUnsafeBytes { HeadScanner.rawTarget($0) }
    }

    func testRawTargetPlain() {
        XCTAssertEqual(rawTarget(bytes("GET /a/b?c=d HTTP/1.1\r\n\r\n")), "/a/b?c=d")
    }

    func testRawTargetEscapesUnprintableQuoteAndBackslash() {
        XCTAssertEqual(rawTarget(bytes("GET /a") + [0x01, 0x80, 0xFF] + bytes("\"\\b HTTP/1.1\r\n")), "/a%01%80%FF%22%5Cb")
    }

    func testRawTargetStopsAtLineEnd() {
        XCTAssertEqual(rawTarget(bytes("GET /x\r\nHost: h\r\n\r\n")), "/x")
        XCTAssertEqual(rawTarget(bytes("GET /x\nHost: h\n\n")), "/x")
    }

    func testRawTargetWithoutSpace() {
        XCTAssertNil(rawTarget(bytes("GARBAGE")))
        XCTAssertEqual(rawTarget(bytes("GET ")), "")
    }

    func testRawTargetIsCappedAt2048Bytes() {
        let long = bytes("GET /") + [UInt8](repeating: 97, count: 5000) + bytes(" HTTP/1.1\r\n")
        XCTAssertEqual(rawTarget(long)?.utf8.count, 2048)
    }
}
