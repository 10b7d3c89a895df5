import Testing

@testable import TollgateCore

@Suite("failed_auth.max_tracked")
struct FailedAuthTrackingConfigTests {
    @Test("defaults to 100,000 tracked IPs")
    func defaultCapacity() throws {
        let config = try #require(validConfig(minimalConfig))
        #expect(config.failedAuth.maxTracked == 100_000)
        #expect(config.failedAuth == FailedAuthConfig(limit: 20, window: 60, maxTracked: 100_000))
    }

    @Test("is read from the failed_auth section")
    func configured() throws {
        let config = try #require(validConfig(minimalConfig + "\nfailed_auth:\n  limit: 3\n  max_tracked: 1000"))
        #expect(config.failedAuth == FailedAuthConfig(limit: 3, window: 60, maxTracked: 1000))
    }

    @Test("must be a whole number of at least 1", arguments: ["0", "-5", "1.5", "lots"])
    func invalid(value: String) {
        let error = singleError("failed_auth:\n  max_tracked: \(value)")
        #expect(error != nil)
        #expect(error?.message.contains("max_tracked") == true, "\(String(describing: error))")
    }

    @Test("the brake honours it: a flood of distinct IPs never tracks more, and the newest are still braked")
    func brakeCapacity() {
        let brake = FailedAuthBrake(limit: 2, window: 60, capacity: 1000)
        for i in 0..<25_000 {
            brake.recordFailure("127.1.\(i / 256).\(i % 256)", now: Double(i) / 1000)
            #expect(brake.trackedCount <= 1000)
        }
        #expect(brake.trackedCount == 1000)
        // A fresh abuser after the flood: limit failures pass, the next is refused.
        #expect(brake.check("127.2.0.1", now: 30) == nil)
        brake.recordFailure("127.2.0.1", now: 30)
        #expect(brake.check("127.2.0.1", now: 30.1) == nil)
        brake.recordFailure("127.2.0.1", now: 30.1)
        #expect(brake.check("127.2.0.1", now: 30.2) == 60)
    }
}
