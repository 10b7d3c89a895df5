import Synchronization

/// Publishes the current `ProxySnapshot` to every worker. Workers check the generation (one relaxed atomic load)
/// per request and take the lock only when it changed, so the hot path takes no lock.
public final class SnapshotStore: Sendable {
    private let current: Mutex<ProxySnapshot>
    private let generation: Atomic<Int>

    /// Starts with `initial`.
    public init(_ initial: ProxySnapshot) {
        current = Mutex(initial)
        generation = Atomic(initial.generation)
    }

    /// The generation in force.
    public var currentGeneration: Int { generation.load(ordering: .acquiring) }

    /// The snapshot in force.
    public func load() -> ProxySnapshot { current.withLock { $0 } }

    /// Replaces the snapshot atomically; requests in flight keep the one they hold.
    public func publish(_ snapshot: ProxySnapshot) {
        current.withLock { $0 = snapshot }
        generation.store(snapshot.generation, ordering: .releasing)
    }
}
