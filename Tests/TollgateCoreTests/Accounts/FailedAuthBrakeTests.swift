import Testing

@testable import TollgateCore

@Suite("FailedAuthBrake")
struct FailedAuthBrakeTests {
    @Test("limit failures pass; the next request presenting a credential is refused until the window ends")
    func boundary() {
        let brake = FailedAuthBrake(limit: 3, window: 60)
        for second in 0..<3 {
            #expect(brake.check("10.0.0.1", now: Double(second)) == nil)
            brake.recordFailure("10.0.0.1", now: Double(second))
        }
        // The 4th request (limit + 1) is refused, whatever its credential; the window began at t=0.
        #expect(brake.check("10.0.0.1", now: 3) == 57)
        #expect(brake.check("10.0.0.1", now: 59.2) == 1)
        #expect(brake.check("10.0.0.1", now: 59.999) == 1)
        #expect(brake.check("10.0.0.2", now: 10) == nil)
        // The window has passed: a fresh start.
        #expect(brake.check("10.0.0.1", now: 60) == nil)
        brake.recordFailure("10.0.0.1", now: 60)
        #expect(brake.check("10.0.0.1", now: 61) == nil)
    }

    @Test("the window is fixed from the first failure, not sliding")
    func fixedWindow() {
        let brake = FailedAuthBrake(limit: 2, window: 10)
        brake.recordFailure("ip", now: 0)
        brake.recordFailure("ip", now: 9)
        #expect(brake.check("ip", now: 9.5) == 1)
        // At t=10 the window that began at 0 is over, although a failure happened at 9.
        #expect(brake.check("ip", now: 10) == nil)
        brake.recordFailure("ip", now: 10)
        #expect(brake.check("ip", now: 11) == nil)
        brake.recordFailure("ip", now: 11)
        #expect(brake.check("ip", now: 12) == 8)
    }

    @Test("a failure after an expired window starts a new one")
    func restart() {
        let brake = FailedAuthBrake(limit: 1, window: 5)
        brake.recordFailure("ip", now: 0)
        #expect(brake.check("ip", now: 1) == 4)
        brake.recordFailure("ip", now: 100)
        #expect(brake.check("ip", now: 100.5) == 5)
        #expect(brake.check("ip", now: 105) == nil)
    }

    @Test("memory is bounded: at most capacity IPs, oldest windows evicted first")
    func capacity() {
        let brake = FailedAuthBrake(limit: 1, window: 1e9, capacity: 1000)
        var maximum = 0
        for index in 0..<200_000 {
            brake.recordFailure("ip-\(index)", now: Double(index))
            if index % 1000 == 0 { maximum = max(maximum, brake.trackedCount) }
        }
        maximum = max(maximum, brake.trackedCount)
        #expect(maximum == 1000)
        // The newest are still braked; the oldest were evicted.
        #expect(brake.check("ip-199999", now: 200_000) != nil)
        #expect(brake.check("ip-199000", now: 200_000) != nil)
        #expect(brake.check("ip-198999", now: 200_000) == nil)
        #expect(brake.check("ip-0", now: 200_000) == nil)
    }

    @Test("expired windows are dropped as time passes")
    func expiredDropped() {
        let brake = FailedAuthBrake(limit: 5, window: 1)
        for index in 0..<100 { brake.recordFailure("ip-\(index)", now: 0) }
        #expect(brake.trackedCount == 100)
        for index in 0..<100 { _ = brake.check("other-\(index)", now: 2) }
        #expect(brake.trackedCount == 0)
    }

    @Test("a re-started window moves to the young end of the eviction order")
    func restartedIsYoung() {
        let brake = FailedAuthBrake(limit: 1, window: 10, capacity: 2)
        brake.recordFailure("a", now: 0)
        brake.recordFailure("b", now: 5)
        // a's window has passed: a new one, younger than b's (which runs to 15).
        brake.recordFailure("a", now: 10.5)
        brake.recordFailure("c", now: 11)  // full: evicts b, the oldest window
        #expect(brake.check("a", now: 12) != nil)
        #expect(brake.check("c", now: 12) != nil)
        #expect(brake.check("b", now: 12) == nil)
    }
}
