private import CLibevent
import Synchronization

/// Counts open client connections across every worker, to enforce `max_connections`.
public final class ConnectionCounter: Sendable {
    private let open = Atomic<Int>(0)
    private let limit: Atomic<Int>

    /// A counter allowing `limit` connections at once.
    public init(limit: Int) { self.limit = Atomic(limit) }

    /// Connections open now.
    public var current: Int { open.load(ordering: .relaxed) }

    /// Changes the limit (reload); connections above it are not cut.
    public func setLimit(_ n: Int) { limit.store(n, ordering: .relaxed) }

    /// Takes a slot; false when the limit is reached.
    func tryAcquire() -> Bool {
        let n = open.wrappingAdd(1, ordering: .relaxed).newValue
        if n > limit.load(ordering: .relaxed) {
            open.wrappingSubtract(1, ordering: .relaxed)
            return false
        }
        return true
    }

    /// Gives a slot back.
    func release() { open.wrappingSubtract(1, ordering: .relaxed) }
}

/// A listening socket on one loop (SO_REUSEPORT, so every worker binds the same port and the kernel spreads
/// connections). Thread rule: created and used on its loop's thread.
public final class Listener {
    private var listener: OpaquePointer?
    private let loop: EventLoop
    private let handler: HTTPServerHandler
    private let counter: ConnectionCounter
    private let settings: () -> ServerSettings
    /// The TLS context for each new connection (read per accept, so a reloaded certificate applies to new
    /// connections while open ones keep theirs); nil for plain TCP.
    private let tls: (() -> TLSContext)?
    /// Open connections accepted here, so that a drain can reach them. Loop thread only.
    private var open: [ObjectIdentifier: ServerConnection] = [:]
    /// The port actually bound (useful with port 0).
    public let port: UInt16
    /// Pauses accepting while accept() fails (EMFILE…) instead of spinning on the readable listening socket.
    private var backoff = AcceptBackoff()
    /// Re-enables accepting after a backoff pause.
    private var resume: LoopTimer?
    /// Told (rate-limited, see `AcceptBackoff`) when accepting fails and when it works again, with the errno of
    /// the failure (0 for a recovery). Set before the loop runs; called on the loop thread.
    public var onAcceptProblem: ((AcceptBackoff.Report, Int32) -> Void)?
    /// The group this listener evens its connections out with (one listener per worker on the same address), and
    /// its slot there; nil for a listener of its own (one worker, the admin listener).
    private let balancer: AcceptBalancer?
    private var slot = 0

    /// Binds `address` on `loop`; `settings` is read for each accepted connection (so reloads apply to new ones).
    public init(loop: EventLoop, address: SocketAddress, handler: HTTPServerHandler, counter: ConnectionCounter,
                tls: (() -> TLSContext)? = nil, balancer: AcceptBalancer? = nil,
                settings: @escaping () -> ServerSettings) throws(SocketError) {
        self.loop = loop
        self.balancer = balancer
        self.handler = handler
        self.counter = counter
        self.settings = settings
        self.tls = tls
        var flags = UInt32(LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC | LEV_OPT_REUSEABLE | LEV_OPT_REUSEABLE_PORT)
        let isV6 = address.storage.count >= MemoryLayout<sockaddr_in6>.size
        if isV6 { flags |= UInt32(LEV_OPT_BIND_IPV6ONLY) }
        var made: OpaquePointer?
        address.withSockaddr { sa, len in
            made = evconnlistener_new_bind(loop.base, nil, nil, flags, 1024, sa.assumingMemoryBound(to: sockaddr.self), len)
        }
        guard let made else { throw SocketError.errno("cannot listen on \(address)") }
        listener = made
        // Read back the bound port.
        var storage = sockaddr_storage()
        var len = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let fd = evconnlistener_get_fd(made)
        let bound: UInt16 = withUnsafeMutablePointer(to: &storage) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa -> UInt16 in
                guard getsockname(fd, sa, &len) == 0 else { return 0 }
                if sa.pointee.sa_family == sa_family_t(AF_INET6) {
                    return sa.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin6_port) }
                }
                return sa.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin_port) }
            }
        }
        port = bound
        if let balancer { slot = balancer.register(loop: loop, listener: self) }
        evconnlistener_set_cb(made, { _, fd, sa, _, arg in
            let listener = Unmanaged<Listener>.fromOpaque(arg!).takeUnretainedValue()
            listener.loop.forgetClock()
            listener.accepted(fd: fd, sa: sa)
        }, Unmanaged.passUnretained(self).toOpaque())
        // libevent calls this for every accept() error but EINTR/EAGAIN/ECONNABORTED and leaves the listener
        // enabled: without a pause, EMFILE would make the loop spin on the still-readable socket.
        // The second argument is the pointer given to evconnlistener_set_cb.
        evconnlistener_set_error_cb(made) { _, arg in
            let error = tollgate_errno()
            let listener = Unmanaged<Listener>.fromOpaque(arg!).takeUnretainedValue()
            listener.loop.forgetClock()
            listener.acceptFailed(errno: error)
        }
    }

    /// accept() failed: stop accepting for the backoff pause, then try again.
    private func acceptFailed(errno error: Int32) {
        guard let listener else { return }
        let (pause, report) = backoff.failed(now: loop.now)
        evconnlistener_disable(listener)
        if resume == nil {
            resume = LoopTimer(loop: loop) { [unowned self] in
                if let l = self.listener { evconnlistener_enable(l) }
            }
        }
        resume?.arm(pause)
        if let report { onAcceptProblem?(report, error) }
    }

    private func accepted(fd: Int32, sa: UnsafeMutablePointer<sockaddr>?) {
        if backoff.failures > 0, let report = backoff.accepted(now: loop.now) { onAcceptProblem?(report, 0) }
        guard counter.tryAcquire() else {
            // Over max_connections: refuse at once rather than queue work we cannot take.
            _ = tollgate_close_fd(fd)
            return
        }
        var text = [CChar](repeating: 0, count: 64)
        var peer = "unknown"
        if let sa, tollgate_sockaddr_ip(sa, &text, 64) == 0 {
            peer = text.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            if peer.hasPrefix("::ffff:") && peer.contains(".") { peer.removeFirst(7) }
        }
        if let balancer {
            if let other = balancer.target(from: slot) {
                balancer.handOff(fd: fd, peer: peer, counter: counter, from: slot, to: other)
                return
            }
            balancer.opened(slot)
        }
        serve(fd: fd, peer: peer)
    }

    /// Serves a connection another listener of the group accepted (counted here and against `max_connections`);
    /// false when this listener has stopped accepting meanwhile (drain). Loop thread only.
    func adopt(fd: Int32, peer: String) -> Bool {
        guard listener != nil else { return false }
        serve(fd: fd, peer: peer)
        return true
    }

    /// Serves an accepted socket (counted against `max_connections` and in the group) on this loop.
    private func serve(fd: Int32, peer: String) {
        _ = tollgate_set_nodelay(fd)
        var tlsBev: OpaquePointer?
        if let tls {
            guard let ssl = tls().newSession(),
                let made = bufferevent_openssl_socket_new(loop.base, fd, ssl, BUFFEREVENT_SSL_ACCEPTING,
                                                          Int32(BEV_OPT_CLOSE_ON_FREE.rawValue))
            else {
                _ = tollgate_close_fd(fd)
                counter.release()
                balancer?.closed(slot)
                return
            }
            tlsBev = made
        }
        let counter = self.counter
        let loop = self.loop
        let balancer = self.balancer
        let slot = self.slot
        var id: ObjectIdentifier?
        let conn = ServerConnection(loop: loop, peerAddress: peer, isTLS: tls != nil,
                                    settings: settings(), handler: handler, onClose: { [weak self] in
            counter.release()
            balancer?.closed(slot)
            if let self, let id { self.open[id] = nil }
        }, transport: { delegate in
            if let tlsBev { return Transport(tls: tlsBev, loop: loop, delegate: delegate) }
            return Transport(loop: loop, fd: fd, delegate: delegate)
        })
        id = ObjectIdentifier(conn)
        open[ObjectIdentifier(conn)] = conn
        conn.start()
    }

    /// Stops accepting and drains: idle connections close now, busy ones after their current exchange.
    public func drain() {
        close()
        for conn in Array(open.values) { conn.drain() }
    }

    /// Stops accepting; the socket closes.
    public func close() {
        balancer?.stopAccepting(slot)
        resume?.disarm()
        resume = nil
        if let l = listener {
            listener = nil
            evconnlistener_free(l)
        }
    }

    deinit { close() }
}
