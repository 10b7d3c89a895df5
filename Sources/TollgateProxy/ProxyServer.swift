import TollgateCore
import TollgateEventLoop
import Logging
import Foundation

/// Runs `tollgate serve`: workers sharing the listen port, a main loop for signals, reload and drain.
public final class ProxyServer: @unchecked Sendable {
    private let configPath: String
    private let logger: Logger
    private var store: SnapshotStore?
    private var workers: [Worker] = []
    private let mainLoop = EventLoop()
    private var signals: SignalWatcher?
    private var counter = ConnectionCounter(limit: 0)
    private var log = AccessLog(enabled: true)
    private var draining = false
    private var accounts = AccountsSource(path: "")
    private var auth = AuthState(limit: 20, window: 60)
    private var stateFile: StateFile?
    /// Called once listening, with the bound "host:port" strings (tests and `demo` use it).
    public var onListening: (([String]) -> Void)?

    /// A server for the config at `configPath`.
    public init(configPath: String, logger: Logger) {
        self.configPath = configPath
        self.logger = logger
    }

    /// Loads the config, binds, and runs until SIGTERM/SIGINT has drained. Returns the exit code.
    public func run() -> Int32 {
        let config: TollgateConfig
        switch ConfigLoader.load(path: configPath) {
        case .failure(let errors):
            for e in errors.errors { logger.error("\(e)") }
            return 1
        case .success(let c):
            config = c
        }
        accounts = AccountsSource(path: config.accountsFile)
        let file: AccountsFile
        switch accounts.read(force: true) {
        case .loaded(let f): file = f
        case .failed(let errors):
            for e in errors.errors { logger.error("\(e)") }
            return 1
        case .unchanged: file = AccountsFile(groups: [], accounts: [])
        }
        auth = AuthState(limit: config.failedAuth.limit, window: config.failedAuth.window)
        if let path = config.stateFile {
            let state = StateFile(path: path, store: auth.lastUse)
            if let problem = state.restore() { logger.warning("\(problem)") }
            stateFile = state
        }
        let snapshot: ProxySnapshot
        do {
            snapshot = try ProxySnapshot(config: config, table: TokenTable(file: file, generation: 1), generation: 1)
            logger.info("accounts: \(snapshot.table.accountCount) account(s), \(snapshot.table.tokenCount) token(s) from \(config.accountsFile)")
        } catch {
            logger.error("upstream: \(error)")
            return 1
        }
        let store = SnapshotStore(snapshot)
        self.store = store
        counter = ConnectionCounter(limit: config.limits.maxConnections)
        log = AccessLog(enabled: config.log.access)
        let count = config.workers ?? ProcessInfo.processInfo.activeProcessorCount
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
        do {
            for i in 0..<count {
                let w = Worker(index: i, store: store)
                let ports = try w.bind(addresses, forwardAuth: judgeAddresses, counter: counter, log: log, auth: auth)
                if i == 0 {
                    // Port 0 (tests): every other worker binds the port the first one got.
                    addresses = Self.pin(config.listen, ports.proxy, addresses)
                    judgeAddresses = Self.pin(judgeListen, ports.forwardAuth, judgeAddresses)
                    let shown = zip(config.listen, ports.proxy).map { ListenAddress(host: $0.host, port: $1).description }
                    logger.info("listening on \(shown.joined(separator: ", ")) → upstream \(snapshot.upstreamAddress), \(count) worker(s)")
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
        signals = SignalWatcher(loop: mainLoop, signals: [SignalNumber.hangup, SignalNumber.terminate,
                                                          SignalNumber.interrupt]) { [unowned self] sig in
            if sig == SignalNumber.hangup { self.reload() } else { self.beginDrain() }
        }
        scheduleSync()
        mainLoop.run()
        // Drained: stop the workers before the process tears down its globals (libevent, OpenSSL), then
        // leave without running exit handlers while any thread could still touch them.
        for w in workers { w.stopAndJoin(timeout: 1) }
        if let problem = stateFile?.flush() { logger.error("\(problem)") }
        logger.info("stopped")
        _exit(0)
    }

    /// Polls the accounts file every `sync_interval` (re-read from the snapshot, so reloads apply).
    private func scheduleSync() {
        let interval = store?.load().config.syncInterval ?? 2
        mainLoop.after(interval) { [unowned self] in
            if self.draining { return }
            self.syncAccounts(force: false)
            if let problem = self.stateFile?.flush() { self.logger.error("\(problem)") }
            self.scheduleSync()
        }
    }

    /// Applies a changed accounts file; a bad one keeps the table in force.
    private func syncAccounts(force: Bool) {
        guard let store else { return }
        switch accounts.read(force: force) {
        case .unchanged:
            break
        case .failed(let errors):
            logger.error("accounts file refused, keeping the table in force:")
            for e in errors.errors { logger.error("  \(e)") }
        case .loaded(let file):
            let current = store.load()
            let generation = store.currentGeneration + 1
            store.publish(current.with(table: TokenTable(file: file, generation: generation), generation: generation))
            logger.info("accounts reloaded: \(file.accounts.count) account(s) (generation \(generation))")
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

    /// SIGHUP: load the config again; a bad file changes nothing (all-or-nothing).
    private func reload() {
        guard let store else { return }
        switch ConfigLoader.load(path: configPath) {
        case .failure(let errors):
            logger.error("reload refused, keeping the running config:")
            for e in errors.errors { logger.error("  \(e)") }
        case .success(let config):
            do {
                let current = store.load()
                let next = try ProxySnapshot(config: config, table: current.table,
                                             generation: store.currentGeneration + 1)
                store.publish(next)
                accounts.retarget(config.accountsFile)
                counter.setLimit(config.limits.maxConnections)
                log.setEnabled(config.log.access)
                logger.info("reloaded \(configPath) (generation \(next.generation))")
            } catch {
                logger.error("reload refused, keeping the running config: upstream: \(error)")
            }
        }
        // SIGHUP re-reads the accounts file at once, changed or not.
        syncAccounts(force: true)
    }

    /// SIGTERM/SIGINT: stop accepting, let exchanges finish within drain_timeout, then exit.
    private func beginDrain() {
        if draining { return }
        draining = true
        let timeout = store?.load().config.limits.drainTimeout ?? 20
        logger.info("draining \(counter.current) connection(s), up to \(timeout)s")
        for w in workers { w.stopAccepting() }
        let deadline = Monotonic.now() + timeout
        pollDrain(deadline: deadline)
    }

    private var drainTimer: Any?

    private func pollDrain(deadline: Double) {
        let open = counter.current
        if open == 0 || Monotonic.now() >= deadline {
            if open > 0 { logger.warning("drain timeout: closing \(open) connection(s)") }
            mainLoop.stop()
            return
        }
        mainLoop.after(0.05) { [unowned self] in self.pollDrain(deadline: deadline) }
    }
}
