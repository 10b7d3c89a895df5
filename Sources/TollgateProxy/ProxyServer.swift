import TollgateCore
import TollgateEventLoop
import Logging
import Foundation
import Synchronization

/// Runs `tollgate serve`: workers sharing the listen port, a main loop for signals, reload, drain and the admin
/// listener.
public final class ProxyServer: @unchecked Sendable {
    private let configPath: String
    private var logger: Logger
    private var store: SnapshotStore?
    private var workers: [Worker] = []
    private let mainLoop = EventLoop()
    private var signals: SignalWatcher?
    private var counter = ConnectionCounter(limit: 0)
    private var log = AccessLog(enabled: true)
    private let metrics = ProxyMetrics()
    private var admin: Listener?
    /// Main loop only, like everything below.
    private var draining = false
    /// True once an accounts file has been loaded (the `/readyz` condition). Written by the reload thread.
    private let accountsLoaded = Atomic<Bool>(false)
    /// Reloads (SIGHUP) and accounts-file polls run on this loop's thread, one at a time: off the main loop, so
    /// probes and scrapes are answered during a long parse, and at a low CPU priority, so that a saturated
    /// worker keeps its core and a reload costs it next to nothing.
    private let reloadLoop = EventLoop()
    /// The reload thread's copy of the logger (the main loop's copy is never touched from there).
    private var reloadLogger: Logger
    /// Reload thread only (and `run()` before that thread starts).
    private var accounts = AccountsSource(path: "")
    private var auth = AuthState(limit: 20, window: 60)
    private var stateFile: StateFile?
    /// Called once listening, with the bound "host:port" strings (tests and `demo` use it).
    public var onListening: (([String]) -> Void)?
    /// Called once the admin listener is bound, with its "host:port".
    public var onAdminListening: ((String) -> Void)?
    /// Called after the drain, just before the process exits (`demo` removes its temporary files).
    public var onStop: (() -> Void)?

    /// A server for the config at `configPath`.
    public init(configPath: String, logger: Logger) {
        self.configPath = configPath
        self.logger = logger
        self.reloadLogger = logger
    }

    /// Loads the config, binds, and runs until SIGTERM/SIGINT has drained. Returns the exit code.
    public func run() -> Int32 {
        // Token lookups hash each presented credential: OpenSSL's SHA-256 is several times faster than the
        // portable one (set before any worker thread exists).
        SHA256.accelerated = OpenSSLDigest.sha256
        EventLoop.tuneAllocator()
        let config: TollgateConfig
        switch ConfigLoader.load(path: configPath) {
        case .failure(let errors):
            for e in errors.errors { logger.error("\(e)") }
            return 1
        case .success(let c):
            config = c
        }
        logger.logLevel = Logger.Level(rawValue: config.log.level) ?? .info
        reloadLogger = logger
        // Signals are caught from here on, before "listening" is logged: a SIGTERM sent as soon as the port
        // answers must drain, not kill (it is acted on once the main loop runs).
        signals = SignalWatcher(loop: mainLoop, signals: [SignalNumber.hangup, SignalNumber.terminate,
                                                          SignalNumber.interrupt]) { [unowned self] sig in
            if sig == SignalNumber.hangup {
                self.reloadLoop.execute { self.reload() }
            } else {
                self.beginDrain()
            }
        }
        accounts = AccountsSource(path: config.accountsFile)
        var file = AccountsFile(groups: [], accounts: [])
        if !config.accountsFile.isEmpty && !FileManager.default.isReadableFile(atPath: config.accountsFile) {
            // A file that is not there yet (a secrets agent writes it later): serve, deny every protected
            // route, report not-ready, and pick it up on the next poll. An invalid file, by contrast, stops here.
            logger.warning("accounts file \(config.accountsFile) cannot be read yet; /readyz answers 503 until it can")
        } else {
            let outcome = accounts.read(force: true)
            accounts.record(outcome)
            switch outcome {
            case .loaded(let f, _):
                file = f
                accountsLoaded.store(true, ordering: .releasing)
            case .failed(let errors, _):
                for e in errors.errors { logger.error("\(e)") }
                return 1
            case .unchanged: accountsLoaded.store(true, ordering: .releasing)
            }
        }
        auth = AuthState(limit: config.failedAuth.limit, window: config.failedAuth.window,
                         maxTracked: config.failedAuth.maxTracked)
        if let path = config.stateFile {
            let state = StateFile(path: path, store: auth.lastUse)
            if let problem = state.restore() { logger.warning("\(problem)") }
            stateFile = state
        }
        let snapshot: ProxySnapshot
        do {
            snapshot = try ProxySnapshot(config: config, table: TokenTable(file: file, generation: 1), generation: 1)
            logger.info("accounts: \(snapshot.table.accountCount) account(s), \(snapshot.table.tokenCount) token(s) from \(config.accountsFile)",
                        metadata: ["event": "load", "generation": "1"])
        } catch {
            logger.error("\(error)")
            return 1
        }
        if accountsLoaded.load(ordering: .acquiring) { metrics.reloaded(counted: false) }
        let store = SnapshotStore(snapshot)
        self.store = store
        counter = ConnectionCounter(limit: config.limits.maxConnections)
        log = AccessLog(enabled: config.log.access)
        let count = config.workers ?? ProcessInfo.processInfo.activeProcessorCount
        ResourceLimits.adjustFileLimit(maxConnections: config.limits.maxConnections, workers: count,
                                       idleUpstreamPerWorker: snapshot.upstreamSettings.maxIdle, logger: logger)
        var addresses: [SocketAddress] = []
        for l in config.listen {
            switch SocketAddress.resolve(host: l.host, port: l.port) {
            case .success(let a): addresses.append(a)
            case .failure(let e):
                logger.error("listen \(l): \(e)")
                return 1
            }
        }
        let judgeListen = config.forwardAuth?.listen ?? []
        var judgeAddresses: [SocketAddress] = []
        for l in judgeListen {
            switch SocketAddress.resolve(host: l.host, port: l.port) {
            case .success(let a): judgeAddresses.append(a)
            case .failure(let e):
                logger.error("forward_auth.listen \(l): \(e)")
                return 1
            }
        }
        if let a = config.adminListen {
            do {
                try bindAdmin(a)
            } catch {
                logger.error("admin_listen \(a): \(error)")
                return 1
            }
        }
        // Several workers even out their client connections per address (AcceptBalancer).
        let balancers = count > 1 ? (0..<(addresses.count + judgeAddresses.count)).map { _ in AcceptBalancer() } : []
        do {
            for i in 0..<count {
                let w = Worker(index: i, store: store)
                let logger = self.logger
                let ports = try w.bind(addresses, forwardAuth: judgeAddresses, counter: counter, balancers: balancers,
                                       log: log, metrics: metrics, auth: auth, tls: snapshot.tls) {
                    ResourceLimits.acceptReporter(logger, listener: $0)
                }
                if i == 0 {
                    // Port 0 (tests): every other worker binds the port the first one got.
                    addresses = Self.pin(config.listen, ports.proxy, addresses)
                    judgeAddresses = Self.pin(judgeListen, ports.forwardAuth, judgeAddresses)
                    let shown = zip(config.listen, ports.proxy).map { ListenAddress(host: $0.host, port: $1).description }
                    let scheme = config.tls == nil ? "" : " (TLS)"
                    logger.info("listening on \(shown.joined(separator: ", "))\(scheme) → upstream \(snapshot.upstreamAddress), \(count) worker(s)",
                                metadata: ["event": "listening"])
                    if !judgeListen.isEmpty {
                        let judged = zip(judgeListen, ports.forwardAuth).map {
                            ListenAddress(host: $0.host, port: $1).description
                        }
                        logger.info("forward-auth listening on \(judged.joined(separator: ", "))")
                    }
                    onListening?(shown)
                }
                workers.append(w)
            }
        } catch {
            logger.error("\(error)")
            return 1
        }
        for w in workers { w.start() }
        reloadLoop.execute { Self.lowerThreadPriority() }
        _ = reloadLoop.startThread(name: "tg-reload")
        scheduleSync()
        mainLoop.run()
        // Drained: stop the workers before the process tears down its globals (libevent, OpenSSL), then
        // leave without running exit handlers while any thread could still touch them.
        for w in workers { w.stopAndJoin(timeout: 1) }
        admin?.close()
        if let problem = stateFile?.flush() { logger.error("\(problem)") }
        log.sink.flush(timeout: 2)
        onStop?()
        logger.info("stopped", metadata: ["event": "stopped"])
        _exit(0)
    }

    /// Binds the admin listener on the main loop (port 0 allowed: the bound port is logged).
    private func bindAdmin(_ a: ListenAddress) throws {
        let address: SocketAddress
        switch SocketAddress.resolve(host: a.host, port: a.port) {
        case .success(let resolved): address = resolved
        case .failure(let e): throw e
        }
        let handler = AdminHandler(
            readiness: { [unowned self] in
                self.draining ? .draining
                    : (self.accountsLoaded.load(ordering: .acquiring) ? .ready : .waitingForAccounts)
            },
            metrics: { [unowned self] in
                self.metrics.render(snapshot: self.store?.load(), openConnections: self.counter.current,
                                    failedAuthTracked: self.auth.brake.trackedCount,
                                    logDropped: self.log.sink.dropped)
            })
        // Probes and scrapes only: a small connection budget of its own, apart from max_connections.
        let l = try Listener(loop: mainLoop, address: address, handler: handler, counter: ConnectionCounter(limit: 64)) {
            ServerSettings(maxHeaderBytes: 8192, maxBodyBytes: 0, timeouts: ServerTimeouts(header: 5, idle: 30))
        }
        l.onAcceptProblem = ResourceLimits.acceptReporter(logger, listener: "admin")
        admin = l
        let shown = ListenAddress(host: a.host, port: l.port).description
        logger.info("admin listening on \(shown)", metadata: ["event": "listening"])
        onAdminListening?(shown)
    }

    /// Nice +15 for the calling thread (Linux sets nice per thread): against a busy worker it gets about 3% of
    /// a core, so a reload under saturation takes longer instead of taking throughput.
    private static func lowerThreadPriority() {
        EventLoop.setThreadNice(15, sliceMicroseconds: 100)
    }

    /// Polls the accounts file every `sync_interval` (re-read from the snapshot, so reloads apply).
    private func scheduleSync() {
        let interval = store?.load().config.syncInterval ?? 2
        mainLoop.after(interval) { [unowned self] in
            if self.draining { return }
            self.reloadLoop.execute {
                // Snapshots replaced a poll ago are no longer used by busy workers: free them here, not there.
                self.store?.releaseRetired()
                self.syncAccounts(force: false)
            }
            if let problem = self.stateFile?.flush() { self.logger.error("\(problem)") }
            self.scheduleSync()
        }
    }

    /// Applies a changed accounts file; a bad one keeps the table in force. Reload thread.
    private func syncAccounts(force: Bool) {
        let logger = reloadLogger
        guard let store else { return }
        let pacer = ReloadPacer()
        let outcome = accounts.read(force: force, checkpoint: pacer.checkpoint)
        accounts.record(outcome)
        switch outcome {
        case .unchanged:
            break
        case .failed(let errors, _):
            metrics.reloadError.increment()
            logger.error("accounts file refused, keeping the table in force: \(errors.errors.count) error(s)",
                         metadata: ["event": "reload", "file": "\(accounts.path)", "result": "error"])
            for e in errors.errors { logger.error("  \(e)", metadata: ["event": "reload", "result": "error"]) }
        case .loaded(let file, _):
            let current = store.load()
            let generation = store.currentGeneration + 1
            let table = TokenTable(file: file, generation: generation, checkpoint: pacer.checkpoint)
            store.publish(current.with(table: table, generation: generation))
            accountsLoaded.store(true, ordering: .releasing)
            metrics.reloaded()
            logger.info("accounts reloaded: \(table.accountCount) account(s), \(table.tokenCount) token(s) (generation \(generation))",
                        metadata: ["event": "reload", "file": "\(accounts.path)", "result": "success",
                                   "generation": "\(generation)"])
        }
    }

    /// Replaces port-0 addresses by the ports the first worker actually got.
    private static func pin(_ listen: [ListenAddress], _ ports: [UInt16], _ addresses: [SocketAddress])
        -> [SocketAddress]
    {
        var out = addresses
        for (k, l) in listen.enumerated() where l.port == 0 {
            if case .success(let a) = SocketAddress.resolve(host: l.host, port: ports[k]) { out[k] = a }
        }
        return out
    }

    /// SIGHUP: reads the config and the accounts file it names, and publishes both in ONE snapshot, so no request
    /// is ever judged by the new routes with the old table (or the reverse). All-or-nothing: a bad accounts file
    /// refuses the whole reload; a bad config keeps the running one, and a valid accounts file is then applied
    /// under it, as the next poll would. Reload thread.
    private func reload() {
        guard let store else { return }
        // Snapshots replaced by the previous reload are freed here (a SIGHUP storm must not pile them up).
        store.releaseRetired()
        let logger = reloadLogger
        let current = store.load()
        var config: TollgateConfig?
        switch ConfigLoader.load(path: configPath) {
        case .failure(let errors):
            metrics.reloadError.increment()
            logger.error("reload refused, keeping the running config: \(errors.errors.count) error(s)",
                         metadata: ["event": "reload", "file": "\(configPath)", "result": "error"])
            for e in errors.errors { logger.error("  \(e)", metadata: ["event": "reload", "result": "error"]) }
        case .success(let c):
            config = c
        }
        // SIGHUP re-reads the accounts file at once, changed or not: the one the new config names.
        let accountsPath = config?.accountsFile ?? current.config.accountsFile
        let pacer = ReloadPacer()
        let outcome = accounts.read(force: true, path: accountsPath, checkpoint: pacer.checkpoint)
        let table: TokenTable
        let generation = store.currentGeneration + 1
        switch outcome {
        case .unchanged:
            table = current.table
        case .failed(let errors, _):
            if accountsPath == accounts.path { accounts.record(outcome) }
            metrics.reloadError.increment()
            logger.error("accounts file refused, keeping the table and the config in force: \(errors.errors.count) error(s)",
                         metadata: ["event": "reload", "file": "\(accountsPath)", "result": "error"])
            for e in errors.errors { logger.error("  \(e)", metadata: ["event": "reload", "result": "error"]) }
            return
        case .loaded(let file, _):
            table = TokenTable(file: file, generation: generation, checkpoint: pacer.checkpoint)
        }
        let next: ProxySnapshot
        if let config {
            do {
                next = try ProxySnapshot(config: config, table: table, generation: generation)
            } catch {
                metrics.reloadError.increment()
                logger.error("reload refused, keeping the running config and table: \(error)",
                             metadata: ["event": "reload", "file": "\(configPath)", "result": "error"])
                return
            }
        } else {
            next = current.with(table: table, generation: generation)
        }
        store.publish(next)
        accounts.record(outcome, path: accountsPath)
        accountsLoaded.store(true, ordering: .releasing)
        metrics.reloaded()
        if let config {
            counter.setLimit(config.limits.maxConnections)
            if config.limits.maxConnections != current.config.limits.maxConnections {
                ResourceLimits.adjustFileLimit(maxConnections: config.limits.maxConnections, workers: workers.count,
                                               idleUpstreamPerWorker: next.upstreamSettings.maxIdle, logger: logger)
            }
            log.setEnabled(config.log.access)
            let level = Logger.Level(rawValue: config.log.level) ?? .info
            reloadLogger.logLevel = level
            mainLoop.execute { self.logger.logLevel = level }
            logger.info("reloaded \(configPath) and \(accountsPath): \(table.accountCount) account(s), \(table.tokenCount) token(s) (generation \(generation))",
                        metadata: ["event": "reload", "file": "\(configPath)", "result": "success",
                                   "generation": "\(generation)"])
            for change in Self.restartOnly(current.config, config) {
                logger.warning("\(change) changed: takes effect after a restart", metadata: ["event": "reload"])
            }
        } else {
            logger.info("accounts reloaded: \(table.accountCount) account(s), \(table.tokenCount) token(s) (generation \(generation))",
                        metadata: ["event": "reload", "file": "\(accountsPath)", "result": "success",
                                   "generation": "\(generation)"])
        }
    }

    /// Settings a reload cannot apply to running listeners and threads.
    private static func restartOnly(_ old: TollgateConfig, _ new: TollgateConfig) -> [String] {
        var out: [String] = []
        if old.listen != new.listen { out.append("listen") }
        if old.workers != new.workers { out.append("workers") }
        if old.adminListen != new.adminListen { out.append("admin_listen") }
        if (old.tls == nil) != (new.tls == nil) { out.append("tls (on/off)") }
        if old.forwardAuth?.listen != new.forwardAuth?.listen { out.append("forward_auth.listen") }
        if old.failedAuth != new.failedAuth { out.append("failed_auth") }
        return out
    }

    /// SIGTERM/SIGINT: stop accepting, let exchanges finish within drain_timeout, then exit.
    private func beginDrain() {
        if draining { return }
        draining = true
        let timeout = store?.load().config.limits.drainTimeout ?? 20
        logger.info("draining \(counter.current) connection(s), up to \(timeout)s", metadata: ["event": "drain"])
        for w in workers { w.stopAccepting() }
        let deadline = Monotonic.now() + timeout
        pollDrain(deadline: deadline)
    }

    private var drainTimer: Any?

    private func pollDrain(deadline: Double) {
        let open = counter.current
        if open == 0 || Monotonic.now() >= deadline {
            if open > 0 {
                logger.warning("drain timeout: closing \(open) connection(s)",
                               metadata: ["event": "drain", "closed": "\(open)"])
            } else {
                logger.info("drained", metadata: ["event": "drain", "closed": "0"])
            }
            mainLoop.stop()
            return
        }
        mainLoop.after(0.05) { [unowned self] in self.pollDrain(deadline: deadline) }
    }
}
