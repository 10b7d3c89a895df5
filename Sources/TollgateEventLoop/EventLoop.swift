private import CLibevent
import Synchronization
import Foundation

/// One libevent `event_base` driven by one thread. Everything created on a loop (connections, timers,
/// listeners) is touched only from that loop's thread; other threads reach it through `execute(_:)`.
public final class EventLoop: @unchecked Sendable {
    let base: OpaquePointer
    private var wakeEvent: OpaquePointer?
    private let pending = Mutex<[@Sendable () -> Void]>([])
    /// The loop's monotonic clock, in seconds.
    public var now: Double { Monotonic.now() }

    /// Creates a loop. `EventLoop.setUp()` must have run first.
    public init() {
        EventLoop.setUp()
        // The epoll changelist folds the add/delete pairs of one loop iteration (a bufferevent enabling and
        // disabling EV_WRITE around each response) into at most one epoll_ctl per fd.
        let config = event_config_new()
        _ = event_config_set_flag(config, Int32(EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST.rawValue))
        let made = event_base_new_with_config(config)
        event_config_free(config)
        guard let b = made ?? event_base_new() else { fatalError("event_base_new failed") }
        base = b
        wakeEvent = event_new(base, -1, Int16(EV_PERSIST), { _, _, arg in
            Unmanaged<EventLoop>.fromOpaque(arg!).takeUnretainedValue().runPending()
        }, Unmanaged.passUnretained(self).toOpaque())
        event_add(wakeEvent, nil)
    }

    deinit {
        if let wakeEvent { event_free(wakeEvent) }
        event_base_free(base)
    }

    private static let once: Void = {
        // libevent locking so that event_active() from another thread is safe (NOTES-libevent.md).
        evthread_use_pthreads()
        // A peer that closes while we write must not kill the process.
        signal(SIGPIPE, SIG_IGN)
        OPENSSL_init_ssl(0, nil)
    }()

    /// Process-wide libevent/OpenSSL set-up; idempotent.
    public static func setUp() { _ = once }

    /// Runs `work` on this loop's thread soon. Safe from any thread.
    public func execute(_ work: @escaping @Sendable () -> Void) {
        pending.withLock { $0.append(work) }
        event_active(wakeEvent, EV_READ, 0)
    }

    private func runPending() {
        let work = pending.withLock { q -> [@Sendable () -> Void] in
            let w = q
            q.removeAll()
            return w
        }
        for w in work { w() }
    }

    /// Runs the loop until `stop()`; blocks the calling thread.
    public func run() {
        // A loop with nothing registered yet (the reload loop) waits for work instead of returning.
        _ = event_base_loop(base, Int32(EVLOOP_NO_EXIT_ON_EMPTY))
    }

    /// Makes `run()` return after the current callbacks. Must be called on the loop's thread.
    public func stop() {
        event_base_loopbreak(base)
    }

    /// Process-wide allocator settings for a proxy that moves large buffers (see `tollgate_tune_malloc`). Call
    /// once at start-up, before worker threads exist.
    public static func tuneAllocator() {
        tollgate_tune_malloc()
    }

    /// Gives the calling thread the nice value `nice` (a background thread that must not take CPU from workers).
    /// `sliceMicroseconds`: the scheduler slice to ask for (kernels with EEVDF custom slices; 0: the default).
    public static func setThreadNice(_ nice: Int32, sliceMicroseconds: UInt64 = 0) {
        _ = tollgate_set_thread_nice(nice, sliceMicroseconds * 1000)
    }

    /// Starts a thread named `name` that runs this loop.
    public func startThread(name: String) -> Thread {
        let t = Thread { [self] in self.run() }
        t.name = name
        t.stackSize = 1 << 20
        t.start()
        return t
    }
}

/// Monotonic clock readings in seconds.
public enum Monotonic {
    /// Seconds since an arbitrary fixed point.
    public static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}

/// A one-shot timer on a loop. Thread rule: loop thread only.
final class LoopTimer {
    private var event: OpaquePointer?
    private let action: () -> Void

    /// Creates a disarmed timer that calls `action` when it fires.
    init(loop: EventLoop, action: @escaping () -> Void) {
        self.action = action
        event = tollgate_evtimer_new(loop.base, { _, _, arg in
            Unmanaged<LoopTimer>.fromOpaque(arg!).takeUnretainedValue().action()
        }, Unmanaged.passUnretained(self).toOpaque())
    }

    /// Fires after `seconds` (replacing any earlier arming).
    func arm(_ seconds: Double) {
        var tv = timeval(tv_sec: Int(seconds), tv_usec: Int((seconds - Double(Int(seconds))) * 1e6))
        event_add(event, &tv)
    }

    /// Stops the timer.
    func disarm() { event_del(event) }

    deinit {
        if let event { event_free(event) }
    }
}

extension EventLoop {
    /// Runs `action` once after `seconds` on this loop. Loop thread only.
    public func after(_ seconds: Double, _ action: @escaping () -> Void) {
        final class Box {
            var timer: LoopTimer?
        }
        let box = Box()
        box.timer = LoopTimer(loop: self) {
            action()
            box.timer = nil
        }
        box.timer?.arm(seconds)
    }
}
