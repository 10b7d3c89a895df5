import Foundation
import XCTest

@testable import TollgateEventLoop

/// `EventLoop` (a lock-free base woken through an eventfd) and its lazy `LoopTimer`, on a real loop thread.
/// The bounds checked are correctness bounds (an action never runs before it is due, a disarmed one never runs),
/// with wide margins; nothing here measures speed.
final class LoopTimerTests: XCTestCase {
    /// A loop on its own thread; `onLoop` runs a block there and waits for it.
    private final class Running: @unchecked Sendable {
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

    private final class Box<T>: @unchecked Sendable {
        var value: T?
    }

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
}
