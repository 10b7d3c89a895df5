import Foundation
import TollgateEventLoop

/// Hands finished log lines to a writer thread, so an event loop never blocks on stdout (a full pipe, a slow
/// log collector). Lines are appended whole under a short lock and written in batches: the writer wakes every
/// `interval` or when `wakeBytes` are waiting, so a request costs no wake-up system call (signalling per
/// line cost three futex calls and a context switch per request). When more than `limit` bytes wait, new
/// lines are dropped and counted rather than stalling requests or growing without bound. Thread-safe.
final class LogSink: @unchecked Sendable {
    private let fd: Int32
    private let limit: Int
    private let wakeBytes = 64 << 10
    private let interval = 0.02
    private let condition = NSCondition()
    /// Guarded by `condition`.
    private var pending: [UInt8] = []
    private var writing = false
    /// The writer sleeps without a timeout (nothing logged for a while) and must be signalled.
    private var idle = false
    private var droppedLines = 0
    private var started = false

    /// A sink writing to `fd` (1 = stdout), holding at most `limit` unwritten bytes.
    init(fd: Int32 = 1, limit: Int = 8 << 20) {
        self.fd = fd
        self.limit = limit
    }

    /// Lines dropped because the writer fell more than `limit` bytes behind.
    var dropped: Int {
        condition.lock()
        defer { condition.unlock() }
        return droppedLines
    }

    /// Queues one complete line (with its newline).
    func append(_ line: UnsafeRawBufferPointer) {
        condition.lock()
        if !started {
            started = true
            let t = Thread { [self] in
                EventLoop.nameThread("tg-log")
                self.drainForever()
            }
            t.name = "tg-log"
            t.stackSize = 256 << 10
            t.start()
        }
        if pending.count + line.count > limit {
            droppedLines += 1
        } else {
            pending.append(contentsOf: line)
            if idle {
                idle = false
                condition.signal()
            } else if pending.count >= wakeBytes {
                condition.signal()
            }
        }
        condition.unlock()
    }

    /// Waits up to `timeout` seconds until everything queued is written (exit, drain).
    func flush(timeout: Double) {
        let deadline = Date(timeIntervalSinceNow: timeout)
        condition.lock()
        while !pending.isEmpty || writing {
            condition.signal()
            if !condition.wait(until: min(deadline, Date(timeIntervalSinceNow: interval))) && Date() >= deadline {
                break
            }
        }
        condition.unlock()
    }

    private func drainForever() {
        var batch: [UInt8] = []
        while true {
            condition.lock()
            writing = false
            condition.broadcast()
            if pending.isEmpty {
                // Under load the next lines come within `interval`; otherwise sleep until signalled.
                _ = condition.wait(until: Date(timeIntervalSinceNow: interval))
                while pending.isEmpty {
                    idle = true
                    condition.wait()
                }
                idle = false
            } else if pending.count < wakeBytes {
                // Let a batch gather: at most `interval` of lines per write(2).
                _ = condition.wait(until: Date(timeIntervalSinceNow: interval))
            }
            writing = true
            swap(&batch, &pending)
            condition.unlock()
            batch.withUnsafeBytes { Self.writeAll(fd, $0) }
            batch.removeAll(keepingCapacity: batch.capacity <= 1 << 20)
        }
    }

    /// Writes all of `bytes` to `fd`, retrying on EINTR; gives up silently on an error (a log must not stop the
    /// process).
    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) {
        var off = 0
        while off < bytes.count {
            let n = Foundation.write(fd, bytes.baseAddress! + off, bytes.count - off)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            off += n
        }
    }
}
