import XCTest

@testable import TollgateEventLoop

/// `HeadScanner.findEnd` fed incrementally, as reads arrive.
final class HeadScannerFindEndTests: XCTestCase {
    private let head = bytes("POST /upload?x=1 HTTP/1.1\r\nHost: example.com\r\nContent-Length: 5\r\nX-A: a\r\n\r\n")

    /// Feeds growing prefixes of `buffer` (each `step` bytes longer), resuming where the last scan said.
    /// Returns the first non-incomplete result and the prefix length at which it came.
    private func feedIncrementally(_ buffer: [UInt8], step: Int = 1) -> (HeadScanner.Search, Int)? {
        var resume = 0
        var length = 0
        while length < buffer.count {
            length = min(buffer.count, length + step)
            let result = buffer.withUnsafeBytes { HeadScanner.findEnd(UnsafeRawBufferPointer(rebasing: $0[0..<length]), from: resume) }
            switch result {
            case .incomplete(let next):
                XCTAssertLessThanOrEqual(next, length)
                XCTAssertGreaterThanOrEqual(next, 0)
                resume = next
            default:
                return (result, length)
            }
        }
        return nil
    }

    func testOneShot() {
        XCTAssertEqual(findEnd(head), .complete(start: 0, end: head.count))
    }

    func testByteByByteCompletesExactlyAtTheEnd() {
        guard let (result, length) = feedIncrementally(head) else { return XCTFail("never completed") }
        XCTAssertEqual(result, .complete(start: 0, end: head.count))
        XCTAssertEqual(length, head.count)
    }

    func testEveryStepSize() {
        for step in 1...head.count {
            guard let (result, _) = feedIncrementally(head, step: step) else { return XCTFail("never completed, step \(step)") }
            XCTAssertEqual(result, .complete(start: 0, end: head.count), "step \(step)")
        }
    }

    func testByteByByteWithLeadingCRLFs() {
        let buffer = bytes("\r\n\r\n") + head
        guard let (result, length) = feedIncrementally(buffer) else { return XCTFail("never completed") }
        XCTAssertEqual(result, .complete(start: 4, end: buffer.count))
        XCTAssertEqual(length, buffer.count)
    }

    func testCRLFCRLFSplitAtEveryPoint() {
        // The final CRLFCRLF occupies the last four bytes; split before each of them.
        for cut in (head.count - 4)..<head.count {
            let first = Array(head[0..<cut])
            guard case .incomplete(let resume) = findEnd(first) else {
                return XCTFail("prefix \(cut) was not incomplete: \(findEnd(first))")
            }
            XCTAssertEqual(findEnd(head, from: resume), .complete(start: 0, end: head.count), "cut \(cut)")
        }
    }

    func testResumeFromArbitraryEarlierPointGivesSameAnswer() {
        for from in 0..<head.count {
            XCTAssertEqual(findEnd(head, from: from), .complete(start: 0, end: head.count), "from \(from)")
        }
    }

    func testPipelinedBodyIsNotIncluded() {
        let buffer = head + bytes("hello") + bytes("GET / HTTP/1.1\r\nHost: h\r\n\r\n")
        XCTAssertEqual(findEnd(buffer), .complete(start: 0, end: head.count))
        guard let (result, length) = feedIncrementally(buffer) else { return XCTFail("never completed") }
        XCTAssertEqual(result, .complete(start: 0, end: head.count))
        XCTAssertEqual(length, head.count)
    }

    func testBodyThatLooksLikeCRLFCRLFIsNotIncluded() {
        let buffer = head + bytes("\r\n\r\n\r")
        XCTAssertEqual(findEnd(buffer), .complete(start: 0, end: head.count))
    }

    func testBareCRSplitAcrossReads() {
        let buffer = bytes("GET / HTTP/1.1\r\nHost: h\rX: y\r\n\r\n")
        guard let (result, _) = feedIncrementally(buffer) else { return XCTFail("never finished") }
        XCTAssertEqual(result, .invalid(.bareCR))
    }

    func testBareLFSplitAcrossReads() {
        let buffer = bytes("GET / HTTP/1.1\r\nHost: h\nX: y\r\n\r\n")
        guard let (result, _) = feedIncrementally(buffer) else { return XCTFail("never finished") }
        XCTAssertEqual(result, .invalid(.bareLF))
    }

    func testNULSplitAcrossReads() {
        let buffer = bytes("GET / HTTP/1.1\r\nHost: h\r\nX: ") + [0] + bytes("\r\n\r\n")
        guard let (result, _) = feedIncrementally(buffer) else { return XCTFail("never finished") }
        XCTAssertEqual(result, .invalid(.invalidValueChar))
    }

    func testEmptyAndShortBuffers() {
        XCTAssertEqual(findEnd([]), .incomplete(resumeAt: 0))
        if case .incomplete = findEnd("\r") {} else { XCTFail("\"\\r\" should be incomplete") }
        if case .incomplete = findEnd("\r\n") {} else { XCTFail("\"\\r\\n\" should be incomplete") }
        if case .incomplete = findEnd("\r\n\r\n") {} else { XCTFail("CRLFCRLF alone should be incomplete") }
        if case .incomplete = findEnd("G") {} else { XCTFail("\"G\" should be incomplete") }
        XCTAssertEqual(findEnd("\n"), .invalid(.bareLF))
        XCTAssertEqual(findEnd("\r\r"), .invalid(.bareCR))
    }

    func testHeadWithoutFieldsCompletes() {
        let buffer = bytes("GET / HTTP/1.0\r\n\r\n")
        XCTAssertEqual(findEnd(buffer), .complete(start: 0, end: buffer.count))
        guard let (result, length) = feedIncrementally(buffer) else { return XCTFail("never completed") }
        XCTAssertEqual(result, .complete(start: 0, end: buffer.count))
        XCTAssertEqual(length, buffer.count)
    }
}
