import Synchronization

/// Failed-auth brake per client IP (SPEC section 5, the 429 row): `limit` invalid credentials are allowed in a
/// fixed `window` that starts at an IP's first failure; after that, every request from the IP that presents a
/// credential is refused until the window has passed. Bounded memory: at most `capacity` IPs are tracked, the
/// oldest windows evicted first; O(1) per call. Thread-safe; the clock is injected (seconds, any epoch).
public final class FailedAuthBrake: Sendable {
    /// One tracked IP: a node of a doubly linked list ordered by window start (oldest at the head).
    private struct Slot {
        var ip: String
        var start: Double
        var failures: Int
        var previous: Int
        var next: Int
    }

    private struct State {
        var slots: [Slot] = []
        var index: [String: Int] = [:]
        var free: [Int] = []
        var head = -1
        var tail = -1
    }

    private let limit: Int
    private let window: Double
    private let capacity: Int
    private let state = Locked(State())
    /// IPs tracked, kept with `state` under its lock and read without it: while no IP is tracked (no recent
    /// failure at all, the usual case) `check` takes no lock. A failure recorded by another worker at that very
    /// moment is then seen by the next request, as if this one had come first.
    private let tracked = Atomic<Int>(0)

    /// A brake allowing `limit` failures per `window` seconds, tracking at most `capacity` IPs.
    public init(limit: Int, window: Double, capacity: Int = 100_000) {
        self.limit = limit
        self.window = window
        self.capacity = max(1, capacity)
    }

    /// Call when a request from `ip` presented a credential on a protected route, BEFORE authenticating: returns
    /// seconds to wait (Retry-After, >=1, rounded up) if the ip is over the limit, else nil.
    public func check(_ ip: String, now: Double) -> Int? {
        if tracked.load(ordering: .acquiring) == 0 { return nil }
        return state.withLock { state in
            dropExpired(&state, now: now)
            guard let slot = state.index[ip] else { return nil }
            let end = state.slots[slot].start + window
            if now >= end {
                remove(&state, slot)
                return nil
            }
            guard state.slots[slot].failures >= limit else { return nil }
            return max(1, Int((end - now).rounded(.up)))
        }
    }

    /// Records one invalid credential from `ip`.
    public func recordFailure(_ ip: String, now: Double) {
        state.withLock { state in
            dropExpired(&state, now: now)
            if let slot = state.index[ip] {
                if now >= state.slots[slot].start + window {
                    // A new window: it is now the youngest.
                    remove(&state, slot)
                } else {
                    state.slots[slot].failures = min(state.slots[slot].failures + 1, Int.max - 1)
                    return
                }
            }
            if state.index.count >= capacity { remove(&state, state.head) }
            append(&state, Slot(ip: ip, start: now, failures: 1, previous: state.tail, next: -1))
        }
    }

    /// IPs tracked now (at most `capacity`; a gauge on /metrics).
    public var trackedCount: Int { state.withLock { $0.index.count } }

    /// Forgets up to two IPs whose window has passed: enough to keep pace with insertions, still O(1).
    private func dropExpired(_ state: inout State, now: Double) {
        for _ in 0..<2 {
            guard state.head >= 0, now >= state.slots[state.head].start + window else { return }
            remove(&state, state.head)
        }
    }

    private func append(_ state: inout State, _ slot: Slot) {
        let position: Int
        if let reused = state.free.popLast() {
            position = reused
            state.slots[position] = slot
        } else {
            position = state.slots.count
            state.slots.append(slot)
        }
        if state.tail >= 0 { state.slots[state.tail].next = position } else { state.head = position }
        state.tail = position
        state.index[slot.ip] = position
        tracked.store(state.index.count, ordering: .releasing)
    }

    private func remove(_ state: inout State, _ position: Int) {
        let slot = state.slots[position]
        if slot.previous >= 0 { state.slots[slot.previous].next = slot.next } else { state.head = slot.next }
        if slot.next >= 0 { state.slots[slot.next].previous = slot.previous } else { state.tail = slot.previous }
        state.index[slot.ip] = nil
        state.slots[position].ip = ""
        state.free.append(position)
        tracked.store(state.index.count, ordering: .releasing)
    }
}
