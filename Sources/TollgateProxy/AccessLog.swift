import Foundation
import Synchronization
import TollgateCore

/// One access-log record (SPEC §10). Never holds a secret.
final class AccessRecord {
    var requestID: String
    var client: String
    var method: String
    var path: String
    var route: String?
    var account: String?
    var tokenID: String?
    var decision: String
    var status: Int
    var bytesOut: Int64
    var durationMs: Double
    var upstreamMs: Double?
    /// Why authentication failed (metrics only; never logged: every 401 looks the same).
    var authFailure: AuthFailure? = nil

    /// A class: one per request, filled in as the request goes and shared with its completion (a struct was
    /// copied field by field into the closure and again out of it).
    init(requestID: String, client: String, method: String, path: String, route: String?, account: String?,
         tokenID: String?, decision: String, status: Int, bytesOut: Int64, durationMs: Double, upstreamMs: Double?) {
        self.requestID = requestID
        self.client = client
        self.method = method
        self.path = path
        self.route = route
        self.account = account
        self.tokenID = tokenID
        self.decision = decision
        self.status = status
        self.bytesOut = bytesOut
        self.durationMs = durationMs
        self.upstreamMs = upstreamMs
    }
}

/// Writes one JSON object per line on stdout through a `LogSink`: lines are whole and never interleave, and
/// the event loops never wait for stdout. Thread-safe.
final class AccessLog: Sendable {
    private let enabled: Atomic<Bool>
    let sink: LogSink

    init(enabled: Bool, sink: LogSink = LogSink()) {
        self.enabled = Atomic(enabled)
        self.sink = sink
    }

    /// Turns logging on or off (reload).
    func setEnabled(_ on: Bool) { enabled.store(on, ordering: .relaxed) }

    /// Whether access logging is on (read per request).
    var isEnabled: Bool { enabled.load(ordering: .relaxed) }

    /// Formats `r` with the caller's (per-worker) formatter and queues the line.
    func write(_ r: AccessRecord, with formatter: inout AccessLineFormatter) {
        guard isEnabled else { return }
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        formatter.format(r, now: now) { sink.append($0) }
    }

    /// RFC 3339 UTC with milliseconds.
    static func timestamp() -> String {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        var t = time_t(ts.tv_sec)
        var parts = tm()
        gmtime_r(&t, &parts)
        func pad(_ v: Int32, _ w: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, w - s.count)) + s
        }
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2))."
            + "\(pad(Int32(ts.tv_nsec / 1_000_000), 3))Z"
    }
}
