import XCTest

@testable import TollgateEventLoop

/// Heads that must be refused before http-parser sees them (SPEC §5, NOTES-libevent.md, SECURITY-LESSONS.md).
final class HeadScannerFramingTests: XCTestCase {
    private let line = "POST /p HTTP/1.1\r\n"

    // MARK: Content-Length

    func testDuplicateContentLengthDifferentValues() {
        assertRefused(line + "Host: h\r\nContent-Length: 5\r\nContent-Length: 10\r\n\r\n", .duplicateContentLength)
    }

    func testDuplicateContentLengthSameValues() {
        assertRefused(line + "Host: h\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n", .duplicateContentLength)
    }

    func testDuplicateContentLengthDifferentCase() {
        assertRefused(line + "Host: h\r\ncontent-length: 5\r\nCONTENT-LENGTH: 5\r\n\r\n", .duplicateContentLength)
    }

    func testSpaceBeforeColon() {
        assertRefused(line + "Host: h\r\nContent-Length : 5\r\n\r\n", .spaceBeforeColon)
    }

    func testTabBeforeColon() {
        assertRefused(line + "Host: h\r\nContent-Length\t: 5\r\n\r\n", .spaceBeforeColon)
    }

    func testEmptyContentLength() {
        assertRefused(line + "Host: h\r\nContent-Length:\r\n\r\n", .invalidContentLength)
        assertRefused(line + "Host: h\r\nContent-Length:   \r\n\r\n", .invalidContentLength)
    }

    func testMalformedContentLengths() {
        for value in ["+5", "-1", "5,5", "5, 5", "0x10", "1e3", "5 5", "five", "1234567890123456789"] {
            assertRefused(line + "Host: h\r\nContent-Length: \(value)\r\n\r\n", .invalidContentLength)
        }
    }

    func testNineteenDigitContentLength() {
        assertRefused(line + "Host: h\r\nContent-Length: 9999999999999999999\r\n\r\n", .invalidContentLength)
        assertRefused(line + "Host: h\r\nContent-Length: 0000000000000000005\r\n\r\n", .invalidContentLength)
    }

    // MARK: Transfer-Encoding

    func testContentLengthWithChunked() {
        assertRefused(
            line + "Host: h\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", .contentLengthWithTransferEncoding)
        assertRefused(
            line + "Host: h\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n", .contentLengthWithTransferEncoding)
        assertRefused(
            line + "Host: h\r\nTransfer-Encoding: chunked\r\nContent-Length: 0\r\n\r\n", .contentLengthWithTransferEncoding)
    }

    func testGzipChunked() {
        assertRefused(line + "Host: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", .unsupportedTransferEncoding)
    }

    func testChunkedTwice() {
        assertRefused(
            line + "Host: h\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
            .unsupportedTransferEncoding)
        assertRefused(line + "Host: h\r\nTransfer-Encoding: chunked, chunked\r\n\r\n", .unsupportedTransferEncoding)
    }

    func testOtherTransferEncodings() {
        for value in ["identity", "gzip", "chunked;q=1", "xchunked", "chunked, identity", ""] {
            assertRefused(line + "Host: h\r\nTransfer-Encoding: \(value)\r\n\r\n", .unsupportedTransferEncoding)
        }
    }

    func testChunkedOnHTTP10() {
        assertRefused("POST /p HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", .unsupportedTransferEncoding)
    }

    // MARK: Bytes inside lines

    func testNULInValue() {
        let head = bytes(line + "Host: h\r\nX-A: a") + [0] + bytes("b\r\n\r\n")
        assertRefused(head, .invalidValueChar)
        XCTAssertEqual(findEnd(head), .invalid(.invalidValueChar))
    }

    func testControlCharactersInValue() {
        for c: UInt8 in [0x01, 0x08, 0x0b, 0x0c, 0x1b, 0x1f, 0x7f] {
            assertRefused(bytes(line + "Host: h\r\nX-A: a") + [c] + bytes("b\r\n\r\n"), .invalidValueChar)
        }
    }

    func testBareLFInValueIsRefusedByValidate() {
        assertRefused(bytes(line + "Host: h\r\nX-A: a\nX-B: b\r\n\r\n"), .invalidValueChar)
    }

    func testBareLFLineEndings() {
        let head = "GET / HTTP/1.1\nHost: h\n\n"
        XCTAssertEqual(findEnd(head), .invalid(.bareLF))
        assertRefused(head, status: 400)
        XCTAssertEqual(findEnd("GET / HTTP/1.1\r\nHost: h\n\r\n"), .invalid(.bareLF))
        XCTAssertEqual(findEnd("GET / HTTP/1.1\r\nHost: h\r\n\n"), .invalid(.bareLF))
        XCTAssertEqual(findEnd("\nGET / HTTP/1.1\r\nHost: h\r\n\r\n"), .invalid(.bareLF))
    }

    func testBareCR() {
        let head = "GET / HTTP/1.1\r\nHost: h\rX-A: a\r\n\r\n"
        XCTAssertEqual(findEnd(head), .invalid(.bareCR))
        assertRefused(head, .bareCR)
        XCTAssertEqual(findEnd("GET /\r HTTP/1.1\r\nHost: h\r\n\r\n"), .invalid(.bareCR))
        assertRefused("GET /\r HTTP/1.1\r\nHost: h\r\n\r\n", status: 400)
    }

    func testObsFold() {
        assertRefused(line + "Host: h\r\nX-A: a\r\n b\r\n\r\n", .obsFold)
        assertRefused(line + "Host: h\r\nX-A: a\r\n\tb\r\n\r\n", .obsFold)
        // Whitespace between the request line and the first field (RFC 9112 §2.2).
        assertRefused(line + " Host: h\r\n\r\n", .obsFold)
    }

    // MARK: Header names

    func testEmptyHeaderName() {
        assertRefused(line + "Host: h\r\n: x\r\n\r\n", .emptyHeaderName)
    }

    func testNonTCharHeaderName() {
        assertRefused(line + "Host: h\r\nFo(o: x\r\n\r\n", .invalidHeaderName)
        assertRefused(line + "Host: h\r\nFo\"o: x\r\n\r\n", .invalidHeaderName)
        assertRefused(line + "Host: h\r\nF/o: x\r\n\r\n", .invalidHeaderName)
        assertRefused(bytes(line + "Host: h\r\nF") + [0xC3, 0xA9] + bytes("o: x\r\n\r\n"), .invalidHeaderName)
    }

    func testHeaderLineWithoutColon() {
        assertRefused(line + "Host: h\r\nNoColon\r\n\r\n", .missingColon)
    }

    // MARK: Host

    func testMissingHostOnHTTP11() {
        assertRefused("GET / HTTP/1.1\r\nX-A: a\r\n\r\n", .missingHost)
        assertRefused("GET / HTTP/1.1\r\n\r\n", .missingHost)
    }

    func testTwoHosts() {
        assertRefused("GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n", .duplicateHost)
        assertRefused("GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n", .duplicateHost)
    }

    func testTwoHostsOnHTTP10() {
        assertRefused("GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n", .duplicateHost)
    }

    func testInvalidHosts() {
        for value in ["a/b", "u@h", "a b", "h?x", "h#x", "h\\x", "", "<h>"] {
            assertRefused("GET / HTTP/1.1\r\nHost: \(value)\r\n\r\n", .invalidHost)
        }
        assertRefused(bytes("GET / HTTP/1.1\r\nHost: h") + [0x80] + bytes("\r\n\r\n"), .invalidHost)
    }

    // MARK: Request line

    func testSpaceInsideTarget() {
        assertRefused("GET /a b HTTP/1.1\r\nHost: h\r\n\r\n", status: 400)
    }

    func testTwoSpacesBeforeTarget() {
        assertRefused("GET  / HTTP/1.1\r\nHost: h\r\n\r\n", .invalidTarget)
    }

    func testFragmentInTarget() {
        assertRefused("GET /a#frag HTTP/1.1\r\nHost: h\r\n\r\n", .fragmentInTarget)
        assertRefused("GET # HTTP/1.1\r\nHost: h\r\n\r\n", .fragmentInTarget)
    }

    func testNonASCIIAndControlsInTarget() {
        assertRefused(bytes("GET /a") + [0x80] + bytes(" HTTP/1.1\r\nHost: h\r\n\r\n"), .invalidTarget)
        assertRefused(bytes("GET /a") + [0x7f] + bytes(" HTTP/1.1\r\nHost: h\r\n\r\n"), .invalidTarget)
        assertRefused(bytes("GET /a") + [0x00] + bytes(" HTTP/1.1\r\nHost: h\r\n\r\n"), .invalidTarget)
        assertRefused(bytes("GET /a\tb HTTP/1.1\r\nHost: h\r\n\r\n"), .invalidTarget)
    }

    func testLowercaseMethod() {
        assertRefused("get / HTTP/1.1\r\nHost: h\r\n\r\n", .invalidMethod)
        assertRefused("Get / HTTP/1.1\r\nHost: h\r\n\r\n", .invalidMethod)
    }

    func testEmptyOrNonTokenMethod() {
        assertRefused(" / HTTP/1.1\r\nHost: h\r\n\r\n", .invalidMethod)
        assertRefused("G(T / HTTP/1.1\r\nHost: h\r\n\r\n", .badRequestLine)
    }

    func testBadVersions() {
        for version in ["HTTP/2.0", "HTTP/1.2", "HTTP/1.1 ", "HTTP/0.9", "http/1.1", "HTTP/1.10", "HTTP/1"] {
            assertRefused("GET / \(version)\r\nHost: h\r\n\r\n", .badVersion)
        }
    }

    func testMissingVersion() {
        assertRefused("GET /\r\nHost: h\r\n\r\n", .badRequestLine)
        assertRefused("GET / \r\nHost: h\r\n\r\n", .badVersion)
        assertRefused("GET\r\nHost: h\r\n\r\n", .badRequestLine)
    }

    // MARK: Limits

    func testTooManyHeaders() {
        var head = "GET / HTTP/1.1\r\nHost: h\r\n"
        for k in 0..<128 { head += "X-\(k): v\r\n" }
        head += "\r\n"
        assertRefused(head, .tooManyHeaders)
        XCTAssertEqual(HeadError.tooManyHeaders.status, 431)
    }

    func testExactly128HeadersAccepted() {
        var head = "GET / HTTP/1.1\r\nHost: h\r\n"
        for k in 0..<127 { head += "X-\(k): v\r\n" }
        head += "\r\n"
        XCTAssertEqual(assertAccepted(head)?.headerCount, 128)
    }

    func testMaxHeadersParameter() {
        assertRefused("GET / HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 2\r\n\r\n", .tooManyHeaders, maxHeaders: 2)
    }

    func testStatuses() {
        XCTAssertEqual(HeadError.tooLarge.status, 431)
        XCTAssertEqual(HeadError.bodyTooLarge.status, 413)
        for error: HeadError in [
            .bareLF, .bareCR, .obsFold, .emptyHeaderName, .invalidHeaderName, .spaceBeforeColon, .missingColon,
            .invalidValueChar, .badRequestLine, .invalidMethod, .invalidTarget, .fragmentInTarget, .badVersion,
            .missingHost, .duplicateHost, .invalidHost, .duplicateContentLength, .invalidContentLength,
            .contentLengthWithTransferEncoding, .unsupportedTransferEncoding, .parser,
        ] {
            XCTAssertEqual(error.status, 400, "\(error)")
        }
    }

    // MARK: Truncated heads never crash

    func testEveryPrefixOfAValidHeadIsHandled() {
        let head = bytes("POST /p?q=1 HTTP/1.1\r\nHost: h:80\r\nContent-Length: 3\r\nX-A:  a \r\n\r\n")
        for k in 0..<head.count {
            if case .success(let facts) = validate(Array(head[0..<k])) {
                // Only a prefix ending at a complete field line can pass (validate trusts findEnd for the blank line).
                XCTAssertEqual(Array(head[(k - 2)..<k]), [13, 10], "prefix \(k) accepted as \(facts)")
            }
        }
    }
}
