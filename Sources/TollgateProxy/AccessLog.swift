import Foundation
import Synchronization

/// One access-log record (SPEC §10). Never holds a secret.
struct AccessRecord {
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
}

/// Writes one JSON object per line on stdout. Each line goes out in one write(2), so lines from different
/// workers never interleave. Thread-safe.
final class AccessLog: Sendable {
    private let enabled: Atomic<Bool>

    init(enabled: Bool) { self.enabled = Atomic(enabled) }

    /// Turns logging on or off (reload).
    func setEnabled(_ on: Bool) { enabled.store(on, ordering: .relaxed) }

    func write(_ r: AccessRecord) {
        guard enabled.load(ordering: .relaxed) else { return }
        var line = "{\"ts\":\(JSONText.quote(Self.timestamp()))"
        line += ",\"request_id\":\(JSONText.quote(r.requestID))"
        line += ",\"client\":\(JSONText.quote(r.client))"
        line += ",\"method\":\(JSONText.quote(r.method))"
        line += ",\"path\":\(JSONText.quote(r.path))"
        line += ",\"route\":\(JSONText.quoteOrNull(r.route))"
        line += ",\"account\":\(JSONText.quoteOrNull(r.account))"
        line += ",\"token_id\":\(JSONText.quoteOrNull(r.tokenID))"
        line += ",\"decision\":\(JSONText.quote(r.decision))"
        line += ",\"status\":\(r.status)"
        line += ",\"bytes_out\":\(r.bytesOut)"
        line += ",\"duration_ms\":\(Self.ms(r.durationMs))"
        line += ",\"upstream_ms\":\(r.upstreamMs.map(Self.ms) ?? "null")}\n"
        var bytes = Array(line.utf8)
        bytes.withUnsafeMutableBytes { raw in
            var off = 0
            while off < raw.count {
                let n = Foundation.write(1, raw.baseAddress! + off, raw.count - off)
                if n <= 0 { break }
                off += n
            }
        }
    }

    private static func ms(_ v: Double) -> String {
        String(Double(Int((v * 1000).rounded())) / 1000)
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
