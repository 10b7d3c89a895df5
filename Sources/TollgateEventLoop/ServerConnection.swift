private import CLibevent

/// Limits applied to the client connections a server accepts.
public struct ServerSettings: Sendable {
    /// Largest head (request line + headers) accepted; larger gets 431.
    public var maxHeaderBytes: Int
    /// Largest body accepted; larger gets 413 (from Content-Length before reading, or while streaming chunks).
    public var maxBodyBytes: Int64
    /// Header and idle deadlines.
    public var timeouts: ServerTimeouts
    /// Output-buffer size above which the other side stops being read (backpressure).
    public var highWater: Int
    /// How long a refused connection keeps draining input before the socket closes (lingering close).
    public var lingerSeconds: Double

    /// Memberwise initialiser with defaults for the buffer sizes.
    public init(maxHeaderBytes: Int, maxBodyBytes: Int64, timeouts: ServerTimeouts,
                highWater: Int = 256 * 1024, lingerSeconds: Double = 2) {
        self.maxHeaderBytes = maxHeaderBytes
        self.maxBodyBytes = maxBodyBytes
        self.timeouts = timeouts
        self.highWater = highWater
        self.lingerSeconds = lingerSeconds
    }
}

/// How an exchange ended, for logs and metrics.
public struct ExchangeResult: Sendable {
    /// Status sent to the client (0 when the connection died before any head was sent).
    public var status: Int
    /// Response body bytes queued for the client.
    public var bytesOut: Int64
    /// Seconds from sending the request upstream to the response head; nil when no upstream answered.
    public var upstreamSeconds: Double?
    /// False when the exchange was cut short (peer gone, upstream died mid-body).
    public var completed: Bool
}

/// Decides what to do with each request head. Called on the connection's loop thread.
public protocol HTTPServerHandler: AnyObject {
    /// A head passed the framing checks. The handler must call exactly one of `respond`, `proxy` or
    /// `readBody` on `connection` (synchronously or later on the same loop).
    func handle(_ head: HTTPRequestHead, on connection: ServerConnection)
    /// A head was refused by the framing checks: returns the answer for `status` (sent, then the connection closes).
    func refused(_ error: HeadError, status: Int, rawTarget: String?, on connection: ServerConnection) -> LocalResponse
    /// The answer for an error found while a body streams (bad chunk, too large); the exchange's completion
    /// reports it, so this must not log.
    func errorResponse(status: Int, on connection: ServerConnection) -> LocalResponse
}

/// One accepted client connection: strict head parsing, body streaming with backpressure, relaying the
/// upstream response, keep-alive and pipelining, deadlines. Thread rule: used only on its loop's thread.
public final class ServerConnection {
    enum BodyState {
        case none
        case length(remaining: Int64)
        case chunked
    }

    enum BodySink {
        case upstream
        case discard
    }

    /// The loop this connection lives on (its clock: `loop.now`).
    public let loop: EventLoop
    /// The byte stream; kept after close (closed) so that a callback in flight never sees it freed.
    private var transport: Transport!
    private var isClosed = false
    /// The peer's IP address, without port.
    public let peerAddress: String
    /// True when the connection arrived over TLS.
    public let isTLS: Bool
    /// The current exchange's request id, set by the handler so that errors raised later carry it.
    public var requestID: String?
    let settings: ServerSettings
    private let handler: HTTPServerHandler
    private let onClose: () -> Void
    private(set) var machine: ServerConnectionStateMachine
    /// Chunked request bodies only: heads are read by `HeadScanner.parseRequest`.
    private let parser = WireParser(isRequest: true, collectHeaders: false)
    private var scanResume = 0
    private var timer: LoopTimer?
    private var lingerTimer: LoopTimer?
    private var lingering = false
    /// Zero-delay timer that resumes parsing a pipelined request on the next loop turn.
    private var kick: LoopTimer?

    // The current exchange.
    private var body: BodyState = .none
    private var chunkCheck = ChunkedFramingValidator()
    private var sink: BodySink = .discard
    private var bodyBytes: Int64 = 0
    private var bodyTooLarge = false
    private var requestHead: HTTPRequestHead?
    private var upstream: UpstreamConnection?
    private var upstreamRequest: [UInt8] = []
    private var upstreamRetried = false
    private var retryable = false
    private var pool: UpstreamPool?
    private var completion: ((ExchangeResult) -> Void)?
    private var bodyCompletion: ((Int64) -> Void)?
    private var responseStarted = false
    private var responseChunked = false
    private var status = 0
    private var bytesOut: Int64 = 0
    private var upstreamStart = 0.0
    private var upstreamSeconds: Double?
    private var readPaused = false
    private var clientEOF = false

    init(loop: EventLoop, peerAddress: String, isTLS: Bool, settings: ServerSettings,
         handler: HTTPServerHandler, onClose: @escaping () -> Void,
         transport makeTransport: (TransportDelegate) -> Transport) {
        self.loop = loop
        self.peerAddress = peerAddress
        self.isTLS = isTLS
        self.settings = settings
        self.handler = handler
        self.onClose = onClose
        self.machine = ServerConnectionStateMachine(now: loop.now, timeouts: settings.timeouts)
        self.transport = makeTransport(self)
    }

    /// Registers callbacks and starts reading. Retains self until `close()` (the one place it is released).
    func start() {
        _ = Unmanaged.passRetained(self)
        timer = LoopTimer(loop: loop) { [unowned self] in self.timerFired() }
        kick = LoopTimer(loop: loop) { [unowned self] in
            if self.machine.state == .idle { self.processHead() }
        }
        transport.setLowWater(settings.highWater / 4)
        transport.enableReading()
        armTimer()
    }

    // MARK: - libevent callbacks (trampolines land here)

    private func readable() {
        switch machine.state {
        case .idle, .readingHead:
            processHead()
        case .exchanging:
            if !machine.requestDone {
                machine.bytesArrived(now: loop.now)
                armTimer()
                pumpBody()
            }
        case .closing:
            if lingering { evbuffer_drain(transport.input, evbuffer_get_length(transport.input)) }
        case .closed:
            break
        }
    }

    private func writable() {
        guard !isClosed else { return }
        let pending = evbuffer_get_length(transport.output)
        if machine.state == .closing && pending == 0 {
            startLingeringClose()
            return
        }
        if machine.state == .closing && !lingering {
            // Output left to flush before the close: the client gets idle_timeout to take the next bytes.
            sendMark = -1
            machine.outputProgress(now: loop.now)
            armTimer()
        }
        if pending <= settings.highWater / 4 { upstream?.clientDrained() }
    }

    private func event(_ what: Int16) {
        // A TLS bufferevent reports its finished handshake; nothing to do.
        if Int32(what) == BEV_EVENT_CONNECTED { return }
        if (Int32(what) & BEV_EVENT_EOF) != 0 && (Int32(what) & BEV_EVENT_READING) != 0
            && machine.state == .exchanging && machine.requestDone && !lingering {
            // Half-close after a complete request: answer it, then close.
            clientEOF = true
            transport.disableReading()
            return
        }
        close()
    }

    private func timerFired() {
        timerAt = nil
        if sendStillMoving() {
            armTimer()
            return
        }
        if machine.timerFired(now: loop.now) == .closeNow {
            close()
        } else {
            armTimer()
        }
    }

    /// When the armed timer fires (nil: not armed).
    private var timerAt: Double?
    /// Bytes the client had not taken when the deadline was last set after an exchange; -1 when not measured
    /// yet (see `sendStillMoving`).
    private var sendMark = -1

    /// After an exchange, the end of its response may still wait in the output buffer for a slow client. While
    /// the client keeps taking bytes, its deadline moves (`outputProgress`) instead of cutting the download
    /// (keep-alive) or never coming (closing); a client that took nothing since the last check is dropped.
    private func sendStillMoving() -> Bool {
        guard !isClosed, !lingering, machine.state == .idle || machine.state == .closing else { return false }
        let pending = transport.unsentBytes
        defer { sendMark = pending }
        // First look since the exchange ended (not measured then, to keep a syscall off every response):
        // bytes still queued get one more period to show they move.
        guard sendMark < 0 ? pending > 0 : pending < sendMark else { return false }
        machine.outputProgress(now: loop.now)
        return true
    }

    /// Lazy deadline timer: re-armed only when the deadline moves earlier than the armed time. A timer that
    /// fires early (the deadline moved later, or went away) finds nothing due and re-arms for what is left, so a
    /// keep-alive exchange costs one timer update instead of one per state change.
    private func armTimer() {
        guard let deadline = machine.deadline else { return }
        if let at = timerAt, at <= deadline { return }
        timer?.arm(max(0.001, deadline - loop.now))
        timerAt = deadline
    }

    // MARK: - Heads

    private func processHead() {
        guard !isClosed else { return }
        let input = transport.input
        let length = evbuffer_get_length(input)
        if length == 0 { return }
        if machine.state == .idle { machine.bytesArrived(now: loop.now); armTimer() }
        let window = min(length, settings.maxHeaderBytes + 4)
        guard let base = evbuffer_pullup(input, window) else { return }
        let bytes = UnsafeRawBufferPointer(start: base, count: window)
        switch HeadScanner.findEnd(bytes, from: scanResume) {
        case .incomplete(let resume):
            if length > settings.maxHeaderBytes {
                refuse(.tooLarge, rawTarget: nil)
            } else {
                scanResume = resume
            }
        case .invalid(let error):
            refuse(error, rawTarget: nil)
        case .complete(let start, let end):
            scanResume = 0
            if end - start > settings.maxHeaderBytes {
                refuse(.tooLarge, rawTarget: nil)
                return
            }
            let headBytes = UnsafeRawBufferPointer(rebasing: bytes[start..<end])
            acceptHead(headBytes, input: input, consumed: end)
        }
    }

    private func acceptHead(_ headBytes: UnsafeRawBufferPointer, input: OpaquePointer, consumed: Int) {
        let scanned: ScannedRequest
        switch HeadScanner.parseRequest(headBytes) {
        case .failure(let error):
            refuse(error, rawTarget: HeadScanner.rawTarget(headBytes))
            return
        case .success(let s):
            scanned = s
        }
        let facts = scanned.facts
        if facts.chunked {
            // http-parser decodes chunked bodies: it reads the head too, and must agree that chunks follow.
            parser.reset()
            guard parser.execute(headBytes) == headBytes.count, parser.headComplete, parser.head.chunked,
                parser.head.contentLength == nil
            else {
                refuse(.parser, rawTarget: HeadScanner.rawTarget(headBytes))
                return
            }
        }
        evbuffer_drain(input, consumed)
        let head = HTTPRequestHead(
            method: scanned.method, target: scanned.target, versionMinor: facts.versionMinor,
            fields: scanned.fields, contentLength: facts.contentLength, isChunked: facts.chunked,
            keepAlive: facts.keepAlive, expectsContinue: facts.expectsContinue)
        requestHead = head
        resetExchange()
        if facts.chunked {
            body = .chunked
            chunkCheck.reset()
        } else if let n = facts.contentLength, n > 0 {
            body = .length(remaining: n)
        } else {
            body = .none
        }
        machine.headAccepted(keepAlive: head.keepAlive, hasBody: head.hasBody, now: loop.now)
        armTimer()
        if let n = facts.contentLength, n > settings.maxBodyBytes {
            respond(handler.refused(.bodyTooLarge, status: 413, rawTarget: head.target, on: self))
            return
        }
        if !head.hasBody { pauseReading() }
        handler.handle(head, on: self)
    }

    private func resetExchange() {
        requestID = nil
        bodyBytes = 0
        bodyTooLarge = false
        upstreamRetried = false
        responseStarted = false
        responseChunked = false
        status = 0
        bytesOut = 0
        upstreamSeconds = nil
        completion = nil
        bodyCompletion = nil
        sink = .discard
        clientEOF = false
    }

    /// Answers a framing error and closes: the stream position cannot be trusted any more.
    private func refuse(_ error: HeadError, rawTarget: String?) {
        let status = error.status
        _ = machine.fail()
        transport.disableReading()
        evbuffer_drain(transport.input, evbuffer_get_length(transport.input))
        writeLocal(handler.refused(error, status: status, rawTarget: rawTarget, on: self))
        armTimer()
        writable()
    }

    // MARK: - Answers chosen by the handler

    /// Drain (SIGTERM): an idle connection closes now; one in an exchange finishes it with `Connection: close`.
    func drain() {
        draining = true
        switch machine.state {
        case .idle, .readingHead:
            close()
        case .exchanging, .closing, .closed:
            break
        }
    }

    private var draining = false

    /// Sends a response generated locally. If the request body was not read, the connection closes afterwards.
    public func respond(_ response: LocalResponse) {
        guard machine.state == .exchanging else { return }
        let mustClose = response.close || !machine.requestDone || clientEOF || draining
        writeLocal(response, close: mustClose || !machine.keepAlive)
        finishResponse(mustClose: mustClose)
    }

    private func writeLocal(_ response: LocalResponse, close: Bool = true) {
        guard !isClosed else { return }
        let output = transport.output
        var headers = response.headers
        headers.append((name: "Content-Length", value: String(response.body.count)))
        if close {
            headers.append((name: "Connection", value: "close"))
        } else if requestHead?.versionMinor == 0 {
            headers.append((name: "Connection", value: "keep-alive"))
        }
        let head = HeadWriter.response(status: response.status, reason: ReasonPhrase.of(response.status),
                                       headers: headers)
        status = response.status
        responseStarted = true
        head.withUnsafeBytes { _ = evbuffer_add(output, $0.baseAddress, $0.count) }
        let isHead = requestHead?.method == "HEAD"
        if !response.body.isEmpty && !isHead {
            response.body.withUnsafeBytes { _ = evbuffer_add(output, $0.baseAddress, $0.count) }
            bytesOut += Int64(response.body.count)
        }
    }

    /// Reads and discards the request body, then calls `completion` with its length (used by `tollgate echo`).
    public func readBody(_ completion: @escaping (Int64) -> Void) {
        guard machine.state == .exchanging else { return }
        sink = .discard
        bodyCompletion = completion
        if machine.requestDone {
            bodyCompletion = nil
            completion(0)
        } else {
            pumpBody()
        }
    }

    /// Forwards the current request through `pool`; `completion` runs once when the exchange ends.
    public func proxy(_ request: UpstreamRequest, via pool: UpstreamPool,
                      completion: @escaping (ExchangeResult) -> Void) {
        // The facts read one by one: binding the whole head copied (and retained) its Strings and header list.
        guard machine.state == .exchanging, requestHead != nil else { return }
        let chunked = requestHead?.isChunked ?? false
        let hasBody = requestHead?.hasBody ?? false
        let wantsContinue = requestHead?.wantsContinue ?? false
        self.completion = completion
        self.pool = pool
        sink = .upstream
        HeadWriter.request(request, contentLength: chunked ? nil : requestHead?.contentLength, chunked: chunked,
                           into: &upstreamRequest)
        retryable = request.isIdempotent && !hasBody
        upstreamStart = loop.now
        let up = pool.acquire()
        attach(up)
        if wantsContinue && !machine.requestDone {
            let cont = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)
            cont.withUnsafeBytes { _ = evbuffer_add(transport.output, $0.baseAddress, $0.count) }
        }
        if !machine.requestDone { pumpBody() }
    }

    private func attach(_ up: UpstreamConnection) {
        upstream = up
        up.begin(client: self, head: upstreamRequest, isHeadRequest: requestHead?.method == "HEAD",
                 requestComplete: machine.requestDone)
    }

    // MARK: - Request body

    /// Moves whatever body bytes are buffered towards the sink; pauses reading above the high-water mark.
    private func pumpBody() {
        guard !isClosed else { return }
        let input = transport.input
        var out: OpaquePointer? = nil
        if sink == .upstream {
            guard let up = upstream else { return }
            out = up.outputBuffer
        }
        switch body {
        case .none:
            break
        case .length(let remaining):
            let available = Int64(evbuffer_get_length(input))
            let n = min(remaining, available)
            if n > 0 {
                if let out {
                    evbuffer_remove_buffer(input, out, Int(n))
                } else {
                    evbuffer_drain(input, Int(n))
                }
                bodyBytes += n
                upstream?.requestProgress()
            }
            if n == remaining {
                body = .none
                requestBodyFinished()
            } else {
                body = .length(remaining: remaining - n)
            }
        case .chunked:
            parser.sink = self
            // Announced chunk sizes count against the limit before their data is read (as Content-Length does).
            let outcome = ChunkedBodyPump.pump(input, check: &chunkCheck, parser: parser,
                                               limit: UInt64(settings.maxBodyBytes)) {
                if case .chunked = self.body { return false }
                return true
            }
            parser.sink = nil
            if case .invalid = outcome {
                bodyFailed(status: 400)
                return
            }
            if bodyTooLarge || outcome == .tooLarge {
                bodyFailed(status: 413)
                return
            }
            upstream?.requestProgress()
        }
        if case .none = body { return }
        if let out, evbuffer_get_length(out) > settings.highWater { pauseReading(soft: false) }
    }

    private func requestBodyFinished() {
        let action = machine.requestFinished(now: loop.now)
        armTimer()
        pauseReading()
        if let done = bodyCompletion {
            bodyCompletion = nil
            done(bodyBytes)
        }
        upstream?.requestSent()
        if action == .startNextRequest {
            // The response went out earlier; the body now reached the upstream too, which ends the exchange.
            upstream = nil
            startNextRequest()
        }
    }

    /// A body that cannot be accepted (bad chunk framing, over the limit): answer if nothing was sent yet, and close.
    private func bodyFailed(status: Int) {
        body = .none
        if let up = upstream {
            upstream = nil
            up.abandon()
        }
        if !responseStarted {
            var response = handler.errorResponse(status: status, on: self)
            response.close = true
            writeLocal(response)
        }
        finishExchange(completed: false)
        _ = machine.fail()
        transport.disableReading()
        writable()
    }

    /// `soft`: the request is complete and the socket may be read ahead (a pipelined request, a FIN) without
    /// handing bytes over; otherwise (backpressure) the socket is not read.
    private func pauseReading(soft: Bool = true) {
        if !readPaused {
            readPaused = true
            transport.disableReading(soft: soft && machine.requestDone)
            if !machine.requestDone { machine.readingPaused(); armTimer() }
        }
    }

    private func resumeReading() {
        if readPaused && machine.state != .closing && machine.state != .closed && !clientEOF {
            readPaused = false
            transport.enableReading()
            machine.readingResumed(now: loop.now)
            armTimer()
        }
    }

    /// The upstream's output drained below the low-water mark: read more body.
    func upstreamDrained() {
        guard sink == .upstream, !machine.requestDone else { return }
        resumeReading()
        pumpBody()
    }

    // MARK: - Response from upstream

    /// Client output buffer, for the upstream relay.
    var outputBuffer: OpaquePointer? { isClosed ? nil : transport.output }

    /// Response bytes the client has not taken yet (tollgate's buffer and the socket's send queue).
    var unsentBytes: Int { isClosed ? 0 : transport.unsentBytes }

    /// True when the client's output is above the high-water mark.
    var clientIsBackedUp: Bool {
        guard !isClosed else { return false }
        return evbuffer_get_length(transport.output) > settings.highWater
    }

    /// Writes the response head; returns how the body must be framed towards the client.
    /// `upstreamHead`: the upstream's validated head (status line through the blank line); its header lines are
    /// filtered into the client's head (`ResponseHeaderFilter`).
    func upstreamHead(status: Int, reason: String, upstreamHead: UnsafeRawBufferPointer, lines: ResponseLines?,
                      upstreamFraming: BodyFraming, upstreamKeepsOpen: Bool) -> BodyFraming {
        upstreamSeconds = loop.now - upstreamStart
        let isHead = requestHead?.method == "HEAD"
        let client11 = (requestHead?.versionMinor ?? 1) == 1
        var framing = upstreamFraming
        var contentLength: Int64?
        var chunked = false
        var close = !machine.keepAlive || clientEOF || draining
        switch upstreamFraming {
        case .length(let n):
            contentLength = n
        case .none:
            break
        case .chunked, .untilClose:
            if isHead {
                framing = .none
            } else if client11 {
                chunked = true
                framing = .chunked
            } else {
                framing = .untilClose
                close = true
            }
        }
        // An early response (before the whole body arrived) keeps the connection only while the upstream link
        // stays open to take the rest of the body; otherwise the stream position would be lost.
        if !machine.requestDone && !upstreamKeepsOpen { close = true }
        let connection: HeadWriter.ConnectionField = close ? .close : (client11 ? .none : .keepAlive)
        closeAfterResponse = close
        if !isClosed
            && !HeadWriter.appendProxiedResponse(
                to: transport.output, status: status, reason: reason, upstreamHead: upstreamHead, lines: lines,
                contentLength: contentLength, chunked: chunked, connection: connection)
        {
            // libevent could not take the head (no memory): the body must never reach the client without it, where
            // it would be read as a response of its own. The socket is shut down; the failed write that follows
            // closes the connection the usual way.
            let fd = transport.fd
            if fd >= 0 { shutdown(fd, Int32(SHUT_RDWR)) }
            closeAfterResponse = true
        }
        self.status = status
        responseStarted = true
        responseChunked = framing == .chunked
        return framing
    }

    private var closeAfterResponse = false

    /// Counts body bytes the upstream relay queued for the client.
    func upstreamBodyQueued(_ n: Int) { bytesOut += Int64(n) }

    /// The upstream response ended; `reusable` is irrelevant here (the pool decides).
    /// The upstream response ended. `bodyContinues`: it ended before the request body, and the upstream link
    /// stays attached to take the rest of it; the exchange ends when the body does.
    func upstreamComplete(bodyContinues: Bool = false) {
        if responseChunked && !isClosed {
            _ = evbuffer_add(transport.output, "0\r\n\r\n", 5)
        }
        if !bodyContinues { upstream = nil }
        finishResponse(mustClose: closeAfterResponse, bodyContinues: bodyContinues)
    }

    /// The upstream failed. Before a response head: retry once (idempotent, body-less, reused link) or
    /// answer 502/504. After it: the client connection is cut, since the response cannot be completed.
    func upstreamFailed(timedOut: Bool, canRetry: Bool) {
        upstream = nil
        if !responseStarted {
            if canRetry && retryable && !upstreamRetried, let pool {
                upstreamRetried = true
                attach(pool.connectFresh())
                return
            }
            let mustClose = !machine.requestDone || clientEOF
            writeLocal(handler.errorResponse(status: timedOut ? 504 : 502, on: self),
                       close: mustClose || !machine.keepAlive)
            finishResponse(mustClose: mustClose)
            return
        }
        finishExchange(completed: false)
        close()
    }

    /// The relay may read more from the upstream once the client's output drains.
    private func finishResponse(mustClose: Bool, bodyContinues: Bool = false) {
        finishExchange(completed: true)
        let action = machine.responseFinished(mustClose: mustClose || clientEOF, bodyContinues: bodyContinues,
                                              now: loop.now)
        armTimer()
        sendMark = -1
        switch action {
        case .startNextRequest:
            startNextRequest()
        case .closeAfterFlush:
            if let up = upstream {
                upstream = nil
                up.abandon()
            }
            transport.disableReading()
            writable()
        case .none, .closeNow:
            break
        }
    }

    private func startNextRequest() {
        requestHead = nil
        resumeReading()
        if !isClosed && evbuffer_get_length(transport.input) > 0 {
            // A pipelined request is already buffered.
            kick?.arm(0)
        }
    }

    private func finishExchange(completed: Bool) {
        if let done = completion {
            completion = nil
            done(ExchangeResult(status: status, bytesOut: bytesOut, upstreamSeconds: upstreamSeconds,
                                completed: completed))
        }
    }

    // MARK: - Closing

    /// After the last byte is flushed: stop writing, keep draining input briefly so that the client reads
    /// the answer instead of a reset (lingering close), then close.
    private func startLingeringClose() {
        guard !lingering, !isClosed else { return }
        lingering = true
        let fd = transport.fd
        if isTLS || fd < 0 {
            close()
            return
        }
        shutdown(fd, Int32(SHUT_WR))
        transport.setLowWater(0)
        transport.enableReading()
        readPaused = false
        let t = LoopTimer(loop: loop) { [unowned self] in self.close() }
        t.arm(settings.lingerSeconds)
        lingerTimer = t
    }

    /// Frees the socket and releases the retain taken in `start()`. Idempotent.
    func close() {
        guard !isClosed else { return }
        isClosed = true
        machine.closed()
        timer?.disarm()
        timer = nil
        lingerTimer?.disarm()
        lingerTimer = nil
        kick?.disarm()
        kick = nil
        if let up = upstream {
            upstream = nil
            up.abandon()
        }
        finishExchange(completed: false)
        transport.close()
        onClose()
        Unmanaged.passUnretained(self).release()
    }
}

extension ServerConnection: TransportDelegate {
    func transportReadable() { readable() }
    func transportWritable() { writable() }
    func transportEvent(_ what: Int16) { event(what) }
}

extension ServerConnection: WireParserSink {
    func wireParserBody(_ bytes: UnsafeRawBufferPointer) {
        bodyBytes += Int64(bytes.count)
        if bodyBytes > settings.maxBodyBytes {
            bodyTooLarge = true
            return
        }
        guard sink == .upstream, let out = upstream?.outputBuffer, !bytes.isEmpty else { return }
        let header = HeadWriter.chunkHeader(bytes.count)
        header.withUnsafeBytes { _ = evbuffer_add(out, $0.baseAddress, $0.count) }
        evbuffer_add(out, bytes.baseAddress, bytes.count)
        evbuffer_add(out, "\r\n", 2)
    }

    func wireParserMessageComplete() {
        if sink == .upstream, let out = upstream?.outputBuffer {
            evbuffer_add(out, "0\r\n\r\n", 5)
        }
        body = .none
        requestBodyFinished()
    }
}

/// How a message body is delimited.
enum BodyFraming: Equatable {
    case none
    case length(Int64)
    case chunked
    case untilClose
}
