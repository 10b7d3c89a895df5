import XCTest

@testable import TollgateEventLoop

/// Malformed chunk framing that must be refused (SPEC §5: "bad chunk sizes" → 400; RFC 9112 §7.1:
/// `chunk = chunk-size [ chunk-ext ] CRLF chunk-data CRLF`). Debian's libhttp-parser 2.9.4 is built with
/// HTTP_PARSER_STRICT=0, which turns off the CR/LF checks around chunks, so tollgate runs
/// `ChunkedFramingValidator` over the same bytes first. Each case is fed whole and also byte by byte.
final class WireParserChunkFramingTests: XCTestCase {
    private final class Sink: WireParserSink {
        var body: [UInt8] = []
        var completes = 0
        func wireParserBody(_ bytes: UnsafeRawBufferPointer) { body.append(contentsOf: bytes) }
        func wireParserMessageComplete() { completes += 1 }
    }

    private let head = bytes("POST /u HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n")

    /// The validator (fed whole, and one byte at a time) refuses `body`; nothing reaches the parser's sink.
    private func assertBodyRefused(_ body: [UInt8], file: StaticString = #filePath, line: UInt = #line) {
        var whole = ChunkedFramingValidator()
        let outcome = body.withUnsafeBytes { whole.feed($0) }
        XCTAssertEqual(outcome, .invalid, "accepted \(String(decoding: body, as: UTF8.self).debugDescription)",
                       file: file, line: line)
        var stepwise = ChunkedFramingValidator()
        var refused = false
        for b in body {
            if [b].withUnsafeBytes({ stepwise.feed($0) }) == .invalid {
                refused = true
                break
            }
        }
        XCTAssertTrue(refused, "byte-by-byte feeding accepted it", file: file, line: line)
        // The C parser alone is lenient here; this documents why the validator sits in front of it.
        let sink = Sink()
        let parser = WireParser(isRequest: true)
        parser.reset()
        parser.sink = sink
        XCTAssertEqual(head.withUnsafeBytes { parser.execute($0) }, head.count, file: file, line: line)
    }

    func testValidFramingIsAcceptedAndStopsAtTheMessageEnd() {
        var v = ChunkedFramingValidator()
        let body = bytes("5;name=\"v\"\r\nhello\r\n00A\r\n0123456789\r\n0\r\nX-T: 1\r\n\r\nGET / HTTP/1.1\r\n")
        let outcome = body.withUnsafeBytes { v.feed($0) }
        XCTAssertEqual(outcome, .complete(count: body.count - 16))
    }

    /// Any two bytes after chunk-data are taken as its CRLF.
    func testChunkDataMustBeFollowedByCRLF() {
        assertBodyRefused(bytes("5\r\nhelloXX0\r\n\r\n"))
    }

    /// A bare CR ends the chunk-size line whatever byte follows it.
    func testChunkSizeLineBareCR() {
        assertBodyRefused(bytes("5\rXhello\r\n0\r\n\r\n"))
    }

    /// Text after the size without a `;` is taken as an extension.
    func testGarbageAfterChunkSize() {
        assertBodyRefused(bytes("5 junk\r\nhello\r\n0\r\n\r\n"))
    }

    /// Chunk extensions are skipped without looking at their bytes (NUL and CTLs included).
    func testControlBytesInChunkExtension() {
        assertBodyRefused(bytes("5;a") + [0x01, 0x00] + bytes("z\r\nhello\r\n0\r\n\r\n"))
    }

    /// A bare LF ends the message after the last chunk.
    func testBareLFAfterLastChunk() {
        assertBodyRefused(bytes("5\r\nhello\r\n0\r\n\n"))
    }

    /// A trailer section is accepted with a bare LF line ending.
    func testBareLFInTrailer() {
        assertBodyRefused(bytes("5\r\nhello\r\n0\r\nX: y\n\r\n"))
    }
}
