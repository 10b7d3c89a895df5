/// Client-side timeouts that the state machine enforces.
public struct ServerTimeouts: Sendable, Equatable {
    /// Whole time from a request's first byte to the end of its head (and from accept to the first head).
    public var header: Double
    /// Keep-alive gap between requests, and the longest pause inside a request body.
    public var idle: Double

    /// Memberwise initialiser.
    public init(header: Double, idle: Double) {
        self.header = header
        self.idle = idle
    }
}

/// The life of one client connection as a small state machine, free of sockets so that every transition and
/// timeout is unit tested with an injected clock (NIO's `…StateMachine` pattern).
///
/// idle ──first byte──▶ readingHead ──head ok──▶ exchanging ──request done + response done──▶ idle (keep-alive)
///   │                      │                       │                                      └──▶ closing
///   └── deadline ──▶ closed ◀── deadline ──────────┘ (body stalled)
struct ServerConnectionStateMachine: Equatable {
    /// Where the connection is.
    enum State: Equatable {
        /// Waiting for the first byte of a request.
        case idle
        /// Some bytes of a head have arrived; the header deadline runs from the first one.
        case readingHead
        /// Head accepted; request body and/or response in flight.
        case exchanging
        /// Output is being flushed; the connection closes afterwards.
        case closing
        /// Gone.
        case closed
    }

    /// What the owner must do after a transition.
    enum Action: Equatable {
        case none
        /// Look at buffered input for the next request.
        case startNextRequest
        /// Send what is buffered, then close.
        case closeAfterFlush
        /// Close at once (deadline passed).
        case closeNow
    }

    private(set) var state: State = .idle
    /// Absolute time (loop clock) at which the connection times out; nil when no deadline applies.
    private(set) var deadline: Double?
    private(set) var requestDone = false
    private(set) var responseDone = false
    private(set) var keepAlive = true
    /// Completed exchanges on this connection.
    private(set) var exchanges = 0
    let timeouts: ServerTimeouts

    /// A fresh connection: the first head must complete within the header timeout from accept.
    init(now: Double, timeouts: ServerTimeouts) {
        self.timeouts = timeouts
        deadline = now + timeouts.header
    }

    /// Bytes arrived from the client.
    mutating func bytesArrived(now: Double) {
        switch state {
        case .idle:
            state = .readingHead
            // Not reset by later bytes: slowloris gets no extension. On a fresh connection the deadline runs
            // from accept, so a first byte sent late does not buy a second header period.
            let headDeadline = now + timeouts.header
            deadline = exchanges == 0 ? min(deadline ?? headDeadline, headDeadline) : headDeadline
        case .exchanging where !requestDone:
            deadline = now + timeouts.idle  // body progress
        default:
            break
        }
    }

    /// The head passed every check; `keepAlive` is what the client asked for.
    mutating func headAccepted(keepAlive: Bool, hasBody: Bool, now: Double) {
        precondition(state == .readingHead || state == .idle)
        state = .exchanging
        self.keepAlive = keepAlive
        requestDone = !hasBody
        responseDone = false
        deadline = hasBody ? now + timeouts.idle : nil
    }

    /// Reading from the client is paused for backpressure: a stalled upstream is not the client's fault.
    mutating func readingPaused() {
        if state == .exchanging { deadline = nil }
    }

    /// Reading resumed after backpressure.
    mutating func readingResumed(now: Double) {
        if state == .exchanging && !requestDone { deadline = now + timeouts.idle }
    }

    /// The whole request body has been read. After an early response that let the body finish
    /// (`responseFinished(…, bodyContinues: true)`), this ends the exchange.
    mutating func requestFinished(now: Double = 0) -> Action {
        guard state == .exchanging else { return .none }
        requestDone = true
        deadline = nil
        if responseDone { return finishExchange(now: now) }
        return .none
    }

    /// The whole response has been queued for the client; `mustClose` when it cannot be followed by another.
    /// A response that ends before the request body (an early response) closes the connection, since the
    /// stream position is unknown, unless `bodyContinues`: the rest of the body is still read and forwarded,
    /// and `requestFinished` then starts the next request.
    mutating func responseFinished(mustClose: Bool, bodyContinues: Bool = false, now: Double) -> Action {
        guard state == .exchanging else { return .none }
        responseDone = true
        if mustClose { keepAlive = false }
        if !requestDone {
            if bodyContinues && keepAlive { return .none }
            keepAlive = false
            return finishExchange()
        }
        return finishExchange(now: now)
    }

    private mutating func finishExchange(now: Double? = nil) -> Action {
        exchanges += 1
        if keepAlive, let now {
            state = .idle
            deadline = now + timeouts.idle
            requestDone = false
            responseDone = false
            return .startNextRequest
        }
        state = .closing
        deadline = nil
        return .closeAfterFlush
    }

    /// A protocol error or local refusal that ends the connection once the answer is flushed.
    mutating func fail() -> Action {
        if state == .closed { return .none }
        state = .closing
        deadline = nil
        keepAlive = false
        return .closeAfterFlush
    }

    /// The client took some of a response that was queued faster than it reads, after the exchange ended (in
    /// `idle`, or `closing` with output left to flush): the keep-alive wait, or the close, has not really begun
    /// while bytes still move, so the deadline becomes `now + idle` (nginx's `send_timeout`). A client that takes
    /// nothing for that long is dropped; without this a `closing` connection whose client never reads would
    /// have no deadline at all.
    mutating func outputProgress(now: Double) {
        switch state {
        case .idle where exchanges > 0, .closing:
            deadline = now + timeouts.idle
        default:
            break
        }
    }

    /// The timer fired at `now`: closes when the deadline has passed.
    mutating func timerFired(now: Double) -> Action {
        guard let deadline, now + 0.0005 >= deadline else { return .none }
        state = .closed
        self.deadline = nil
        return .closeNow
    }

    /// The socket is gone.
    mutating func closed() {
        state = .closed
        deadline = nil
    }
}
