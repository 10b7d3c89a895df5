import TollgateEventLoop

/// Where every finished request ends: its access-log line and its metrics come from the same record, so the
/// two always agree. Thread rule: one per worker, used only on that worker's loop.
final class Reporter {
    private let log: AccessLog
    private let metrics: WorkerMetrics
    private var formatter = AccessLineFormatter()

    init(log: AccessLog, metrics: WorkerMetrics) {
        self.log = log
        self.metrics = metrics
    }

    /// Logs and counts one finished request.
    func write(_ r: AccessRecord) {
        metrics.record(r)
        log.write(r, with: &formatter)
    }

    /// Sends a locally generated answer and reports it with its status, body size and duration.
    func answer(_ response: LocalResponse, record: AccessRecord, start: Double, on connection: ServerConnection) {
        let r = record
        r.status = response.status
        r.bytesOut = Int64(response.body.count)
        connection.respond(response)
        r.durationMs = (Monotonic.now() - start) * 1000
        write(r)
    }
}
