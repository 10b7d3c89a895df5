import XCTest

@testable import TollgateEventLoop

/// Collects what a `WireParser` reports.
private final class Collector: WireParserSink {
    var body: [UInt8] = []
    var completes = 0

    func wireParserBody(_ bytes: UnsafeRawBufferPointer) { body.append(contentsOf: bytes) }
    func wireParserMessageComplete() { completes += 1 }
}

/// `WireParser` over Debian's http-parser: heads, chunked bodies, responses.
final class WireParserTests: XCTestCase {
    private let chunkedHead = bytes("POST /upload?a=1 HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n")
    private let chunkedBody = bytes("5;name=value\r\nhello\r\n6\r\n world\r\nA;x\r\n0123456789\r\n0\r\nX-Trailer: t\r\n\r\n")
    private let decoded = bytes("hello world0123456789")

    private func execute(_ parser: WireParser, _ input: [UInt8]) -> Int? {
        input.withUnsafeBytes { parser.execute($0) }
    }

    /// Sinks are held here: the parser's reference to its sink is weak.
    private var sinks: [Collector] = []

    private func requestParser(_ sink: Collector? = nil) -> WireParser {
        let sink = sink ?? Collector()
        sinks.append(sink)
        let parser = WireParser(isRequest: true)
        parser.sink = sink
        parser.reset()
        return parser
    }

    // MARK: Request heads

    func testRequestHead() {
        let sink = Collector()
        let parser = requestParser(sink)
        let head = bytes("GET /p?q=1 HTTP/1.1\r\nHost: example.com\r\nX-A: a b\r\nx-a: 2\r\n\r\n")
        XCTAssertEqual(execute(parser, head), head.count)
        XCTAssertTrue(parser.headComplete)
        XCTAssertEqual(parser.head.method, "GET")
        XCTAssertEqual(parser.head.url, "/p?q=1")
        XCTAssertEqual(parser.head.versionMinor, 1)
        XCTAssertEqual(parser.head.headers.map { "\($0.name)=\($0.value)" }, ["Host=example.com", "X-A=a b", "x-a=2"])
        XCTAssertNil(parser.head.contentLength)
        XCTAssertFalse(parser.head.chunked)
        XCTAssertTrue(parser.head.keepAlive)
        XCTAssertFalse(parser.head.invalidUTF8)
        XCTAssertEqual(sink.completes, 1, "a bodiless request completes with its head")
    }

    func testRequestHeadAgreesWithScannerFacts() {
        let sink = Collector()
        let parser = requestParser(sink)
        let head = bytes("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 17\r\n\r\n")
        XCTAssertEqual(execute(parser, head), head.count)
        guard case .success(let facts) = validate(head) else { return XCTFail("scanner refused") }
        XCTAssertEqual(parser.head.contentLength, facts.contentLength)
        XCTAssertEqual(parser.head.chunked, facts.chunked)
        XCTAssertEqual(sink.completes, 0)
    }

    func testHTTP10RequestIsNotKeepAlive() {
        let parser = requestParser()
        let head = bytes("GET / HTTP/1.0\r\n\r\n")
        XCTAssertEqual(execute(parser, head), head.count)
        XCTAssertEqual(parser.head.versionMinor, 0)
        XCTAssertFalse(parser.head.keepAlive)
    }

    func testConnectionCloseRequest() {
        let parser = requestParser()
        let head = bytes("GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")
        XCTAssertEqual(execute(parser, head), head.count)
        XCTAssertFalse(parser.head.keepAlive)
    }

    func testInvalidUTF8ValueIsFlagged() {
        let parser = requestParser()
        let head = bytes("GET / HTTP/1.1\r\nHost: h\r\nX-A: ") + [0xFF, 0xFE] + bytes("\r\n\r\n")
        XCTAssertEqual(execute(parser, head), head.count)
        XCTAssertTrue(parser.head.invalidUTF8)
    }

    func testParserRefusesWhatItIsStrictAbout() {
        for text in [
            "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: +5\r\n\r\n",
        ] {
            let parser = requestParser()
            XCTAssertNil(execute(parser, bytes(text)), text.debugDescription)
        }
    }

    func testResetAllowsTheNextMessage() {
        let sink = Collector()
        let parser = requestParser(sink)
        let first = bytes("GET /one HTTP/1.1\r\nHost: h\r\n\r\n")
        let second = bytes("GET /two HTTP/1.1\r\nHost: h\r\n\r\n")
        // Pipelined: the parser pauses at the end of the first message and leaves the second unparsed.
        XCTAssertEqual(execute(parser, first + second), first.count)
        XCTAssertEqual(parser.head.url, "/one")
        parser.reset()
        XCTAssertFalse(parser.headComplete)
        XCTAssertEqual(execute(parser, second), second.count)
        XCTAssertEqual(parser.head.url, "/two")
        XCTAssertEqual(sink.completes, 2)
    }

    // MARK: Chunked bodies

    func testChunkedBodyInOnePiece() {
        let sink = Collector()
        let parser = requestParser(sink)
        XCTAssertEqual(execute(parser, chunkedHead), chunkedHead.count)
        XCTAssertTrue(parser.head.chunked)
        XCTAssertNil(parser.head.contentLength)
        XCTAssertEqual(sink.completes, 0)
        XCTAssertEqual(execute(parser, chunkedBody), chunkedBody.count)
        XCTAssertEqual(sink.body, decoded)
        XCTAssertEqual(sink.completes, 1)
    }

    func testChunkedBodySplitAtEveryBoundary() {
        for cut in 0...chunkedBody.count {
            let sink = Collector()
            let parser = requestParser(sink)
            XCTAssertEqual(execute(parser, chunkedHead), chunkedHead.count)
            let first = Array(chunkedBody[0..<cut])
            let second = Array(chunkedBody[cut...])
            // An empty execute means EOF to http-parser; the connections never feed empty segments.
            if !first.isEmpty { XCTAssertEqual(execute(parser, first), first.count, "cut \(cut), first part") }
            XCTAssertEqual(sink.completes, cut == chunkedBody.count ? 1 : 0, "cut \(cut)")
            if !second.isEmpty { XCTAssertEqual(execute(parser, second), second.count, "cut \(cut), second part") }
            XCTAssertEqual(sink.body, decoded, "cut \(cut)")
            XCTAssertEqual(sink.completes, 1, "cut \(cut)")
        }
    }

    func testChunkedBodyByteByByte() {
        let sink = Collector()
        let parser = requestParser(sink)
        XCTAssertEqual(execute(parser, chunkedHead), chunkedHead.count)
        for byte in chunkedBody { XCTAssertEqual(execute(parser, [byte]), 1) }
        XCTAssertEqual(sink.body, decoded)
        XCTAssertEqual(sink.completes, 1)
    }

    func testBytesAfterChunkedBodyAreNotConsumed() {
        let sink = Collector()
        let parser = requestParser(sink)
        XCTAssertEqual(execute(parser, chunkedHead), chunkedHead.count)
        let next = bytes("GET / HTTP/1.1\r\nHost: h\r\n\r\n")
        XCTAssertEqual(execute(parser, chunkedBody + next), chunkedBody.count)
        XCTAssertEqual(sink.body, decoded)
        XCTAssertEqual(sink.completes, 1)
    }

    func testBadChunkSize() {
        for bad in [
            "zz\r\nhello\r\n0\r\n\r\n", "-5\r\nhello\r\n0\r\n\r\n", "fffffffffffffffff\r\n",
            "5\nhello\r\n0\r\n\r\n", "\r\n5\r\nhello\r\n0\r\n\r\n", "5\r\nhello\n0\r\n\r\n",
        ] {
            let sink = Collector()
            let parser = requestParser(sink)
            XCTAssertEqual(execute(parser, chunkedHead), chunkedHead.count)
            XCTAssertNil(execute(parser, bytes(bad)), bad.debugDescription)
            XCTAssertEqual(sink.completes, 0, bad.debugDescription)
        }
    }

    func testContentLengthBody() {
        let sink = Collector()
        let parser = requestParser(sink)
        let head = bytes("PUT /x HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\n")
        XCTAssertEqual(execute(parser, head), head.count)
        XCTAssertEqual(parser.head.contentLength, 5)
        XCTAssertEqual(execute(parser, bytes("he")), 2)
        XCTAssertEqual(execute(parser, bytes("lloEXTRA")), 3)
        XCTAssertEqual(sink.body, bytes("hello"))
        XCTAssertEqual(sink.completes, 1)
    }

    // MARK: Responses

    private func responseParser(_ sink: Collector? = nil) -> WireParser {
        let sink = sink ?? Collector()
        sinks.append(sink)
        let parser = WireParser(isRequest: false)
        parser.sink = sink
        parser.reset()
        return parser
    }

    func testResponseHeadWithContentLength() {
        let sink = Collector()
        let parser = responseParser(sink)
        let head = bytes("HTTP/1.1 200 OK\r\nContent-Length: 12\r\nX-Up: 1\r\n\r\n")
        XCTAssertEqual(execute(parser, head), head.count)
        XCTAssertTrue(parser.headComplete)
        XCTAssertEqual(parser.head.status, 200)
        XCTAssertEqual(parser.head.contentLength, 12)
        XCTAssertFalse(parser.head.chunked)
        XCTAssertTrue(parser.head.keepAlive)
        XCTAssertFalse(parser.bodyEndsAtClose)
        XCTAssertEqual(parser.head.headers.map(\.name), ["Content-Length", "X-Up"])
        XCTAssertEqual(execute(parser, bytes("hello world!")), 12)
        XCTAssertEqual(sink.body, bytes("hello world!"))
        XCTAssertEqual(sink.completes, 1)
    }

    func testResponseConnectionClose() {
        let parser = responseParser()
        let head = bytes("HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n")
        XCTAssertEqual(execute(parser, head), head.count)
        XCTAssertEqual(parser.head.status, 404)
        XCTAssertFalse(parser.head.keepAlive)
    }

    func testHTTP10ResponseIsNotKeepAlive() {
        let parser = responseParser()
        let head = bytes("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n")
        XCTAssertEqual(execute(parser, head), head.count)
        XCTAssertEqual(parser.head.versionMinor, 0)
        XCTAssertFalse(parser.head.keepAlive)
    }

    func testResponseReadUntilClose() {
        let sink = Collector()
        let parser = responseParser(sink)
        let head = bytes("HTTP/1.1 200 OK\r\nX: y\r\n\r\n")
        XCTAssertEqual(execute(parser, head), head.count)
        XCTAssertTrue(parser.bodyEndsAtClose)
        XCTAssertEqual(execute(parser, bytes("abc")), 3)
        XCTAssertEqual(sink.completes, 0)
        XCTAssertTrue(parser.finish())
        XCTAssertEqual(sink.body, bytes("abc"))
        XCTAssertEqual(sink.completes, 1)
    }

    func testBodilessStatusesDoNotEndAtClose() {
        for status in [204, 304] {
            let parser = responseParser()
            let head = bytes("HTTP/1.1 \(status) X\r\n\r\n")
            XCTAssertEqual(execute(parser, head), head.count)
            XCTAssertEqual(parser.head.status, status)
            XCTAssertFalse(parser.bodyEndsAtClose, "\(status)")
        }
    }

    func testChunkedResponse() {
        let sink = Collector()
        let parser = responseParser(sink)
        let message = bytes("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n")
        XCTAssertEqual(execute(parser, message), message.count)
        XCTAssertTrue(parser.head.chunked)
        XCTAssertEqual(sink.body, bytes("abc"))
        XCTAssertEqual(sink.completes, 1)
    }

    func testSkipBodyForHEAD() {
        let sink = Collector()
        let parser = responseParser(sink)
        parser.skipBody = true
        let head = bytes("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n")
        XCTAssertEqual(execute(parser, head), head.count)
        XCTAssertEqual(parser.head.contentLength, 100)
        XCTAssertFalse(parser.bodyEndsAtClose)
        XCTAssertEqual(sink.completes, 1)
        XCTAssertTrue(sink.body.isEmpty)
    }

    func testGarbageResponse() {
        let parser = responseParser()
        XCTAssertNil(execute(parser, bytes("NOT HTTP AT ALL\r\n\r\n")))
    }

    func testParsesWithoutASink() {
        let parser = WireParser(isRequest: true)
        parser.reset()
        let message = bytes("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\nhi")
        XCTAssertEqual(execute(parser, message), message.count)
        XCTAssertNil(parser.sink)
    }
}
