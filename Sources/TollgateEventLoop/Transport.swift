private import CLibevent
import Glibc

/// What a `Transport` tells its owner. Called on the loop thread, never from inside a call the owner made
/// into the transport.
protocol TransportDelegate: AnyObject {
    /// Bytes were appended to `input` while reading is enabled.
    func transportReadable()
    /// Output was written and what is left is at or below the low-water mark.
    func transportWritable()
    /// End of stream, an error or a finished connect: `BEV_EVENT_*` flags, as a bufferevent reports them.
    func transportEvent(_ what: Int16)
}

/// One connection's byte stream: an input and an output evbuffer.
///
/// Plain TCP does its own I/O instead of using a bufferevent, because a bufferevent costs an `ioctl(FIONREAD)`
/// per read and an `epoll_ctl` pair per response (it registers EV_WRITE when output appears and removes it when
/// the output drains). Here the read event stays registered for the connection's life (a soft pause keeps
/// reading into `input` up to a cap instead of unregistering), and output is written speculatively once per
/// loop turn, after the callback that queued it returns; EV_WRITE is registered only when the socket is full.
/// A proxied keep-alive exchange then costs one read and one write on each side.
///
/// TLS keeps libevent's OpenSSL bufferevent, behind the same interface. Thread rule: its loop's thread only.
final class Transport {
    private enum Backend {
        case socket(fd: Int32)
        case tls(OpaquePointer)
        case closed
    }

    private var backend: Backend
    private unowned(unsafe) var delegate: TransportDelegate
    /// Bytes read and not yet consumed.
    let input: OpaquePointer
    /// Bytes queued for writing.
    let output: OpaquePointer
    private var readEvent: OpaquePointer?
    private var writeEvent: OpaquePointer?
    /// The loop the transport's events run on: its callbacks forget the loop's clock first; for plain sockets
    /// its end-of-turn pass runs `runDeferred` and its scratch buffer takes small reads. Held strongly: a loop
    /// outlives its transports.
    private let loop: EventLoop
    /// The next entry in the loop's end-of-turn list (`EventLoop.atEndOfTurn`).
    var nextAtEndOfTurn: Unmanaged<Transport>?
    private var writeRegistered = false
    private var readRegistered = false
    private var deferredScheduled = false
    private var connecting = false
    /// Owner-level state of reading.
    private var readState: ReadState = .disabled
    private var eofSeen = false
    /// EOF read during a pause, not yet reported.
    private var eofPending = false
    /// EOF to report once the owner has consumed its input.
    private var eofToDeliver = false
    private var lowWater = 0
    private var readSize = Transport.firstReadSize
    /// The last burst was small (at most `smallBurst` bytes): the next read goes through `scratch`.
    private var lastBurstSmall = true
    private static let smallBurst = 4096

    private enum ReadState {
        case enabled
        /// The owner does not want bytes now, but up to `softCap` are read ahead (a pipelined request, the
        /// peer's FIN) so that the event need not be unregistered between exchanges.
        case soft
        case disabled
    }

    /// Input read ahead during a soft pause before reading really stops.
    private static let softCap = 65536

    /// A transport over a connected, non-blocking TCP socket it now owns.
    init(loop: EventLoop, fd: Int32, delegate: TransportDelegate) {
        backend = .socket(fd: fd)
        self.delegate = delegate
        self.loop = loop
        input = evbuffer_new()
        output = evbuffer_new()
        setUpSocketEvents(loop: loop, fd: fd)
    }

    /// A transport over a TLS bufferevent it now owns, on `loop`'s base.
    init(tls bev: OpaquePointer, loop: EventLoop, delegate: TransportDelegate) {
        backend = .tls(bev)
        self.delegate = delegate
        self.loop = loop
        input = bufferevent_get_input(bev)
        output = bufferevent_get_output(bev)
        let me = Unmanaged.passUnretained(self).toOpaque()
        bufferevent_setcb(bev, { _, arg in
            Transport.called(arg).delegate.transportReadable()
        }, { _, arg in
            Transport.called(arg).delegate.transportWritable()
        }, { _, what, arg in
            Transport.called(arg).delegate.transportEvent(what)
        }, me)
    }

    /// Opens a non-blocking TCP connection to `address`; nil when the connect fails at once (refused, no route).
    static func connect(loop: EventLoop, to address: SocketAddress, delegate: TransportDelegate) -> Transport? {
        let family = address.storage.count >= MemoryLayout<sockaddr_in6>.size ? AF_INET6 : AF_INET
        let fd = socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        if fd < 0 { return nil }
        _ = tollgate_set_nodelay(fd)
        let rc = address.withSockaddr { Glibc.connect(fd, $0.assumingMemoryBound(to: sockaddr.self), socklen_t($1)) }
        if rc != 0 && tollgate_errno() != EINPROGRESS {
            _ = tollgate_close_fd(fd)
            return nil
        }
        let t = Transport(loop: loop, fd: fd, delegate: delegate)
        t.connecting = true
        t.registerWrite(true)  // writable = connected (or failed: SO_ERROR says which)
        return t
    }

    private func setUpSocketEvents(loop: EventLoop, fd: Int32) {
        let me = Unmanaged.passUnretained(self).toOpaque()
        readEvent = event_new(loop.base, fd, Int16(EV_READ | EV_PERSIST), { _, _, arg in
            Transport.called(arg).socketReadable()
        }, me)
        writeEvent = event_new(loop.base, fd, Int16(EV_WRITE | EV_PERSIST), { _, _, arg in
            Transport.called(arg).socketWritable()
        }, me)
        // Any bytes added to the output schedule one write at the end of this loop turn. Called from inside an
        // evbuffer call made by code that holds the transport, and scheduling only sets a flag and queues it (the
        // queue retains), so the transport is used without a retain of its own (five of these per request).
        evbuffer_add_cb(output, { _, info, arg in
            guard let info, info.pointee.n_added > 0 else { return }
            Unmanaged<Transport>.fromOpaque(arg!)._withUnsafeGuaranteedRef { $0.scheduleDeferred() }
        }, me)
    }

    /// The transport behind a libevent callback's argument, its loop's clock started afresh.
    @inline(__always)
    private static func called(_ arg: UnsafeMutableRawPointer?) -> Transport {
        let t = Unmanaged<Transport>.fromOpaque(arg!).takeUnretainedValue()
        t.loop.forgetClock()
        return t
    }

    /// The socket, or -1 once closed.
    var fd: Int32 {
        switch backend {
        case .socket(let fd): return fd
        case .tls(let bev): return bufferevent_getfd(bev)
        case .closed: return -1
        }
    }

    /// Bytes queued for the peer that it has not taken yet: the output buffer plus the socket's send queue (data
    /// the peer has not acknowledged). It shrinks only while the peer reads, so it tells a slow reader from a
    /// stalled one even when the kernel queue holds megabytes and no write happens for seconds.
    var unsentBytes: Int {
        let fd = self.fd
        if fd < 0 { return 0 }
        return evbuffer_get_length(output) + Int(tollgate_socket_unsent(fd))
    }

    /// After a write leaves at most `bytes` queued, `transportWritable` is called.
    func setLowWater(_ bytes: Int) {
        lowWater = bytes
        if case .tls(let bev) = backend { bufferevent_setwatermark(bev, Int16(EV_WRITE), bytes, 0) }
    }

    // MARK: - Reading

    /// Delivers input to the delegate.
    func enableReading() {
        switch backend {
        case .tls(let bev):
            bufferevent_enable(bev, Int16(EV_READ | EV_WRITE))
        case .socket:
            readState = .enabled
            if eofPending {
                eofPending = false
                eofToDeliver = true
                scheduleDeferred()  // reported from the deferred event, not inside the owner's call
            } else if eofToDeliver {
                scheduleDeferred()
            } else if !eofSeen {
                registerRead(true)
            }
        case .closed:
            break
        }
    }

    /// Stops delivering input. `soft`: keep reading ahead (up to a cap) so the registration survives a
    /// request/response turn; otherwise the socket is not read at all (backpressure, closing).
    func disableReading(soft: Bool = false) {
        switch backend {
        case .tls(let bev):
            bufferevent_disable(bev, Int16(EV_READ))
        case .socket:
            if soft && readState == .enabled && evbuffer_get_length(input) < Transport.softCap {
                readState = .soft
            } else {
                readState = .disabled
                registerRead(false)
            }
        case .closed:
            break
        }
    }

    /// Bytes one readable event may take before the owner sees them (a burst, not the whole stream).
    private static let burstCap = 1 << 20

    private func socketReadable() {
        guard case .socket(let fd) = backend else { return }
        // Read until the socket is drained (a read that did not fill its space) or the burst cap: a 64 KiB
        // response costs one event and a few reads, not one loop turn per 16 KiB.
        var total = 0
        var n = 0
        var want = readSize
        while true {
            let (got, full) = readOnce(fd, want)
            n = got
            if got <= 0 { break }
            total += got
            if !full || total >= Transport.burstCap || readState != .enabled { break }
            want = min(want * 2, 65536)
        }
        // The next burst starts at the size this one reached: large bodies keep large reads.
        readSize = total > Transport.firstReadSize ? want : Transport.firstReadSize
        if total > 0 {
            lastBurstSmall = total <= Transport.smallBurst
            switch readState {
            case .enabled:
                delegate.transportReadable()
            case .soft:
                if evbuffer_get_length(input) >= Transport.softCap {
                    readState = .disabled
                    registerRead(false)
                }
            case .disabled:
                registerRead(false)
            }
            // An EOF or error after the data is seen on the next event (epoll reports it again).
            return
        }
        if n < 0 {
            let e = tollgate_errno()
            if n == -1 && (e == EAGAIN || e == EWOULDBLOCK || e == EINTR) { return }
            registerRead(false)
            delegate.transportEvent(Int16(BEV_EVENT_READING | BEV_EVENT_ERROR))
            return
        }
        // End of stream: no more reads. A soft-paused owner hears of it when it enables reading again.
        registerRead(false)
        if readState == .enabled {
            eofSeen = true
            delegate.transportEvent(Int16(BEV_EVENT_READING | BEV_EVENT_EOF))
        } else {
            eofPending = true
        }
    }

    /// The size of a burst's first read (later ones double, up to 64 KiB).
    private static let firstReadSize = 16384
    /// Size of the loop's scratch buffer (`EventLoop.readScratch`): a first read's size, so that taking the
    /// scratch path never splits what one read would have taken.
    static let scratchSize = firstReadSize

    /// One recv (or readv); returns the bytes read (or 0 / -1 / -2 when none) and whether the space offered was
    /// filled (more may be waiting).
    ///
    /// When the last burst was small, a read into an empty input at the start of a burst goes to the loop's
    /// scratch buffer and is then added to the input at its own size: a request or a small response takes a
    /// chain of about 1 KiB (served from the allocator's per-thread cache) instead of the 16 KiB one reserved
    /// space would allocate and free for every exchange. Large transfers read into reserved space directly (no
    /// copy); a read that fills the scratch is followed by reads into reserved space.
    private func readOnce(_ fd: Int32, _ want: Int) -> (Int, Bool) {
        if lastBurstSmall, want == Transport.firstReadSize, evbuffer_get_length(input) == 0 {
            let scratch = loop.readScratch
            let got = recv(fd, scratch, Transport.scratchSize, 0)
            if got <= 0 { return (got, false) }
            if evbuffer_add(input, scratch, got) != 0 { return (-2, false) }
            return (got, got == Transport.scratchSize)
        }
        // evbuffer_iovec is struct iovec here: the reserved extents go to readv as they are.
        var vecs = (iovec(), iovec())
        let input = self.input
        return withUnsafeMutablePointer(to: &vecs) { p in
            p.withMemoryRebound(to: iovec.self, capacity: 2) { v -> (Int, Bool) in
                let count = evbuffer_reserve_space(input, want, v, 2)
                if count <= 0 { return (-2, false) }
                // recv for the usual single extent: a socket call, not the file path readv takes in the kernel.
                let got = count == 1 ? recv(fd, v[0].iov_base, v[0].iov_len, 0) : readv(fd, v, count)
                if got <= 0 { return (got, false) }
                // Commit what arrived, spread over the reserved extents in order.
                var left = got
                var used: Int32 = 0
                var capacity = 0
                for i in 0..<Int(count) {
                    capacity += v[i].iov_len
                    if left == 0 { continue }
                    let take = min(left, v[i].iov_len)
                    v[i].iov_len = take
                    left -= take
                    used += 1
                }
                evbuffer_commit_space(input, v, used)
                return (got, got == capacity)
            }
        }
    }

    private func registerRead(_ on: Bool) {
        guard on != readRegistered, let readEvent else { return }
        readRegistered = on
        if on { event_add(readEvent, nil) } else { event_del(readEvent) }
    }

    // MARK: - Writing

    private func registerWrite(_ on: Bool) {
        guard on != writeRegistered, let writeEvent else { return }
        writeRegistered = on
        if on { event_add(writeEvent, nil) } else { event_del(writeEvent) }
    }

    private func scheduleDeferred() {
        guard !deferredScheduled else { return }
        deferredScheduled = true
        loop.atEndOfTurn(self)
    }

    /// End of the loop turn that queued output (or enabled reading after a pending EOF): called by the loop's
    /// end-of-turn pass, once per `scheduleDeferred`.
    func runDeferred() {
        deferredScheduled = false
        guard case .socket = backend else { return }
        if !connecting && !writeRegistered && evbuffer_get_length(output) > 0 {
            writeOut()
            guard case .socket = backend else { return }
        }
        if eofToDeliver && readState == .enabled && evbuffer_get_length(input) == 0 {
            eofToDeliver = false
            eofSeen = true
            readState = .disabled
            delegate.transportEvent(Int16(BEV_EVENT_READING | BEV_EVENT_EOF))
        }
    }

    private func socketWritable() {
        guard case .socket(let fd) = backend else { return }
        if connecting {
            connecting = false
            var err: Int32 = 0
            var len = socklen_t(MemoryLayout<Int32>.size)
            if getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0 {
                registerWrite(false)
                delegate.transportEvent(Int16(BEV_EVENT_ERROR))
                return
            }
            registerRead(readState != .disabled)
            delegate.transportEvent(Int16(BEV_EVENT_CONNECTED))
            guard case .socket = backend else { return }
            if evbuffer_get_length(output) == 0 {
                registerWrite(false)
                return
            }
        }
        writeOut()
    }

    /// Writes what the socket takes; registers EV_WRITE while anything is left.
    private func writeOut() {
        guard case .socket(let fd) = backend else { return }
        let n = sendSome(fd)
        if n < 0 {
            let e = tollgate_errno()
            if e != EAGAIN && e != EWOULDBLOCK && e != EINTR {
                registerWrite(false)
                delegate.transportEvent(Int16(BEV_EVENT_WRITING | BEV_EVENT_ERROR))
                return
            }
        }
        let left = evbuffer_get_length(output)
        registerWrite(left > 0)
        if n > 0 && left <= lowWater { delegate.transportWritable() }
    }

    /// Extents handed to one sendmsg.
    private static let maxWriteExtents = 16

    /// One send (a single extent, the usual head or small body) or sendmsg (several) of the output buffer's
    /// first extents, drained by what the socket took. Socket calls rather than evbuffer_write's writev: the
    /// kernel's file path (iovec import, permission and fsnotify hooks) is skipped. MSG_NOSIGNAL: a peer that
    /// closed gets EPIPE, not a signal.
    private func sendSome(_ fd: Int32) -> Int {
        let output = self.output
        return withUnsafeTemporaryAllocation(of: iovec.self, capacity: Transport.maxWriteExtents) { v -> Int in
            guard let base = v.baseAddress else { return -1 }
            let extents = evbuffer_peek(output, -1, nil, base, Int32(Transport.maxWriteExtents))
            let count = min(Int(extents), Transport.maxWriteExtents)
            if count <= 0 { return 0 }
            let sent: Int
            if count == 1 {
                sent = send(fd, base[0].iov_base, base[0].iov_len, Int32(MSG_NOSIGNAL))
            } else {
                var message = msghdr()
                message.msg_iov = base
                message.msg_iovlen = count
                sent = sendmsg(fd, &message, Int32(MSG_NOSIGNAL))
            }
            if sent > 0 { evbuffer_drain(output, sent) }
            return sent
        }
    }

    // MARK: - Closing

    /// Unregisters everything and closes the socket. Idempotent.
    func close() {
        switch backend {
        case .closed:
            return
        case .tls(let bev):
            backend = .closed
            bufferevent_free(bev)
        case .socket(let fd):
            backend = .closed
            for e in [readEvent, writeEvent] {
                if let e {
                    event_del(e)
                    event_free(e)
                }
            }
            readEvent = nil
            writeEvent = nil
            evbuffer_free(input)
            evbuffer_free(output)
            _ = tollgate_close_fd(fd)
        }
    }

    deinit { close() }
}
