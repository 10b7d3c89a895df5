import XCTest

@testable import TollgateEventLoop

/// `ServerConnectionStateMachine.outputProgress`: the deadline while the end of a response still waits for a slow
/// client after the exchange ended.
final class OutputProgressTests: XCTestCase {
    private let timeouts = ServerTimeouts(header: 10, idle: 60)

    private func afterOneExchange(keepAlive: Bool, at now: Double = 100) -> ServerConnectionStateMachine {
        var m = ServerConnectionStateMachine(now: now, timeouts: timeouts)
        m.bytesArrived(now: now)
        m.headAccepted(keepAlive: keepAlive, hasBody: false, now: now)
        _ = m.responseFinished(mustClose: false, now: now)
        return m
    }

    func testAClosingConnectionGetsADeadlineOnceOutputIsLeftToFlush() {
        var m = afterOneExchange(keepAlive: false)
        XCTAssertEqual(m.state, .closing)
        XCTAssertNil(m.deadline, "closing has no deadline of its own")
        m.outputProgress(now: 101)
        XCTAssertEqual(m.deadline, 161)
        // The client takes nothing: dropped at the deadline.
        XCTAssertEqual(m.timerFired(now: 160), .none)
        XCTAssertEqual(m.timerFired(now: 161), .closeNow)
        XCTAssertEqual(m.state, .closed)
    }

    func testKeepAliveWaitMovesWhileTheClientStillReads() {
        var m = afterOneExchange(keepAlive: true)
        XCTAssertEqual(m.state, .idle)
        XCTAssertEqual(m.deadline, 160)
        m.outputProgress(now: 150)
        XCTAssertEqual(m.deadline, 210)
        XCTAssertEqual(m.timerFired(now: 160), .none)
        XCTAssertEqual(m.state, .idle)
    }

    func testProgressDoesNotTouchOtherStates() {
        var fresh = ServerConnectionStateMachine(now: 100, timeouts: timeouts)
        fresh.outputProgress(now: 105)
        XCTAssertEqual(fresh.deadline, 110, "a fresh connection keeps its header deadline")
        var reading = fresh
        reading.bytesArrived(now: 106)
        reading.outputProgress(now: 107)
        XCTAssertEqual(reading.deadline, 110, "slowloris gets no extension from output")
        var exchanging = reading
        exchanging.headAccepted(keepAlive: true, hasBody: false, now: 108)
        exchanging.outputProgress(now: 109)
        XCTAssertNil(exchanging.deadline)
        var closed = exchanging
        closed.closed()
        closed.outputProgress(now: 110)
        XCTAssertNil(closed.deadline)
    }
}
