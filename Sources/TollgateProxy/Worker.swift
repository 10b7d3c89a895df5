import TollgateCore
import TollgateEventLoop
import Foundation

/// One event loop thread with its listeners, upstream pool and pipeline. Thread rule: after `start()`, its
/// state is touched only on its own loop; other threads use `loop.execute`.
final class Worker: @unchecked Sendable {
    let loop = EventLoop()
    let index: Int
    /// The last presented secret's SHA-256 (this loop's requests only).
    let digests = SecretDigestMemo()
    private let store: SnapshotStore
    private var cached: ProxySnapshot
    private(set) var pool: UpstreamPool
    private var listeners: [Listener] = []
    private var pipeline: RequestPipeline?
    private var thread: Thread?

    init(index: Int, store: SnapshotStore) {
        self.index = index
        self.store = store
        cached = store.load()
        pool = UpstreamPool(loop: loop, address: cached.upstreamAddress, settings: cached.upstreamSettings)
    }

    /// The snapshot in force; refreshed when a reload published a new generation (one atomic load otherwise).
    func snapshot() -> ProxySnapshot {
        if store.currentGeneration != cached.generation {
            cached = store.load()
            pool.update(address: cached.upstreamAddress, settings: cached.upstreamSettings)
        }
        return cached
    }

    /// Binds `addresses` (before the thread starts); returns the bound ports. `balancers`: one group per address
    /// (proxy addresses, then forward-auth ones) shared by every worker, or empty for a single worker.
    func bind(_ addresses: [SocketAddress], forwardAuth: [SocketAddress], counter: ConnectionCounter,
              balancers: [AcceptBalancer] = [], log: AccessLog, metrics: ProxyMetrics, auth: AuthState,
              tls: TLSContext?,
              onAcceptProblem: ((String) -> (AcceptBackoff.Report, Int32) -> Void)? = nil) throws(SocketError)
        -> (proxy: [UInt16], forwardAuth: [UInt16])
    {
        let reporter = Reporter(log: log, metrics: WorkerMetrics(shared: metrics))
        let pipeline = RequestPipeline(worker: self, log: reporter, auth: auth)
        let judge = ForwardAuthPipeline(worker: self, log: reporter, auth: auth)
        // TLS is on or off for the process's life (like the listen addresses); the certificate follows reloads.
        let current: (() -> TLSContext)? = tls.map { first in { [unowned self] in self.snapshot().tls ?? first } }
        self.pipeline = pipeline
        forwardAuthPipeline = judge
        var ports: [UInt16] = []
        var judgePorts: [UInt16] = []
        let group = { (i: Int) in i < balancers.count ? balancers[i] : nil }
        for (i, address) in addresses.enumerated() {
            let l = try Listener(loop: loop, address: address, handler: pipeline, counter: counter,
                                 tls: current, balancer: group(i)) { [unowned self] in
                self.snapshot().serverSettings
            }
            l.onAcceptProblem = onAcceptProblem?("proxy")
            listeners.append(l)
            ports.append(l.port)
        }
        for (i, address) in forwardAuth.enumerated() {
            let l = try Listener(loop: loop, address: address, handler: judge, counter: counter,
                                 balancer: group(addresses.count + i)) { [unowned self] in
                self.snapshot().serverSettings
            }
            l.onAcceptProblem = onAcceptProblem?("forward-auth")
            listeners.append(l)
            judgePorts.append(l.port)
        }
        return (ports, judgePorts)
    }

    private var forwardAuthPipeline: ForwardAuthPipeline?

    private let finished = DispatchSemaphore(value: 0)

    func start() {
        let t = Thread { [self] in
            EventLoop.nameThread("tg-worker-\(index)")
            self.loop.run()
            self.finished.signal()
        }
        t.name = "tg-worker-\(index)"
        t.stackSize = 1 << 20
        t.start()
        thread = t
    }

    /// Ends the loop (after the drain) and waits up to `timeout` seconds for the thread to return.
    func stopAndJoin(timeout: Double) {
        loop.execute { [self] in
            self.pool.closeIdle()
            self.loop.stop()
        }
        _ = finished.wait(timeout: .now() + timeout)
    }

    /// Stops accepting (drain): open connections finish their exchanges. Safe from any thread.
    func stopAccepting() {
        loop.execute { [self] in
            for l in self.listeners { l.drain() }
            self.listeners.removeAll()
        }
    }
}
