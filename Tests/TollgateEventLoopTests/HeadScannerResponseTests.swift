import XCTest

@testable import TollgateEventLoop

/// `HeadScanner.validateResponse`: upstream status lines and fields (cases found by `tollgate-fuzz head`).
final class HeadScannerResponseTests: XCTestCase {
    private func validateResponse(_ head: String) -> Result<HeadFacts, HeadError> {
        bytes(head).withUnsafeBytes { HeadScanner.validateResponse($0) }
    }

    func testStatusLines() {
        XCTAssertNoThrow(try validateResponse("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n").get())
        XCTAssertNoThrow(try validateResponse("HTTP/1.0 304\r\nETag: \"x\"\r\n\r\n").get())
        XCTAssertNoThrow(try validateResponse("HTTP/1.1 204 \r\n\r\n").get())
    }

    /// Fuzz find: the byte after the three-digit code was not checked, so `200ain` passed as a status.
    func testStatusCodeMustBeFollowedBySpaceOrLineEnd() {
        for head in ["HTTP/1.1 200ain\r\nX: y\r\n\r\n", "HTTP/1.1 2000 OK\r\n\r\n", "HTTP/1.1 200\tOK\r\n\r\n"] {
            XCTAssertEqual(validateResponse(head), .failure(.badVersion), head.debugDescription)
        }
    }

    func testFieldRulesAsForRequests() {
        XCTAssertEqual(validateResponse("HTTP/1.1 200 OK\r\nContent-Length : 5\r\n\r\n"), .failure(.spaceBeforeColon))
        XCTAssertEqual(
            validateResponse("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"),
            .failure(.contentLengthWithTransferEncoding))
        XCTAssertEqual(validateResponse("HTTP/1.1 200 OK\r\nX: a\r\n b\r\n\r\n"), .failure(.obsFold))
    }
}
