import Foundation
import Synchronization

/// Publishes the current `ProxySnapshot` to every worker. Workers check the generation (one relaxed atomic load)
/// per request and take the lock only when it changed, so the hot path takes no lock. The lock is a pthread
/// mutex (NSLock) rather than Synchronization.Mutex so that ThreadSanitizer sees the happens-before edge of a
/// publication (the futex-based Mutex is not instrumented on Linux and yields false race reports).
public final class SnapshotStore: @unchecked Sendable {
    private let lock = NSLock()
    private var current: ProxySnapshot
    private let generation: Atomic<Int>

    /// Starts with `initial`.
    public init(_ initial: ProxySnapshot) {
        current = initial
        generation = Atomic(initial.generation)
    }

    /// The generation in force.
    public var currentGeneration: Int { generation.load(ordering: .acquiring) }

    /// The snapshot in force.
    public func load() -> ProxySnapshot { lock.withLock { current } }

    /// Replaced snapshots, kept until `releaseRetired()` so that a large token table is freed by the reload
    /// thread rather than by the worker that happens to drop the last reference.
    private var retired: [ProxySnapshot] = []

    /// Replaces the snapshot atomically; requests in flight keep the one they hold.
    public func publish(_ snapshot: ProxySnapshot) {
        lock.withLock {
            retired.append(current)
            current = snapshot
        }
        generation.store(snapshot.generation, ordering: .releasing)
    }

    /// Drops the replaced snapshots (freed here unless a worker still holds one).
    public func releaseRetired() {
        let old = lock.withLock { () -> [ProxySnapshot] in
            let r = retired
            retired = []
            return r
        }
        _ = old
    }
}
