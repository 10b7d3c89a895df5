private import CLibevent
import Foundation

/// One libevent `event_base` driven by one thread. Everything created on a loop (connections, timers,
/// listeners) is touched only from that loop's thread; other threads reach it through `execute(_:)`.
///
/// The base has no lock (`EVENT_BASE_FLAG_NOLOCK`): libevent would otherwise take and release its base mutex
/// around every `event_add`, `event_del`, `event_active` and callback, about eleven times per proxied request,
/// all uncontended. Nothing but the loop's own thread calls into the base; other threads queue work and write
/// to an eventfd the loop reads (`execute`).
public final class EventLoop: @unchecked Sendable {
    let base: OpaquePointer
    private var wakeEvent: OpaquePointer?
    private let wakeFD: Int32
    /// Work queued by other threads, under `pendingLock` (a pthread mutex, not Synchronization.Mutex, so that
    /// ThreadSanitizer sees the hand-over).
    private var pending: [@Sendable () -> Void] = []
    private let pendingLock = NSLock()
    /// Scratch space for the loop's socket reads (`Transport.readOnce`): one per loop, used within one call on
    /// the loop's thread (transports hold their loop, so it is freed after the last of them).
    let readScratch = UnsafeMutableRawPointer.allocate(byteCount: Transport.scratchSize, alignment: 16)
    /// Transports with output to write at the end of this loop turn (a list linked through
    /// `Transport.nextAtEndOfTurn`, each entry retained), and the one event that writes them: one activation per
    /// loop turn instead of one per transport and write (`atEndOfTurn`). Loop thread only.
    private var endOfTurnFirst: Unmanaged<Transport>?
    private var endOfTurnLast: Unmanaged<Transport>?
    private var endOfTurnEvent: OpaquePointer?
    /// The clocks as read once in the current callback (`now`, `wallNow`); `forgetClock` forgets them.
    private var cachedNow = 0.0
    private var cachedWall = 0.0
    private var nowValid = false
    private var wallValid = false

    /// The loop's monotonic clock, in seconds: read once per callback libevent makes into this module, then
    /// the same value until the next callback (as nginx and HAProxy cache their time per loop turn). A
    /// request's handlers read it about a dozen times; the clock itself is read once or twice. Durations
    /// measured with it run from one callback's start to another's. Loop thread only.
    public var now: Double {
        if nowValid { return cachedNow }
        cachedNow = Monotonic.now()
        nowValid = true
        return cachedNow
    }

    /// Wall-clock time (seconds since the Unix epoch) under the same rule as `now`. Loop thread only.
    public var wallNow: Double {
        if wallValid { return cachedWall }
        cachedWall = WallClock.now()
        wallValid = true
        return cachedWall
    }

    /// Forgets the clocks read so far: every C callback into this module calls it first, so that no value read
    /// before the loop waited in epoll is used after it, and so does work that may take long (a crypt(3) check).
    /// Loop thread only.
    @inline(__always)
    public func forgetClock() {
        nowValid = false
        wallValid = false
    }

    /// Creates a loop. `EventLoop.setUp()` must have run first.
    public init() {
        EventLoop.setUp()
        // The epoll changelist folds the add/delete pairs of one loop iteration (a bufferevent enabling and
        // disabling EV_WRITE around each response) into at most one epoll_ctl per fd.
        let config = event_config_new()
        _ = event_config_set_flag(config, Int32(EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST.rawValue))
        _ = event_config_set_flag(config, Int32(EVENT_BASE_FLAG_NOLOCK.rawValue))
        let made = event_base_new_with_config(config)
        event_config_free(config)
        guard let b = made else { fatalError("event_base_new_with_config failed") }
        base = b
        wakeFD = tollgate_eventfd()
        guard wakeFD >= 0 else { fatalError("eventfd failed: errno \(tollgate_errno())") }
        wakeEvent = event_new(base, wakeFD, Int16(EV_READ | EV_PERSIST), { _, _, arg in
            let loop = Unmanaged<EventLoop>.fromOpaque(arg!).takeUnretainedValue()
            loop.forgetClock()
            loop.runPending()
        }, Unmanaged.passUnretained(self).toOpaque())
        event_add(wakeEvent, nil)
        endOfTurnEvent = tollgate_evtimer_new(base, { _, _, arg in
            let loop = Unmanaged<EventLoop>.fromOpaque(arg!).takeUnretainedValue()
            loop.forgetClock()
            loop.runEndOfTurn()
        }, Unmanaged.passUnretained(self).toOpaque())
    }

    /// Calls `transport.runDeferred()` after the callbacks already active in this loop turn (the I/O events
    /// epoll reported together): writes queued by several callbacks leave in one send per connection, and a
    /// busy loop pays one event activation per turn rather than one per write. Loop thread only.
    func atEndOfTurn(_ transport: Transport) {
        let entry = Unmanaged.passRetained(transport)
        if let last = endOfTurnLast {
            last.takeUnretainedValue().nextAtEndOfTurn = entry
        } else {
            endOfTurnFirst = entry
            event_active(endOfTurnEvent, Int32(EV_WRITE), 0)
        }
        endOfTurnLast = entry
    }

    private func runEndOfTurn() {
        // Transports scheduled while these run start a new list and activate the event again.
        var next = endOfTurnFirst
        endOfTurnFirst = nil
        endOfTurnLast = nil
        while let entry = next {
            let t = entry.takeUnretainedValue()
            next = t.nextAtEndOfTurn
            t.nextAtEndOfTurn = nil
            t.runDeferred()
            entry.release()
        }
    }

    deinit {
        if let wakeEvent { event_free(wakeEvent) }
        if let endOfTurnEvent { event_free(endOfTurnEvent) }
        var next = endOfTurnFirst
        while let entry = next {
            next = entry.takeUnretainedValue().nextAtEndOfTurn
            entry.release()
        }
        event_base_free(base)
        _ = tollgate_close_fd(wakeFD)
        readScratch.deallocate()
    }

    private static let once: Void = {
        // libevent's global locks (the signal base, the debug map) for a process with several loops; each
        // base itself is lock-free (see the type's comment).
        evthread_use_pthreads()
        // A peer that closes while we write must not kill the process.
        signal(SIGPIPE, SIG_IGN)
        OPENSSL_init_ssl(0, nil)
    }()

    /// Process-wide libevent/OpenSSL set-up; idempotent.
    public static func setUp() { _ = once }

    /// Runs `work` on this loop's thread soon. Safe from any thread.
    public func execute(_ work: @escaping @Sendable () -> Void) {
        pendingLock.lock()
        pending.append(work)
        pendingLock.unlock()
        // The counter only grows until the loop reads it: one read after any number of signals.
        _ = tollgate_eventfd_signal(wakeFD)
    }

    private func runPending() {
        // Cleared before the queue is taken: work queued after this read signals again.
        _ = tollgate_eventfd_clear(wakeFD)
        pendingLock.lock()
        let work = pending
        pending.removeAll()
        pendingLock.unlock()
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

    /// Gives the calling thread the name `top -H`, `ps -L` and perf show (Linux keeps 15 bytes of it; Foundation's
    /// `Thread.name` does not reach the kernel there).
    public static func nameThread(_ name: String) {
        _ = tollgate_name_thread(String(name.utf8.prefix(15)) ?? "tollgate")
    }

    /// Starts a thread named `name` that runs this loop.
    public func startThread(name: String) -> Thread {
        let t = Thread { [self] in
            EventLoop.nameThread(name)
            self.run()
        }
        t.name = name
        t.stackSize = 1 << 20
        t.start()
        return t
    }
}

/// Wall-clock readings (CLOCK_REALTIME) in seconds since the Unix epoch.
public enum WallClock {
    /// Seconds since 1970-01-01T00:00:00Z.
    public static func now() -> Double { Monotonic.seconds(CLOCK_REALTIME) }
}

/// Monotonic clock readings in seconds.
public enum Monotonic {
    /// Seconds since an arbitrary fixed point.
    public static func now() -> Double { seconds(CLOCK_MONOTONIC) }

    /// `clock`'s reading in seconds.
    fileprivate static func seconds(_ clock: clockid_t) -> Double {
        var ts = timespec()
        clock_gettime(clock, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}

/// A one-shot timer on a loop. Thread rule: loop thread only.
///
/// Lazy: arming records when the action is due and touches libevent only when that is earlier than the time
/// the libevent timer is already set for; disarming only forgets the due time. A timer that fires before its
/// due time (the deadline moved later, or went away) sets itself again for what is left, or does nothing. A
/// pooled upstream link, disarmed and re-armed around every exchange, then costs a clock read per change
/// instead of an `event_add` / `event_del` (a heap update each).
final class LoopTimer {
    private var event: OpaquePointer?
    private let loop: EventLoop
    private let action: () -> Void
    /// When the action is due (monotonic seconds); nil: disarmed.
    private var due: Double?
    /// When the libevent timer is set to fire; nil: not pending.
    private var firesAt: Double?
    /// A due time at most this far ahead when the timer fires counts as reached: libevent measures from the
    /// time it cached at the start of the loop turn, so a timer can fire a little before the `Monotonic` time.
    private static let slack = 0.001

    /// Creates a disarmed timer that calls `action` when it fires.
    init(loop: EventLoop, action: @escaping () -> Void) {
        self.action = action
        self.loop = loop
        event = tollgate_evtimer_new(loop.base, { _, _, arg in
            let timer = Unmanaged<LoopTimer>.fromOpaque(arg!).takeUnretainedValue()
            timer.loop.forgetClock()
            timer.fired()
        }, Unmanaged.passUnretained(self).toOpaque())
    }

    /// Calls the action after `seconds` (replacing any earlier arming).
    func arm(_ seconds: Double) {
        let at = loop.now + seconds
        due = at
        if let f = firesAt, f <= at { return }
        set(seconds)
        firesAt = at
    }

    /// Cancels the action (the libevent timer, if pending, fires and finds nothing due).
    func disarm() { due = nil }

    private func set(_ seconds: Double) {
        let s = max(0, seconds)
        var tv = timeval(tv_sec: Int(s), tv_usec: Int((s - Double(Int(s))) * 1e6))
        event_add(event, &tv)
    }

    private func fired() {
        firesAt = nil
        guard let at = due else { return }
        let left = at - loop.now
        if left > LoopTimer.slack {
            set(left)
            firesAt = at
            return
        }
        due = nil
        action()
    }

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
