import XCTest

@testable import TollgateEventLoop

/// Seeded random mutations of valid heads: the scanner never crashes, and whatever it accepts is clean.
final class HeadScannerFuzzTests: XCTestCase {
    private let seeds: [[UInt8]] = [
        bytes("GET /a/b?c=d HTTP/1.1\r\nHost: example.com\r\nAccept: */*\r\nX-Tab: a\tb\r\n\r\n"),
        bytes("POST /upload HTTP/1.1\r\nHost: h:8080\r\nContent-Length: 12\r\nContent-Type: text/plain\r\n\r\n"),
        bytes("PUT /c HTTP/1.1\r\nhost: h\r\nTransfer-Encoding: chunked\r\nConnection: keep-alive\r\n\r\n"),
        bytes("GET / HTTP/1.0\r\nUser-Agent: x\r\n\r\n"),
    ]
    private let alphabet: [UInt8] = [13, 10, 0, 32, 9, 58, 97, 0x80, 35, 72, 44, 47, 64]

    private func mutate(_ input: [UInt8], using rng: inout SplitMix64) -> [UInt8] {
        var head = input
        let count = Int.random(in: 1...4, using: &rng)
        for _ in 0..<count {
            let byte = alphabet.randomElement(using: &rng)!
            switch Int.random(in: 0..<3, using: &rng) {
            case 0 where !head.isEmpty:
                head[Int.random(in: 0..<head.count, using: &rng)] = byte
            case 1:
                head.insert(byte, at: Int.random(in: 0...head.count, using: &rng))
            default:
                if !head.isEmpty { head.remove(at: Int.random(in: 0..<head.count, using: &rng)) }
            }
        }
        return head
    }

    /// The invariants an accepted head must satisfy, checked independently of the scanner.
    private func checkAccepted(_ head: [UInt8], _ facts: HeadFacts, _ label: @autoclosure () -> String) {
        for (k, c) in head.enumerated() {
            if c == 0 { return XCTFail("NUL accepted at \(k): \(label())") }
            if c == 13 && (k + 1 == head.count || head[k + 1] != 10) { return XCTFail("bare CR accepted at \(k): \(label())") }
            if c == 10 && (k == 0 || head[k - 1] != 13) { return XCTFail("bare LF accepted at \(k): \(label())") }
        }
        // Split into lines by CRLF; line 0 is the request line.
        var lines: [ArraySlice<UInt8>] = []
        var lineStart = 0
        var k = 0
        while k + 1 < head.count {
            if head[k] == 13 && head[k + 1] == 10 {
                lines.append(head[lineStart..<k])
                lineStart = k + 2
                k += 2
            } else {
                k += 1
            }
        }
        let fields = lines.dropFirst().filter { !$0.isEmpty }
        XCTAssertEqual(fields.count, facts.headerCount, label())
        var hosts = 0
        var lengths = 0
        var encodings = 0
        for field in fields {
            guard let colon = field.firstIndex(of: 58) else { return XCTFail("field without colon: \(label())") }
            XCTAssertNotEqual(colon, field.startIndex, "empty name: \(label())")
            XCTAssertFalse(field[field.startIndex] == 32 || field[field.startIndex] == 9, "obs-fold: \(label())")
            let name = String(decoding: field[field.startIndex..<colon], as: UTF8.self).lowercased()
            XCTAssertFalse(name.contains(" ") || name.contains("\t"), "whitespace in name: \(label())")
            if name == "host" { hosts += 1 }
            if name == "content-length" { lengths += 1 }
            if name == "transfer-encoding" { encodings += 1 }
        }
        if facts.versionMinor == 1 { XCTAssertEqual(hosts, 1, "Host count: \(label())") }
        XCTAssertLessThanOrEqual(hosts, 1, label())
        XCTAssertLessThanOrEqual(lengths, 1, label())
        XCTAssertLessThanOrEqual(encodings, 1, label())
        XCTAssertEqual(lengths == 1, facts.contentLength != nil, label())
        XCTAssertEqual(encodings == 1, facts.chunked, label())
        XCTAssertFalse(facts.chunked && facts.contentLength != nil, label())
        XCTAssertFalse(facts.chunked && facts.versionMinor == 0, label())
        // The request-target has no fragment, space or control.
        if let first = lines.first {
            let parts = first.split(separator: 32, omittingEmptySubsequences: false)
            XCTAssertEqual(parts.count, 3, "request line: \(label())")
            if parts.count == 3 {
                XCTAssertFalse(parts[1].contains(35), "fragment: \(label())")
                XCTAssertFalse(parts[1].contains { $0 < 33 || $0 > 126 }, "target byte: \(label())")
            }
        }
    }

    func testRandomMutations() {
        var rng = SplitMix64(seed: 0x7011_6A7E)
        var accepted = 0
        var completed = 0
        for iteration in 0..<20_000 {
            let seed = seeds[iteration % seeds.count]
            let head = mutate(seed, using: &rng)
            let label = { "iteration \(iteration): \(String(decoding: head, as: UTF8.self).debugDescription)" }

            // validate on the whole buffer (its precondition says it gets a complete head; it must still not crash).
            if case .success(let facts) = validate(head) {
                accepted += 1
                checkAccepted(head, facts, label())
            }

            // The server's path: findEnd, then validate the span it found.
            switch findEnd(head) {
            case .complete(let start, let end):
                completed += 1
                XCTAssertLessThanOrEqual(end, head.count, label())
                XCTAssertEqual(Array(head[(end - 4)..<end]), [13, 10, 13, 10], label())
                let span = Array(head[start..<end])
                XCTAssertFalse(span.contains(0), label())
                if case .success(let facts) = validate(span) { checkAccepted(span, facts, label()) }
            case .incomplete(let resume):
                XCTAssertLessThanOrEqual(resume, head.count, label())
            case .invalid:
                break
            }

            // Incremental scanning agrees with a one-shot scan of the same bytes.
            var resume = 0
            var incremental: HeadScanner.Search = .incomplete(resumeAt: 0)
            var stoppedAt = head.count
            for length in 1...max(1, head.count) where length <= head.count {
                incremental = head.withUnsafeBytes {
                    HeadScanner.findEnd(UnsafeRawBufferPointer(rebasing: $0[0..<length]), from: resume)
                }
                if case .incomplete(let next) = incremental {
                    resume = next
                } else {
                    stoppedAt = length
                    break
                }
            }
            if case .incomplete = incremental {
                if case .incomplete = findEnd(head) {} else { XCTFail("incremental incomplete, one-shot not: \(label())") }
            } else {
                XCTAssertEqual(incremental, findEnd(Array(head[0..<stoppedAt])), label())
                if stoppedAt > 0, case .incomplete = findEnd(Array(head[0..<(stoppedAt - 1)])) {} else {
                    XCTFail("one-shot finished before the incremental scan: \(label())")
                }
            }
        }
        // The mutations must leave some heads valid, or the invariants above test nothing.
        XCTAssertGreaterThan(accepted, 500)
        XCTAssertGreaterThan(completed, 2000)
    }
}
