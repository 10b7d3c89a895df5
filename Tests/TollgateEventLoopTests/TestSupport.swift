import Foundation
import XCTest

@testable import TollgateEventLoop

/// Bytes of an ASCII/UTF-8 string.
func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

/// Runs `HeadScanner.validate` over the whole of `head`.
func validate(_ head: [UInt8], maxHeaders: Int = 128) -> Result<HeadFacts, HeadError> {
    head.withUnsafeBytes { HeadScanner.validate($0, maxHeaders: maxHeaders) }
}

/// Runs `HeadScanner.validate` over a string head.
func validate(_ head: String, maxHeaders: Int = 128) -> Result<HeadFacts, HeadError> {
    validate(bytes(head), maxHeaders: maxHeaders)
}

/// Runs `HeadScanner.findEnd` over `buffer`.
func findEnd(_ buffer: [UInt8], from: Int = 0) -> HeadScanner.Search {
    buffer.withUnsafeBytes { HeadScanner.findEnd($0, from: from) }
}

/// Runs `HeadScanner.findEnd` over a string buffer.
func findEnd(_ buffer: String, from: Int = 0) -> HeadScanner.Search {
    findEnd(bytes(buffer), from: from)
}

/// Deterministic SplitMix64, so that fuzz failures reproduce.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Asserts that `head` is refused with exactly `expected`.
func assertRefused(
    _ head: [UInt8], _ expected: HeadError, maxHeaders: Int = 128,
    file: StaticString = #filePath, line: UInt = #line
) {
    switch validate(head, maxHeaders: maxHeaders) {
    case .success(let facts):
        XCTFail("accepted \(String(decoding: head, as: UTF8.self).debugDescription) as \(facts)", file: file, line: line)
    case .failure(let error):
        XCTAssertEqual(error, expected, String(decoding: head, as: UTF8.self).debugDescription, file: file, line: line)
    }
}

/// Asserts that string `head` is refused with exactly `expected`.
func assertRefused(
    _ head: String, _ expected: HeadError, maxHeaders: Int = 128,
    file: StaticString = #filePath, line: UInt = #line
) {
    assertRefused(bytes(head), expected, maxHeaders: maxHeaders, file: file, line: line)
}

/// Asserts that `head` is refused with any error answered by `status`.
func assertRefused(_ head: String, status: Int, file: StaticString = #filePath, line: UInt = #line) {
    switch validate(head) {
    case .success(let facts):
        XCTFail("accepted \(head.debugDescription) as \(facts)", file: file, line: line)
    case .failure(let error):
        XCTAssertEqual(error.status, status, "\(head.debugDescription) refused with \(error)", file: file, line: line)
    }
}

/// Asserts that `head` is accepted and returns its facts.
@discardableResult
func assertAccepted(_ head: [UInt8], file: StaticString = #filePath, line: UInt = #line) -> HeadFacts? {
    switch validate(head) {
    case .success(let facts):
        return facts
    case .failure(let error):
        XCTFail("refused \(String(decoding: head, as: UTF8.self).debugDescription): \(error)", file: file, line: line)
        return nil
    }
}

/// Asserts that string `head` is accepted and returns its facts.
@discardableResult
func assertAccepted(_ head: String, file: StaticString = #filePath, line: UInt = #line) -> HeadFacts? {
    assertAccepted(bytes(head), file: file, line: line)
}

/// A loop on its own thread; `onLoop` runs a block there and waits for it.
final class Running: @unchecked Sendable {
    let loop = EventLoop()
    let done = DispatchSemaphore(value: 0)
    init() {
        let t = Thread { [loop, done] in
            loop.run()
            done.signal()
        }
        t.start()
    }
    func onLoop<T>(_ body: @escaping @Sendable () -> T) -> T {
        let ready = DispatchSemaphore(value: 0)
        let box = Box<T>()
        loop.execute { box.value = body(); ready.signal() }
        ready.wait()
        return box.value!
    }
    func stop() {
        loop.execute { [loop] in loop.stop() }
        _ = done.wait(timeout: .now() + 5)
    }
}

/// A value handed between a loop thread and the test thread (the hand-over is ordered by `Running.onLoop`).
final class Box<T>: @unchecked Sendable {
    var value: T?
}
