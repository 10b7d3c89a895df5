import Foundation
import XCTest

@testable import TollgateEventLoop

/// `EventLoop` (a lock-free base woken through an eventfd) and its lazy `LoopTimer`, on a real loop thread.
/// The bounds checked are correctness bounds (an action never runs before it is due, a disarmed one never runs),
/// with wide margins; nothing here measures speed.
final class LoopTimerTests: XCTestCase {
    /// Times (monotonic) at which a timer's action ran, kept on the loop thread.
    private final class Firings: @unchecked Sendable {
        var times: [Double] = []
        var timer: LoopTimer?
    }

    func testExecuteFromManyThreadsRunsEveryBlockOnTheLoopThread() {
        let r = Running()
        defer { r.stop() }
        let loopThread = r.onLoop { pthread_self() }
        let counter = Box<Int>()
        counter.value = 0
        let all = DispatchGroup()
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            for _ in 0..<250 {
                all.enter()
                r.loop.execute {
                    XCTAssertTrue(pthread_equal(pthread_self(), loopThread) != 0)
                    counter.value! += 1
                    all.leave()
                }
            }
        }
        XCTAssertEqual(all.wait(timeout: .now() + 10), .success)
        XCTAssertEqual(r.onLoop { counter.value! }, 2000)
    }

    /// A timer on `r`'s loop that notes when it fires, armed with each of `arms` in turn; returns the time of arming.
    private func timer(on r: Running, _ f: Firings, arms: [Double]) -> Double {
        r.onLoop { () -> Double in
            f.timer = LoopTimer(loop: r.loop) { f.times.append(Monotonic.now()) }
            for seconds in arms { f.timer?.arm(seconds) }
            return Monotonic.now()
        }
    }

    /// The firing times once there are `count` of them (or after 10 s, however many there are), then `settle`
    /// seconds more, so that an extra firing would show. Waits by polling: a loaded machine only makes it slower.
    private func firings(_ r: Running, _ f: Firings, count: Int, settle: Double = 0.1) -> [Double] {
        let deadline = Date().addingTimeInterval(10)
        while r.onLoop({ f.times.count }) < count && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        Thread.sleep(forTimeInterval: settle)
        return r.onLoop { f.times }
    }

    /// Arms a timer with each of `arms` in turn and checks that it fires exactly once, `notBefore` seconds or more
    /// after arming and less than `before`.
    private func expectOneFiring(arms: [Double], notBefore: Double, before: Double = 10, _ what: String,
                                 line: UInt = #line) {
        let r = Running()
        defer { r.stop() }
        let f = Firings()
        let start = timer(on: r, f, arms: arms)
        let times = firings(r, f, count: 1)
        guard times.count == 1 else { return XCTFail("\(what): fired \(times.count) times", line: line) }
        XCTAssertGreaterThanOrEqual(times[0] - start, notBefore - 0.002, what, line: line)
        XCTAssertLessThan(times[0] - start, before, what, line: line)
    }

    func testAnActionRunsOnceAndNotBeforeItIsDue() {
        expectOneFiring(arms: [0.05], notBefore: 0.05, "fired early")
    }

    func testAMovedLaterDeadlineIsHonouredAlthoughTheEarlierOneWasSet() {
        // The libevent timer stays set for the earlier time; when it fires it must set itself again.
        expectOneFiring(arms: [0.02, 0.25], notBefore: 0.25, "fired at the old, earlier deadline")
    }

    func testAMovedEarlierDeadlineFiresAtTheEarlierTime() {
        expectOneFiring(arms: [30, 0.02], notBefore: 0.02, "waited for the old, later deadline")
    }

    func testADisarmedTimerDoesNotRunAndCanBeArmedAgain() {
        let r = Running()
        defer { r.stop() }
        let f = Firings()
        _ = timer(on: r, f, arms: [0.03])
        r.onLoop { f.timer?.disarm() }
        Thread.sleep(forTimeInterval: 0.2)
        XCTAssertEqual(r.onLoop { f.times.count }, 0, "a disarmed timer ran")
        r.onLoop { f.timer?.arm(0.03) }
        XCTAssertEqual(firings(r, f, count: 1).count, 1)
    }

    func testRearmingFromItsOwnActionWorks() {
        let r = Running()
        defer { r.stop() }
        let f = Firings()
        r.onLoop {
            f.timer = LoopTimer(loop: r.loop) {
                f.times.append(Monotonic.now())
                if f.times.count < 3 { f.timer?.arm(0.01) }
            }
            f.timer?.arm(0.01)
        }
        XCTAssertEqual(firings(r, f, count: 3).count, 3)
    }

    // MARK: the loop's clock: read once per callback, afresh in the next

    /// Records `loop.now` when its socket becomes readable.
    private final class ClockReader: TransportDelegate, @unchecked Sendable {
        let loop: EventLoop
        var seen: [Double] = []
        init(loop: EventLoop) { self.loop = loop }
        func transportReadable() { seen.append(loop.now) }
        func transportWritable() {}
        func transportEvent(_ what: Int16) {}
    }

    func testTheClockHoldsWithinACallbackAndIsReadAgainInTheNext() {
        let r = Running()
        defer { r.stop() }
        let (first, again) = r.onLoop { () -> (Double, Double) in
            let a = r.loop.now
            Thread.sleep(forTimeInterval: 0.02)
            return (a, r.loop.now)
        }
        XCTAssertEqual(first, again, "the clock moved within one callback")
        Thread.sleep(forTimeInterval: 0.05)
        let before = Monotonic.now()
        let next = r.onLoop { r.loop.now }
        XCTAssertGreaterThanOrEqual(next, before, "a queued block saw the clock of an earlier callback")
        let wallBefore = WallClock.now()
        XCTAssertGreaterThanOrEqual(r.onLoop { r.loop.wallNow }, wallBefore - 0.001)
    }

    func testATimerCallbackReadsTheClockAfresh() {
        let r = Running()
        defer { r.stop() }
        let f = Firings()
        let armed = r.onLoop { () -> Double in
            let now = r.loop.now  // cached by this callback
            f.timer = LoopTimer(loop: r.loop) { f.times.append(r.loop.now) }
            f.timer?.arm(0.05)
            return now
        }
        let times = firings(r, f, count: 1)
        XCTAssertEqual(times.count, 1)
        XCTAssertGreaterThanOrEqual((times.first ?? 0) - armed, 0.05 - 0.002, "the action saw a stale clock")
    }

    func testASocketCallbackReadsTheClockAfresh() throws {
        let r = Running()
        defer { r.stop() }
        var fds: [Int32] = [0, 0]
        XCTAssertEqual(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &fds), 0)
        defer { close(fds[1]) }
        let ours = fds[0]
        _ = fcntl(ours, F_SETFL, fcntl(ours, F_GETFL) | O_NONBLOCK)
        let reader = ClockReader(loop: r.loop)
        let transport = Box<Transport>()
        let primed = r.onLoop { () -> Double in
            let t = Transport(loop: r.loop, fd: ours, delegate: reader)
            t.enableReading()
            transport.value = t
            return r.loop.now  // cached by this callback
        }
        Thread.sleep(forTimeInterval: 0.05)
        let sent = Monotonic.now()
        XCTAssertEqual(write(fds[1], "x", 1), 1)
        let deadline = Date().addingTimeInterval(10)
        while r.onLoop({ reader.seen.isEmpty }) && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        let seen = try XCTUnwrap(r.onLoop { reader.seen.first })
        XCTAssertGreaterThanOrEqual(seen, sent, "the read callback saw the clock of an earlier callback")
        XCTAssertGreaterThan(seen - primed, 0.04)
        r.onLoop { transport.value?.close(); transport.value = nil }
    }
}
