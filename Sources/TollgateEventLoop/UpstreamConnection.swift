private import CLibevent

/// One keep-alive HTTP/1.1 connection to the upstream. It writes a rebuilt request, parses the response head,
/// and relays the body into the client's output buffer with re-framing and backpressure.
/// Thread rule: used only on its pool's loop. Retained from `init` until `close()`.
final class UpstreamConnection {
    enum State {
        case exchanging  // waiting for / reading a response
        case finishingRequest  // response relayed; the rest of the request body is still being written
        case idle  // parked in the pool
        case closed
    }

    private let pool: UpstreamPool
    /// The socket; nil when the connect failed at once. Kept after close so a callback in flight never sees it
    /// freed.
    private var transport: Transport?
    private var state: State = .exchanging
    private var connected = false
    private var served = 0
    private var client: ServerConnection?
    private var requestComplete = false
    private var isHeadRequest = false
    private var headDone = false
    private var receivedAny = false
    /// Chunked response bodies only: heads are read by `HeadScanner.validateResponse`, header lines copied as
    /// bytes (`ResponseHeaderFilter`).
    private let parser = WireParser(isRequest: false, collectHeaders: false)
    private var scanResume = 0
    private var framing: BodyFraming = .none
    private var chunkCheck = ChunkedFramingValidator()
    private var clientFraming: BodyFraming = .none
    private var remaining: Int64 = 0
    private var keepAlive = true
    private var readPaused = false
    private var messageDone = false
    private var timer: LoopTimer?
    /// What the client had not taken when the response timer was last armed by `relay` (see `timerFired`).
    private var clientMark = 0

    /// Opens a connection (non-blocking connect; writes queue until it completes).
    init(pool: UpstreamPool) {
        self.pool = pool
        let loop = pool.loop
        _ = Unmanaged.passRetained(self)
        timer = LoopTimer(loop: loop) { [unowned self] in self.timerFired() }
        transport = Transport.connect(loop: loop, to: pool.address, delegate: self)
        transport?.setLowWater(pool.settings.highWater / 4)
        if transport == nil {
            // Immediate failure (e.g. no route): report on the next loop turn, like an async error.
            connectFailedEarly = true
        }
        timer?.arm(pool.settings.connectTimeout)
    }

    private var connectFailedEarly = false

    /// The request buffer for body bytes.
    var outputBuffer: OpaquePointer? { state == .closed ? nil : transport?.output }

    /// Starts an exchange: writes the request head; the body follows through `outputBuffer`.
    func begin(client: ServerConnection, head: [UInt8], isHeadRequest: Bool, requestComplete: Bool) {
        self.client = client
        self.isHeadRequest = isHeadRequest
        self.requestComplete = requestComplete
        state = .exchanging
        headDone = false
        receivedAny = false
        messageDone = false
        scanResume = 0
        if let out = outputBuffer {
            head.withUnsafeBytes { _ = evbuffer_add(out, $0.baseAddress, $0.count) }
        }
        transport?.enableReading()
        if connected { timer?.arm(pool.settings.responseTimeout) }
        if connectFailedEarly { timer?.arm(0) }  // reported as a connect failure on the next turn
    }

    /// Body bytes were queued: the upstream gets a fresh response deadline.
    func requestProgress() {
        if connected && (!headDone || state == .finishingRequest) { timer?.arm(pool.settings.responseTimeout) }
    }

    /// The whole request body has been queued.
    func requestSent() {
        requestComplete = true
        if state == .finishingRequest { finishRequestIfWritten() }
    }

    /// After an early response: once the whole body is written, the link is clean again.
    private func finishRequestIfWritten() {
        guard state == .finishingRequest, requestComplete, let out = outputBuffer, evbuffer_get_length(out) == 0
        else { return }
        timer?.disarm()
        client = nil
        state = .exchanging
        let leftover = transport.map { evbuffer_get_length($0.input) } ?? 0
        if leftover == 0 { pool.release(self) } else { close() }
    }

    /// The client's output drained: resume reading the response.
    func clientDrained() {
        if readPaused && state == .exchanging {
            readPaused = false
            transport?.enableReading()
            relay()
        }
    }

    /// The client went away or gave up: this connection's state is unknown, so it closes.
    func abandon() {
        client = nil
        close()
    }

    /// Called when the pool hands this connection out again; false if it died meanwhile.
    func takeFromPool() -> Bool {
        guard state == .idle, transport != nil else { return false }
        timer?.disarm()
        state = .exchanging
        return true
    }

    /// Called when the pool keeps this connection: watch it for the upstream closing it.
    func parkInPool() {
        state = .idle
        transport?.enableReading()
        timer?.arm(pool.settings.idleTimeout)
    }

    // MARK: - Callbacks

    private func readable() {
        switch state {
        case .idle:
            // Bytes on an idle link (or a close notice): it cannot be reused safely.
            pool.remove(self)
            close()
        case .exchanging:
            receivedAny = true
            if headDone { relay() } else { parseHead() }
        case .finishingRequest:
            fail(timedOut: false)  // bytes after a complete response: the link cannot be trusted
        case .closed:
            break
        }
    }

    private func writable() {
        guard state == .exchanging || state == .finishingRequest, let out = outputBuffer else { return }
        if evbuffer_get_length(out) <= pool.settings.highWater / 4 { client?.upstreamDrained() }
        finishRequestIfWritten()
    }

    private func event(_ what: Int16) {
        let w = Int32(what)
        if (w & BEV_EVENT_CONNECTED) != 0 {
            connected = true
            if state == .exchanging { timer?.arm(pool.settings.responseTimeout) }
            return
        }
        switch state {
        case .idle:
            pool.remove(self)
            close()
        case .exchanging:
            if headDone && framing == .untilClose {
                relay()
                finishUntilClose()
            } else {
                fail(timedOut: false)
            }
        case .finishingRequest:
            fail(timedOut: false)
        case .closed:
            break
        }
    }

    private func timerFired() {
        switch state {
        case .idle:
            pool.remove(self)
            close()
        case .exchanging, .finishingRequest:
            if state == .exchanging && readPaused, let client {
                // Held back for a client that is still reading (slowly): not the upstream's delay, no stall.
                let pending = client.unsentBytes
                if pending < clientMark {
                    clientMark = pending
                    timer?.arm(pool.settings.responseTimeout)
                    return
                }
            }
            // Not connected in time → 502; no response in time → 504; body not taken in time → cut.
            fail(timedOut: connected)
        case .closed:
            break
        }
    }

    // MARK: - Response

    private func parseHead() {
        guard state != .closed, let input = transport?.input else { return }
        let maxHead = 65536
        while true {
            let length = evbuffer_get_length(input)
            if length == 0 { return }
            let window = min(length, maxHead + 4)
            guard let base = evbuffer_pullup(input, window) else { return }
            let bytes = UnsafeRawBufferPointer(start: base, count: window)
            switch HeadScanner.findEnd(bytes, from: scanResume) {
            case .incomplete(let resume):
                if length > maxHead { fail(timedOut: false) } else { scanResume = resume }
                return
            case .invalid:
                fail(timedOut: false)
                return
            case .complete(let start, let end):
                scanResume = 0
                let headBytes = UnsafeRawBufferPointer(rebasing: bytes[start..<end])
                // The lines the client gets are noted during validation, on the stack, for the head written below.
                let interim = withUnsafeTemporaryAllocation(of: (Int32, Int32).self,
                                                            capacity: ResponseLines.capacity) { spans -> Bool in
                    var lines = ResponseLines(head: headBytes.baseAddress, spans: spans)
                    guard case .success(let facts) = HeadScanner.validateResponse(headBytes, lines: &lines) else {
                        fail(timedOut: false)
                        return false
                    }
                    let status = facts.status
                    if status >= 100 && status < 200 {
                        evbuffer_drain(input, end)
                        if status == 101 {
                            fail(timedOut: false)
                            return false
                        }
                        return true  // interim responses (103 Early Hints…) are not relayed
                    }
                    let bodyless = isHeadRequest || status == 204 || status == 304
                    if facts.chunked && !bodyless {
                        // http-parser decodes chunked bodies: it reads the head too, and must agree that chunks
                        // follow.
                        parser.reset()
                        guard parser.execute(headBytes) == headBytes.count, parser.headComplete, parser.head.chunked
                        else {
                            fail(timedOut: false)
                            return false
                        }
                    }
                    // The client's head is written from these bytes before they are drained.
                    startResponse(facts, bodyless: bodyless, head: headBytes, lines: lines, drain: end)
                    return false
                }
                if interim { continue }
                return
            }
        }
    }

    /// `headBytes`: the validated head in the input buffer, whose first `drain` bytes are drained once the
    /// client's head is written from it. `bodyless`: a response to HEAD, or a 204 or 304, which has no body
    /// whatever its fields say.
    private func startResponse(_ head: HeadFacts, bodyless: Bool, head headBytes: UnsafeRawBufferPointer,
                               lines: ResponseLines, drain: Int) {
        guard let client else { return close() }
        let status = head.status
        if bodyless {
            framing = .none
        } else if head.chunked {
            framing = .chunked
            chunkCheck.reset()
        } else if let n = head.contentLength {
            framing = .length(n)
        } else {
            framing = .untilClose
        }
        keepAlive = head.keepAlive && framing != .untilClose
        var advertised = framing
        if isHeadRequest, let n = head.contentLength { advertised = .length(n) }
        let reason = ReasonPhrase.of(status)
        clientFraming = client.upstreamHead(status: status, reason: reason, upstreamHead: headBytes, lines: lines,
                                            upstreamFraming: advertised, upstreamKeepsOpen: keepAlive)
        // Only the client's output was written; the input is drained once its head bytes were read.
        if let input = transport?.input { evbuffer_drain(input, drain) }
        if isHeadRequest { clientFraming = .none }
        headDone = true
        if case .length(let n) = framing { remaining = n }
        timer?.arm(pool.settings.responseTimeout)
        relay()
    }

    /// Moves buffered response body bytes to the client, re-framed for it.
    private func relay() {
        guard state == .exchanging, headDone, let client, let input = transport?.input,
            let out = client.outputBuffer
        else { return }
        switch framing {
        case .none:
            complete()
            return
        case .length:
            let n = min(remaining, Int64(evbuffer_get_length(input)))
            if n > 0 {
                move(Int(n), from: input, to: out)
                remaining -= n
            }
            if remaining == 0 {
                complete()
                return
            }
        case .chunked:
            parser.sink = self
            let outcome = ChunkedBodyPump.pump(input, check: &chunkCheck, parser: parser) { self.messageDone }
            if case .invalid = outcome {
                parser.sink = nil
                fail(timedOut: false)
                return
            }
            parser.sink = nil
            if messageDone {
                complete()
                return
            }
        case .untilClose:
            let n = evbuffer_get_length(input)
            if n > 0 { move(n, from: input, to: out) }
        }
        timer?.arm(pool.settings.responseTimeout)
        if client.clientIsBackedUp && !readPaused {
            readPaused = true
            clientMark = client.unsentBytes
            transport?.disableReading()
        }
    }

    /// Moves `n` body bytes without copying; wraps them in a chunk when the client gets chunked framing.
    private func move(_ n: Int, from input: OpaquePointer, to out: OpaquePointer) {
        if clientFraming == .chunked {
            let header = HeadWriter.chunkHeader(n)
            header.withUnsafeBytes { _ = evbuffer_add(out, $0.baseAddress, $0.count) }
            evbuffer_remove_buffer(input, out, n)
            evbuffer_add(out, "\r\n", 2)
        } else if clientFraming == .none {
            evbuffer_drain(input, n)
            return
        } else {
            evbuffer_remove_buffer(input, out, n)
        }
        client?.upstreamBodyQueued(n)
    }

    private func finishUntilClose() {
        guard state == .exchanging else { return }
        keepAlive = false
        complete()
    }

    private func complete() {
        guard state == .exchanging else { return }
        timer?.disarm()
        let c = client
        client = nil
        served += 1
        let leftover = transport.map { evbuffer_get_length($0.input) } ?? 0
        let unwritten = outputBuffer.map { evbuffer_get_length($0) } ?? 0
        if keepAlive && leftover == 0 && (!requestComplete || unwritten > 0), let c {
            // An early response (the upstream answered before the whole body was written): keep writing the
            // body, as nginx and HAProxy do, so that both connections stay usable; pool the link afterwards.
            state = .finishingRequest
            timer?.arm(pool.settings.responseTimeout)
            if requestComplete {
                // The body is all queued, only not yet written: the client's exchange is over.
                client = nil
                c.upstreamComplete()
            } else {
                client = c
                c.upstreamComplete(bodyContinues: true)
            }
            return
        }
        let reusable = keepAlive && requestComplete && leftover == 0 && unwritten == 0 && transport != nil
        if reusable {
            pool.release(self)
        } else {
            close()
        }
        c?.upstreamComplete()
    }

    private func fail(timedOut: Bool) {
        let c = client
        client = nil
        // A reused link that died before answering anything is the classic keep-alive race: retry is safe
        // for idempotent, body-less requests (the client connection checks those conditions).
        let canRetry = served > 0 && !receivedAny && !timedOut
        close()
        c?.upstreamFailed(timedOut: timedOut, canRetry: canRetry)
    }

    /// Frees the socket and the retain from `init`. Idempotent.
    func close() {
        guard state != .closed else { return }
        state = .closed
        timer?.disarm()
        timer = nil
        client = nil
        transport?.close()
        Unmanaged.passUnretained(self).release()
    }
}

extension UpstreamConnection: TransportDelegate {
    func transportReadable() { readable() }
    func transportWritable() { writable() }
    func transportEvent(_ what: Int16) { event(what) }
}

extension UpstreamConnection: WireParserSink {
    func wireParserBody(_ bytes: UnsafeRawBufferPointer) {
        guard let out = client?.outputBuffer, !bytes.isEmpty else { return }
        if clientFraming == .chunked {
            let header = HeadWriter.chunkHeader(bytes.count)
            header.withUnsafeBytes { _ = evbuffer_add(out, $0.baseAddress, $0.count) }
            evbuffer_add(out, bytes.baseAddress, bytes.count)
            evbuffer_add(out, "\r\n", 2)
        } else if clientFraming != .none {
            evbuffer_add(out, bytes.baseAddress, bytes.count)
        } else {
            return
        }
        client?.upstreamBodyQueued(bytes.count)
    }

    func wireParserMessageComplete() { messageDone = true }
}
