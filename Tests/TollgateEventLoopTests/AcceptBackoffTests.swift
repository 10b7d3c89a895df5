import XCTest

@testable import TollgateEventLoop

/// `AcceptBackoff` (what a listener does when accept() fails with EMFILE…) and `FileLimit.plan`, with an
/// injected clock and injected limits.
final class AcceptBackoffTests: XCTestCase {
    func testPauseStartsSmallDoublesAndIsCapped() {
        var b = AcceptBackoff(initial: 0.01, maximum: 1, reportEvery: 10)
        var pauses: [Double] = []
        for i in 0..<10 { pauses.append(b.failed(now: Double(i) * 0.001).pause) }
        XCTAssertEqual(pauses, [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1, 1, 1])
        XCTAssertEqual(b.failures, 10)
    }

    func testASuccessfulAcceptEndsTheEpisodeAndTheNextFailureStartsSmallAgain() {
        var b = AcceptBackoff()
        _ = b.failed(now: 100)
        _ = b.failed(now: 100.01)
        _ = b.failed(now: 100.03)
        XCTAssertEqual(b.accepted(now: 100.5), .recovered(failures: 3, seconds: 0.5))
        XCTAssertNil(b.pause)
        XCTAssertEqual(b.failures, 0)
        // No episode open: nothing to report.
        XCTAssertNil(b.accepted(now: 101))
        let next = b.failed(now: 200)
        XCTAssertEqual(next.pause, 0.01)
        XCTAssertEqual(next.report, .failing(failures: 1, pause: 0.01))
    }

    func testReportsAreRateLimitedAndCountWhatWasSuppressed() {
        var b = AcceptBackoff(initial: 0.01, maximum: 1, reportEvery: 10)
        var reports: [AcceptBackoff.Report] = []
        // One failure per second for 35 s (the listener retries once a second at the longest pause).
        for t in 0..<35 {
            if let r = b.failed(now: Double(t)).report { reports.append(r) }
        }
        XCTAssertEqual(reports.count, 4, "\(reports)")  // t = 0, 10, 20, 30
        XCTAssertEqual(reports.first, .failing(failures: 1, pause: 0.01))
        XCTAssertEqual(reports[1], .failing(failures: 10, pause: 1))
        XCTAssertEqual(reports[2], .failing(failures: 10, pause: 1))
        XCTAssertEqual(b.accepted(now: 40), .recovered(failures: 35, seconds: 40))
    }

    func testAttemptsStayFewWhileSaturated() {
        // Saturated for 10 s: the listener tries about once per pause, so ~17 attempts, not millions.
        var b = AcceptBackoff()
        var now = 0.0
        var attempts = 0
        while now < 10 {
            attempts += 1
            now += b.failed(now: now).pause
        }
        XCTAssertLessThan(attempts, 20)
    }

    // MARK: FileLimit.plan

    func testPlanRaisesTheSoftLimitTowardsWhatMaxConnectionsNeeds() {
        let p = FileLimit.plan(maxConnections: 10_000, workers: 2, idleUpstreamPerWorker: 256, soft: 1024,
                               hard: 1_048_576)
        let reserve = FileLimit.reserve(workers: 2)
        XCTAssertEqual(p.wanted, 20_000 + 512 + reserve)
        XCTAssertEqual(p.forClients, 10_000 + reserve)
        XCTAssertEqual(p.soft, p.wanted)
        XCTAssertTrue(p.raises)
        XCTAssertTrue(p.fitsAll)
    }

    func testPlanStopsAtTheHardLimitAndSaysWhatDoesNotFit() {
        let tight = FileLimit.plan(maxConnections: 10_000, workers: 1, idleUpstreamPerWorker: 256, soft: 1024,
                                   hard: 20_000)
        XCTAssertEqual(tight.soft, 20_000)
        XCTAssertTrue(tight.raises)
        XCTAssertTrue(tight.fitsClients)
        XCTAssertFalse(tight.fitsAll)
        let tiny = FileLimit.plan(maxConnections: 10_000, workers: 1, idleUpstreamPerWorker: 256, soft: 64, hard: 64)
        XCTAssertEqual(tiny.soft, 64)
        XCTAssertFalse(tiny.raises)
        XCTAssertFalse(tiny.fitsClients)
    }

    func testPlanNeverLowersTheSoftLimit() {
        let p = FileLimit.plan(maxConnections: 10, workers: 1, idleUpstreamPerWorker: 256, soft: 65_536,
                               hard: 65_536)
        XCTAssertEqual(p.soft, 65_536)
        XCTAssertFalse(p.raises)
        XCTAssertTrue(p.fitsAll)
        let unlimited = FileLimit.plan(maxConnections: 10_000, workers: 1, idleUpstreamPerWorker: 256, soft: 1024,
                                       hard: Int.max)
        XCTAssertEqual(unlimited.soft, unlimited.wanted)
        let huge = FileLimit.plan(maxConnections: Int.max, workers: 1, idleUpstreamPerWorker: 256, soft: 1024,
                                  hard: 4096)
        XCTAssertEqual(huge.soft, 4096)
        XCTAssertFalse(huge.fitsClients)
    }

    func testCurrentLimitsAreReadable() {
        let (soft, hard) = FileLimit.current()
        XCTAssertGreaterThan(soft, 0)
        XCTAssertGreaterThanOrEqual(hard, soft)
    }
}
