private import CLibevent

/// Timeouts and sizes for upstream connections.
public struct UpstreamSettings: Sendable {
    /// Connect deadline; past it the client gets 502.
    public var connectTimeout: Double
    /// Deadline for the response head after the request was sent, and the longest pause inside a response body.
    public var responseTimeout: Double
    /// How long an idle pooled connection is kept. Kept below common upstream keep-alive timeouts (Node's 5 s).
    public var idleTimeout: Double
    /// Most idle connections kept per worker.
    public var maxIdle: Int
    /// Output-buffer size above which the other side stops being read.
    public var highWater: Int

    /// Memberwise initialiser with defaults for the pool sizes.
    public init(connectTimeout: Double, responseTimeout: Double, idleTimeout: Double = 4, maxIdle: Int = 256,
                highWater: Int = 256 * 1024) {
        self.connectTimeout = connectTimeout
        self.responseTimeout = responseTimeout
        self.idleTimeout = idleTimeout
        self.maxIdle = maxIdle
        self.highWater = highWater
    }
}

/// Keep-alive connections to one upstream, owned by one worker loop. Concurrent requests never queue behind
/// one connection: when no idle connection exists a new one is opened. Thread rule: its loop's thread only.
public final class UpstreamPool {
    let loop: EventLoop
    private(set) var address: SocketAddress
    private(set) var settings: UpstreamSettings
    private var idle: [UpstreamConnection] = []
    /// Connections opened so far (for tests and metrics).
    public private(set) var opened = 0

    /// A pool for `address` on `loop`.
    public init(loop: EventLoop, address: SocketAddress, settings: UpstreamSettings) {
        self.loop = loop
        self.address = address
        self.settings = settings
    }

    /// Applies reloaded settings; idle links to an old address are closed.
    public func update(address: SocketAddress, settings: UpstreamSettings) {
        self.settings = settings
        if address != self.address {
            self.address = address
            closeIdle()
        }
    }

    /// Closes every idle connection (reload to a new address, shutdown).
    public func closeIdle() {
        let all = idle
        idle.removeAll()
        for c in all { c.close() }
    }

    /// Most recently used idle connection, or a new one.
    func acquire() -> UpstreamConnection {
        while let c = idle.popLast() {
            if c.takeFromPool() { return c }
        }
        return connectFresh()
    }

    /// Always a new connection (the retry after a dead pooled one).
    func connectFresh() -> UpstreamConnection {
        opened += 1
        return UpstreamConnection(pool: self)
    }

    /// Takes back a connection whose exchange completed cleanly.
    func release(_ c: UpstreamConnection) {
        if idle.count >= settings.maxIdle {
            c.close()
        } else {
            idle.append(c)
            c.parkInPool()
        }
    }

    /// Forgets a connection that closed while idle.
    func remove(_ c: UpstreamConnection) {
        if let i = idle.firstIndex(where: { $0 === c }) { idle.remove(at: i) }
    }
}
