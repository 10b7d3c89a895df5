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

    /// Replaces the snapshot atomically; requests in flight keep the one they hold.
    public func publish(_ snapshot: ProxySnapshot) {
        lock.withLock { current = snapshot }
        generation.store(snapshot.generation, ordering: .releasing)
    }
}
