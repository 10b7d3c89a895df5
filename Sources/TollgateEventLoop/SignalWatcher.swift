private import CLibevent

/// Delivers SIGHUP/SIGTERM/SIGINT as callbacks on one loop (libevent handles signals on one base only).
/// Thread rule: create, and receive callbacks, on that loop's thread.
public final class SignalWatcher {
    private var events: [OpaquePointer] = []
    private let handler: (Int32) -> Void
    private let loop: EventLoop

    /// Watches `signals` on `loop`, calling `handler` with the signal number.
    public init(loop: EventLoop, signals: [Int32], handler: @escaping (Int32) -> Void) {
        self.handler = handler
        self.loop = loop
        for s in signals {
            if let ev = tollgate_evsignal_new(loop.base, s, { fd, _, arg in
                let watcher = Unmanaged<SignalWatcher>.fromOpaque(arg!).takeUnretainedValue()
                watcher.loop.forgetClock()
                watcher.handler(Int32(fd))
            }, Unmanaged.passUnretained(self).toOpaque()) {
                event_add(ev, nil)
                events.append(ev)
            }
        }
    }

    /// Stops watching.
    public func cancel() {
        for ev in events { event_free(ev) }
        events.removeAll()
    }

    deinit { cancel() }
}

/// Signal numbers, so that callers need not import Glibc for them.
public enum SignalNumber {
    /// SIGHUP.
    public static let hangup: Int32 = SIGHUP
    /// SIGTERM.
    public static let terminate: Int32 = SIGTERM
    /// SIGINT.
    public static let interrupt: Int32 = SIGINT
}
