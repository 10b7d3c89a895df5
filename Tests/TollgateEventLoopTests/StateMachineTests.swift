import XCTest

@testable import TollgateEventLoop

/// `ServerConnectionStateMachine` with an injected clock.
final class StateMachineTests: XCTestCase {
    private let timeouts = ServerTimeouts(header: 10, idle: 60)

    private func fresh(at now: Double = 100) -> ServerConnectionStateMachine {
        ServerConnectionStateMachine(now: now, timeouts: timeouts)
    }

    /// A machine in `.exchanging` for a request with a body.
    private func exchangingWithBody(at now: Double = 100, keepAlive: Bool = true) -> ServerConnectionStateMachine {
        var m = fresh(at: now)
        m.bytesArrived(now: now)
        m.headAccepted(keepAlive: keepAlive, hasBody: true, now: now)
        return m
    }

    // MARK: Header deadline

    func testNewConnectionDeadlineIsHeaderTimeout() {
        let m = fresh(at: 100)
        XCTAssertEqual(m.state, .idle)
        XCTAssertEqual(m.deadline, 110)
        XCTAssertEqual(m.exchanges, 0)
        XCTAssertTrue(m.keepAlive)
    }

    func testBytesDoNotExtendTheHeaderDeadline() {
        var m = fresh(at: 100)
        m.bytesArrived(now: 100)
        XCTAssertEqual(m.state, .readingHead)
        XCTAssertEqual(m.deadline, 110)
        for t in stride(from: 101.0, through: 109.0, by: 1) {
            m.bytesArrived(now: t)
            XCTAssertEqual(m.deadline, 110, "extended by a byte at \(t)")
        }
        XCTAssertEqual(m.timerFired(now: 110), .closeNow)
        XCTAssertEqual(m.state, .closed)
        XCTAssertNil(m.deadline)
    }

    /// The first head must complete within the header timeout *from accept* (the doc comments on `init` and
    /// `ServerTimeouts.header`); a client that waits before its first byte must not get more time.
    func testFirstByteOfAFreshConnectionDoesNotMoveTheAcceptDeadline() {
        var m = fresh(at: 100)
        m.bytesArrived(now: 109)
        XCTAssertEqual(m.deadline, 110, "first byte at 109 moved the accept deadline (slowloris gets ~2x header time)")
        XCTAssertEqual(m.timerFired(now: 110), .closeNow)
    }

    func testTimerBeforeDeadlineDoesNothing() {
        var m = fresh(at: 100)
        XCTAssertEqual(m.timerFired(now: 100), .none)
        XCTAssertEqual(m.timerFired(now: 109.9), .none)
        XCTAssertEqual(m.state, .idle)
        XCTAssertEqual(m.deadline, 110)
    }

    func testTimerAtDeadlineCloses() {
        var m = fresh(at: 100)
        XCTAssertEqual(m.timerFired(now: 110), .closeNow)
        XCTAssertEqual(m.state, .closed)
    }

    func testTimerAfterDeadlineCloses() {
        var m = fresh(at: 100)
        m.bytesArrived(now: 100)
        XCTAssertEqual(m.timerFired(now: 250), .closeNow)
        XCTAssertEqual(m.state, .closed)
        XCTAssertEqual(m.timerFired(now: 300), .none, "a closed machine has no deadline")
    }

    // MARK: Head accepted

    func testHeadWithoutBodyClearsDeadline() {
        var m = fresh(at: 100)
        m.bytesArrived(now: 101)
        m.headAccepted(keepAlive: true, hasBody: false, now: 102)
        XCTAssertEqual(m.state, .exchanging)
        XCTAssertNil(m.deadline)
        XCTAssertTrue(m.requestDone)
        XCTAssertEqual(m.timerFired(now: 10_000), .none, "waiting for the upstream is not the client's fault")
        // Pipelined bytes while the response is pending do not arm a deadline.
        m.bytesArrived(now: 103)
        XCTAssertNil(m.deadline)
    }

    func testHeadWithBodyArmsIdleDeadlineExtendedByBodyBytes() {
        var m = fresh(at: 100)
        m.bytesArrived(now: 101)
        m.headAccepted(keepAlive: true, hasBody: true, now: 102)
        XCTAssertEqual(m.deadline, 162)
        XCTAssertFalse(m.requestDone)
        m.bytesArrived(now: 150)
        XCTAssertEqual(m.deadline, 210)
        XCTAssertEqual(m.timerFired(now: 200), .none)
        m.bytesArrived(now: 205)
        XCTAssertEqual(m.deadline, 265)
        XCTAssertEqual(m.timerFired(now: 265), .closeNow)
    }

    func testStalledBodyTimesOut() {
        var m = exchangingWithBody(at: 100)
        XCTAssertEqual(m.timerFired(now: 159), .none)
        XCTAssertEqual(m.timerFired(now: 160), .closeNow)
        XCTAssertEqual(m.state, .closed)
    }

    // MARK: Backpressure

    func testReadingPausedClearsDeadlineAndResumedRearms() {
        var m = exchangingWithBody(at: 100)
        m.readingPaused()
        XCTAssertNil(m.deadline)
        XCTAssertEqual(m.timerFired(now: 1_000), .none)
        m.readingResumed(now: 500)
        XCTAssertEqual(m.deadline, 560)
    }

    func testReadingResumedAfterBodyDoneDoesNotArm() {
        var m = exchangingWithBody(at: 100)
        m.readingPaused()
        XCTAssertEqual(m.requestFinished(), .none)
        m.readingResumed(now: 200)
        XCTAssertNil(m.deadline)
    }

    func testReadingPausedOutsideExchangeKeepsDeadline() {
        var m = fresh(at: 100)
        m.readingPaused()
        XCTAssertEqual(m.deadline, 110)
        m.readingResumed(now: 105)
        XCTAssertEqual(m.deadline, 110)
    }

    // MARK: End of exchange

    func testKeepAliveStartsNextRequestWithIdleDeadline() {
        var m = exchangingWithBody(at: 100)
        XCTAssertEqual(m.requestFinished(), .none)
        XCTAssertNil(m.deadline)
        XCTAssertTrue(m.requestDone)
        XCTAssertEqual(m.responseFinished(mustClose: false, now: 120), .startNextRequest)
        XCTAssertEqual(m.state, .idle)
        XCTAssertEqual(m.deadline, 180)
        XCTAssertEqual(m.exchanges, 1)
        XCTAssertFalse(m.requestDone)
        XCTAssertFalse(m.responseDone)
    }

    func testKeepAliveThenSlowHeadGetsHeaderDeadlineFromFirstByte() {
        var m = exchangingWithBody(at: 100)
        _ = m.requestFinished()
        XCTAssertEqual(m.responseFinished(mustClose: false, now: 120), .startNextRequest)
        XCTAssertEqual(m.timerFired(now: 179), .none)
        m.bytesArrived(now: 130)
        XCTAssertEqual(m.state, .readingHead)
        XCTAssertEqual(m.deadline, 140)
        m.bytesArrived(now: 139)
        XCTAssertEqual(m.deadline, 140)
        XCTAssertEqual(m.timerFired(now: 140), .closeNow)
    }

    func testIdleKeepAliveTimesOut() {
        var m = fresh(at: 100)
        m.bytesArrived(now: 100)
        m.headAccepted(keepAlive: true, hasBody: false, now: 101)
        XCTAssertEqual(m.responseFinished(mustClose: false, now: 102), .startNextRequest)
        XCTAssertEqual(m.timerFired(now: 161), .none)
        XCTAssertEqual(m.timerFired(now: 162), .closeNow)
    }

    func testMustCloseClosesAfterFlush() {
        var m = exchangingWithBody(at: 100)
        _ = m.requestFinished()
        XCTAssertEqual(m.responseFinished(mustClose: true, now: 120), .closeAfterFlush)
        XCTAssertEqual(m.state, .closing)
        XCTAssertNil(m.deadline)
        XCTAssertFalse(m.keepAlive)
        XCTAssertEqual(m.exchanges, 1)
    }

    func testEarlyResponseClosesAfterFlush() {
        var m = exchangingWithBody(at: 100)
        XCTAssertEqual(m.responseFinished(mustClose: false, now: 110), .closeAfterFlush)
        XCTAssertEqual(m.state, .closing)
        XCTAssertFalse(m.keepAlive)
        XCTAssertNil(m.deadline)
        XCTAssertEqual(m.requestFinished(), .none)
        XCTAssertEqual(m.state, .closing)
    }

    func testEarlyResponseWithBodyContinuingKeepsAlive() {
        var m = exchangingWithBody(at: 100)
        XCTAssertEqual(m.responseFinished(mustClose: false, bodyContinues: true, now: 110), .none)
        XCTAssertEqual(m.state, .exchanging)
        XCTAssertTrue(m.responseDone)
        m.bytesArrived(now: 111)
        XCTAssertEqual(m.deadline, 171)
        XCTAssertEqual(m.requestFinished(now: 112), .startNextRequest)
        XCTAssertEqual(m.state, .idle)
        XCTAssertEqual(m.deadline, 172)
        XCTAssertEqual(m.exchanges, 1)
    }

    func testEarlyResponseWithBodyContinuingButCloseRequestedCloses() {
        var m = exchangingWithBody(at: 100)
        XCTAssertEqual(m.responseFinished(mustClose: true, bodyContinues: true, now: 110), .closeAfterFlush)
        XCTAssertEqual(m.state, .closing)
    }

    func testClientAskedForClose() {
        var m = fresh(at: 100)
        m.bytesArrived(now: 100)
        m.headAccepted(keepAlive: false, hasBody: false, now: 100)
        XCTAssertFalse(m.keepAlive)
        XCTAssertEqual(m.responseFinished(mustClose: false, now: 101), .closeAfterFlush)
        XCTAssertEqual(m.state, .closing)
        XCTAssertEqual(m.exchanges, 1)
    }

    func testFail() {
        var m = exchangingWithBody(at: 100)
        XCTAssertEqual(m.fail(), .closeAfterFlush)
        XCTAssertEqual(m.state, .closing)
        XCTAssertNil(m.deadline)
        XCTAssertFalse(m.keepAlive)
        XCTAssertEqual(m.responseFinished(mustClose: false, now: 101), .none)
        XCTAssertEqual(m.exchanges, 0)
    }

    func testFailWhileReadingHead() {
        var m = fresh(at: 100)
        m.bytesArrived(now: 100)
        XCTAssertEqual(m.fail(), .closeAfterFlush)
        XCTAssertEqual(m.state, .closing)
        XCTAssertEqual(m.timerFired(now: 1_000), .none)
    }

    func testFailAfterClosedDoesNothing() {
        var m = fresh(at: 100)
        m.closed()
        XCTAssertEqual(m.state, .closed)
        XCTAssertNil(m.deadline)
        XCTAssertEqual(m.fail(), .none)
        XCTAssertEqual(m.state, .closed)
    }

    func testEventsOutsideAnExchangeAreIgnored() {
        var m = fresh(at: 100)
        XCTAssertEqual(m.requestFinished(), .none)
        XCTAssertEqual(m.responseFinished(mustClose: false, now: 101), .none)
        XCTAssertEqual(m.state, .idle)
        XCTAssertEqual(m.exchanges, 0)
    }

    func testExchangesCounter() {
        var m = fresh(at: 0)
        var t = 0.0
        for k in 1...5 {
            t += 1
            m.bytesArrived(now: t)
            m.headAccepted(keepAlive: true, hasBody: k % 2 == 0, now: t)
            if k % 2 == 0 {
                m.bytesArrived(now: t + 0.5)
                XCTAssertEqual(m.requestFinished(), .none)
            }
            XCTAssertEqual(m.responseFinished(mustClose: false, now: t + 0.75), .startNextRequest)
            XCTAssertEqual(m.exchanges, k)
            XCTAssertEqual(m.deadline, t + 0.75 + 60)
        }
        t += 1
        m.bytesArrived(now: t)
        m.headAccepted(keepAlive: true, hasBody: false, now: t)
        XCTAssertEqual(m.responseFinished(mustClose: true, now: t), .closeAfterFlush)
        XCTAssertEqual(m.exchanges, 6)
    }
}
