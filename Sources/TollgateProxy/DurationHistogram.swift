import Synchronization
import TollgateCore

/// One route's durations on one worker: written by that worker's thread only, read by scrapes on another.
/// With one writer, an observation is a relaxed load and store per field (no lock, no read-modify-write
/// instruction); a scrape reads each field once. Counts are kept per bucket (not cumulative) and summed when
/// rendered, so a scrape's `+Inf` bucket always equals its `_count`; `_sum` may lag the counts by the
/// observation being recorded at that instant, which the Prometheus text format tolerates.
final class WorkerHistogram: Sendable {
    /// Upper bounds (`le`) of the finite buckets, ascending; the last count is the `+Inf` overflow.
    static let bounds = ProxyMetrics.durationBuckets
    private let counts: InlineArray<16, Atomic<UInt64>>
    private let sumBits: Atomic<UInt64>

    init() {
        precondition(Self.bounds.count == 15, "bucket count changed: resize `counts`")
        counts = InlineArray { _ in Atomic(0) }
        sumBits = Atomic((0.0 as Double).bitPattern)
    }

    /// Records one duration in seconds. Its worker's thread only.
    func record(_ seconds: Double) {
        let bounds = Self.bounds
        var i = 0
        while i < bounds.count && seconds > bounds[i] { i += 1 }
        counts[i].store(counts[i].load(ordering: .relaxed) &+ 1, ordering: .relaxed)
        let sum = Double(bitPattern: sumBits.load(ordering: .relaxed)) + seconds
        sumBits.store(sum.bitPattern, ordering: .relaxed)
    }

    /// Adds this histogram's per-bucket counts to `into` (16 entries) and returns its sum. Any thread.
    func read(into: inout [UInt64]) -> Double {
        for i in 0..<16 { into[i] &+= counts[i].load(ordering: .relaxed) }
        return Double(bitPattern: sumBits.load(ordering: .relaxed))
    }
}

/// A histogram family labelled by route (`tollgate_request_duration_seconds`, `…upstream_duration_seconds`):
/// each worker registers its own `WorkerHistogram` per route once, and a scrape adds them up. Thread-safe.
final class DurationFamily: Sendable {
    let name: String
    let help: String
    /// Route label → the workers' histograms for it.
    private let series = Locked<[String: [WorkerHistogram]]>([:])

    init(name: String, help: String) {
        self.name = name
        self.help = help
    }

    /// A new histogram for one worker's observations of `route`, counted in every later scrape.
    func histogram(route: String) -> WorkerHistogram {
        let h = WorkerHistogram()
        series.withLock { $0[route, default: []].append(h) }
        return h
    }

    /// The family in the Prometheus text format: HELP and TYPE, then per route (sorted) the cumulative
    /// buckets, `+Inf`, `_sum` and `_count`.
    func emit(into out: inout [UInt8]) {
        var text = "# HELP \(name) \(help)\n# TYPE \(name) histogram\n"
        let routes = series.withLock { $0 }
        for route in routes.keys.sorted() {
            var counts = [UInt64](repeating: 0, count: 16)
            var sum = 0.0
            for h in routes[route] ?? [] { sum += h.read(into: &counts) }
            let label = "route=\"" + ProxyMetrics.labelValue(route) + "\""
            var cumulative: UInt64 = 0
            for (i, bound) in WorkerHistogram.bounds.enumerated() {
                cumulative &+= counts[i]
                text += "\(name)_bucket{\(label),le=\"\(bound)\"} \(cumulative)\n"
            }
            cumulative &+= counts[15]
            text += "\(name)_bucket{\(label),le=\"+Inf\"} \(cumulative)\n"
            text += "\(name)_sum{\(label)} \(sum)\n"
            text += "\(name)_count{\(label)} \(cumulative)\n"
        }
        out.append(contentsOf: text.utf8)
    }
}
