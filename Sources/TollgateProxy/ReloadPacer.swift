import Glibc

/// Paces a long accounts load on the reload thread so that it gives way to the workers: at the loader's
/// checkpoints (every few parse events, every account put in the table), once `interval` has passed since the
/// last pause, it yields the CPU (`sched_yield`). That returns at once when no other thread wants the core, so a
/// reload on a machine with idle CPU runs at full speed; a worker that wakes while the reload runs waits at most
/// about one interval.
///
/// The nice value alone (the thread also runs at nice +15) did not do this: the kernel lets a running thread
/// finish its slice up to the next scheduler tick (4 ms at 250 Hz) before a woken thread of higher priority gets
/// the core, and with both cores busy the second of a 100,000-token reload lost 19% of throughput
/// (`bench/reload.sh`, unpinned); with the pacer 0–5%. The price is paid under saturation: a reload then gets
/// little CPU and takes longer (100,000 tokens, about 0.45 s of CPU: 6–7 s with both cores busy, 30–40 s
/// with the worker's core saturated; README "Signals, reloads and drain"). Thread rule: one pacer per reload,
/// on the thread that runs it.
final class ReloadPacer {
    private let interval: UInt64
    private let clock: () -> UInt64
    private let yield: () -> Void
    private var lastPause: UInt64
    /// Pauses taken (for tests).
    private(set) var yields = 0

    /// `intervalMicroseconds`: work between pauses. `clock`: monotonic nanoseconds; `yield`: gives the core away.
    init(intervalMicroseconds: UInt64 = 100, clock: @escaping () -> UInt64 = ReloadPacer.monotonic,
         yield: @escaping () -> Void = { _ = sched_yield() })
    {
        interval = intervalMicroseconds * 1000
        self.clock = clock
        self.yield = yield
        lastPause = clock()
    }

    /// Called by the loader (`AccountsLoader.parse`, `TokenTable.init`): pauses when due.
    func checkpoint() {
        guard clock() &- lastPause >= interval else { return }
        yield()
        yields += 1
        lastPause = clock()
    }

    /// Monotonic time in nanoseconds (`clock_gettime`, answered by the vDSO without a system call).
    static func monotonic() -> UInt64 {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return UInt64(t.tv_sec) &* 1_000_000_000 &+ UInt64(t.tv_nsec)
    }
}
