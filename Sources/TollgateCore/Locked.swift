import Foundation

/// A value behind a pthread mutex (NSLock), with Mutex's `withLock` shape. Used instead of
/// Synchronization.Mutex because that one is futex-based on Linux and invisible to ThreadSanitizer, which then
/// reports false races in the concurrency tests that CI runs under TSan.
public final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    /// Wraps `value`.
    public init(_ value: Value) { self.value = value }

    /// Runs `body` with exclusive access to the value.
    public func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
