import XCTest

@testable import TollgateEventLoop

/// The word-at-a-time helpers the scanner's fast paths use, against the byte-by-byte definitions.
final class HeadScannerBytesTests: XCTestCase {
    /// RFC 9110 §5.6.2: tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`" / "|" /
    /// "~" / DIGIT / ALPHA.
    func testTCharMasksAreTheRFCList() {
        let specials = Set("!#$%&'*+-.^_`|~".utf8)
        for c in 0...255 {
            let byte = UInt8(c)
            let expected = (48...57).contains(byte) || (65...90).contains(byte) || (97...122).contains(byte)
                || specials.contains(byte)
            XCTAssertEqual(HeadScanner.isTChar(byte), expected, "byte \(c)")
        }
    }

    /// Every threshold the scanner uses, against words holding each byte value in each position, and random
    /// words (obs-text included).
    func testHasByteBelowAndHasByte() {
        var words: [[UInt8]] = []
        for position in 0..<8 {
            for value in 0...255 {
                var w = [UInt8](repeating: 0x61, count: 8)
                w[position] = UInt8(value)
                words.append(w)
            }
        }
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<20_000 { words.append((0..<8).map { _ in UInt8.random(in: 0...255, using: &rng) }) }
        for w in words {
            let x = w.withUnsafeBytes { HeadScanner.word($0, 0) }
            for n: UInt8 in [1, 14, 0x21, 0x80] {
                XCTAssertEqual(HeadScanner.hasByteBelow(x, n), w.contains { $0 < n }, "\(w) below \(n)")
            }
            for b: UInt8 in [0x7f, 13, 10, 0] {
                XCTAssertEqual(HeadScanner.hasByte(x, b), w.contains(b), "\(w) has \(b)")
            }
        }
    }

    func testIsASCII() {
        for length in 0..<24 {
            let ascii = [UInt8](repeating: 0x7f, count: length)
            XCTAssertTrue(ascii.withUnsafeBytes(HeadScanner.isASCII))
            for k in 0..<length {
                var other = ascii
                other[k] = 0x80
                XCTAssertFalse(other.withUnsafeBytes(HeadScanner.isASCII), "length \(length) at \(k)")
            }
        }
    }

    /// A long value whose one bad byte sits at every offset is refused wherever it falls (fast path or not), and
    /// the value read keeps its trailing blanks off.
    func testValueScanRefusesABadByteAtAnyOffset() {
        for offset in 0..<40 {
            for bad: UInt8 in [0, 1, 8, 0x0b, 0x1f, 0x7f] {
                var value = [UInt8](repeating: UInt8(ascii: "v"), count: 40)
                value[offset] = bad
                let head = Array("GET / HTTP/1.1\r\nHost: h\r\nX-Long: ".utf8) + value + Array("\r\n\r\n".utf8)
                let result = head.withUnsafeBytes { HeadScanner.validate($0) }
                XCTAssertEqual(result, .failure(.invalidValueChar), "byte \(bad) at \(offset)")
            }
        }
        let head = Array("GET / HTTP/1.1\r\nHost: h\r\nX-Long: \(String(repeating: "é", count: 20)) \t \r\n\r\n".utf8)
        guard case .success(let request) = head.withUnsafeBytes({ HeadScanner.parseRequest($0) }) else {
            return XCTFail("refused")
        }
        XCTAssertEqual(request.headers.last?.value, String(repeating: "é", count: 20))
    }

    /// The GET/POST shortcut and the table agree: every method http-parser knows maps to itself, near misses to nil.
    func testKnownMethods() {
        XCTAssertTrue(WireParser.knownMethods.contains("GET") && WireParser.knownMethods.contains("POST"))
        for method in WireParser.knownMethods {
            XCTAssertEqual(Array(method.utf8).withUnsafeBytes { HeadScanner.knownMethod($0) }, method)
        }
        for miss in ["GEt", "get", "GETX", "GE", "POS", "POSTS", "Post", "", "BREW"] {
            XCTAssertNil(Array(miss.utf8).withUnsafeBytes { HeadScanner.knownMethod($0) }, miss)
        }
    }
}
