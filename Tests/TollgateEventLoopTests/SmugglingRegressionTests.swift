import TollgateHeaders
import XCTest

@testable import TollgateEventLoop

/// The pure halves of the defects found by the integration SmugglingTests (Tests/TollgateIntegrationTests).
final class SmugglingRegressionTests: XCTestCase {
    private func feed(_ v: inout ChunkedFramingValidator, _ s: String) -> ChunkedFramingValidator.Outcome {
        bytes(s).withUnsafeBytes { v.feed($0) }
    }

    /// Bug 1: a chunk announcing more than max_body_bytes streamed its first bytes upstream and then waited for
    /// the rest (idle timeout) instead of a 413. The validator now reports what the sizes announced, as soon as
    /// each chunk-size line ends, before its data; the pump refuses when that passes the limit.
    func testDeclaredBytesAddUpChunkSizesBeforeTheirData() {
        var v = ChunkedFramingValidator()
        XCTAssertEqual(v.declaredBytes, 0)
        XCTAssertEqual(feed(&v, "5;ext=1\r\nhel"), .needMore)
        XCTAssertEqual(v.declaredBytes, 5)
        XCTAssertEqual(feed(&v, "lo\r\n1"), .needMore)
        XCTAssertEqual(v.declaredBytes, 5, "counted only once the size line has ended")
        XCTAssertEqual(feed(&v, "0\r\n"), .needMore)
        XCTAssertEqual(v.declaredBytes, 0x15)
        XCTAssertEqual(feed(&v, String(repeating: "x", count: 16) + "\r\n0\r\n\r\n"), .complete(count: 23))
        XCTAssertEqual(v.declaredBytes, 0x15)
        v.reset()
        XCTAssertEqual(v.declaredBytes, 0)
    }

    func testDeclaredBytesSaturateInsteadOfWrapping() {
        var v = ChunkedFramingValidator()
        XCTAssertEqual(feed(&v, "fffffffffffffff\r\n"), .needMore)
        XCTAssertEqual(v.declaredBytes, 0x0fff_ffff_ffff_ffff)
        var w = ChunkedFramingValidator()
        XCTAssertEqual(feed(&w, "ffffffffffffffff\r\n"), .needMore)
        XCTAssertEqual(w.declaredBytes, .max)
        // A wrapped sum would look small again and let the body through; it must stay at the maximum.
        var x = ChunkedFramingValidator()
        XCTAssertEqual(feed(&x, "1\r\na\r\n"), .needMore)
        XCTAssertEqual(feed(&x, "ffffffffffffffff\r\n"), .needMore)
        XCTAssertEqual(x.declaredBytes, .max)
    }

    /// Bug 2: `100 Continue` went to HTTP/1.0 clients (RFC 9110 §10.1.1, §15.2), which take it for the response.
    func testContinueOnlyForHTTP11() {
        func head(minor: Int, expects: Bool) -> HTTPRequestHead {
            HTTPRequestHead(
                method: "POST", target: "/", versionMinor: minor, fields: HeaderBlock(), contentLength: 5,
                isChunked: false, keepAlive: true, expectsContinue: expects)
        }
        XCTAssertTrue(head(minor: 1, expects: true).wantsContinue)
        XCTAssertFalse(head(minor: 0, expects: true).wantsContinue)
        XCTAssertFalse(head(minor: 1, expects: false).wantsContinue)
    }
}
