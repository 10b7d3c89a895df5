import Foundation
import Testing
@testable import TollgateProxy

@Suite("AccessLineFormatter")
struct AccessLineFormatterTests {
    private func line(_ r: AccessRecord, sec: Int = 1_795_541_095, nsec: Int = 359_000_000,
                      formatter: inout AccessLineFormatter) -> String {
        formatter.format(r, now: timespec(tv_sec: sec, tv_nsec: nsec)) { String(decoding: $0, as: UTF8.self) }
    }

    private func record(path: String = "/api/x", account: String? = "ci-bot", durationMs: Double = 0.188,
                        upstreamMs: Double? = 0.5) -> AccessRecord {
        AccessRecord(requestID: "abc", client: "127.0.0.1", method: "GET", path: path, route: "api",
                     account: account, tokenID: account == nil ? nil : "t1", decision: "allow", status: 200,
                     bytesOut: 1234, durationMs: durationMs, upstreamMs: upstreamMs)
    }

    @Test("a line is one JSON object with every SPEC §10 field, values as given")
    func fields() throws {
        var f = AccessLineFormatter()
        let text = line(record(), formatter: &f)
        #expect(text.hasSuffix("}\n"))
        #expect(text.filter { $0 == "\n" }.count == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(object["ts"] as? String == "2026-11-24T17:24:55.359Z")
        #expect(object["request_id"] as? String == "abc")
        #expect(object["path"] as? String == "/api/x")
        #expect(object["account"] as? String == "ci-bot")
        #expect(object["status"] as? Int == 200)
        #expect(object["bytes_out"] as? Int == 1234)
        #expect(object["duration_ms"] as? Double == 0.188)
        #expect(object["upstream_ms"] as? Double == 0.5)
        #expect(Set(object.keys) == ["ts", "request_id", "client", "method", "path", "route", "account", "token_id",
                                     "decision", "status", "bytes_out", "duration_ms", "upstream_ms"])
    }

    @Test("absent values are null")
    func nulls() throws {
        var f = AccessLineFormatter()
        let text = line(record(account: nil, upstreamMs: nil), formatter: &f)
        #expect(text.contains("\"account\":null,\"token_id\":null"))
        #expect(text.contains("\"upstream_ms\":null}"))
    }

    @Test("quotes, backslashes, control bytes and non-ASCII survive a JSON round trip", arguments: [
        "/a\"b", "/a\\b", "/a\u{1}b\u{7f}", "/tab\there\nnl\rcr", "/ünï/日本", "%zz\"\\",
        // Longer than the line buffer's first 512 bytes, escapes throughout: it grows mid-string.
        String(repeating: "/seg\u{1f}\"ü", count: 400),
    ])
    func escaping(_ path: String) throws {
        var f = AccessLineFormatter()
        let text = line(record(path: path), formatter: &f)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(object["path"] as? String == path)
        #expect(!text.dropLast().contains("\n"), "a raw newline would split the line")
    }

    @Test("milliseconds: three decimals at most, trailing zeros dropped, one kept", arguments: [
        (0.188, "0.188"), (1.0, "1.0"), (12.5, "12.5"), (0.0004, "0.0"), (0.0005, "0.001"), (0.05, "0.05"),
        (3000.007, "3000.007"), (0.1, "0.1"), (0.01, "0.01"),
    ])
    func milliseconds(_ value: Double, _ expected: String) {
        var f = AccessLineFormatter()
        let text = line(record(durationMs: value), formatter: &f)
        #expect(text.contains("\"duration_ms\":\(expected),"), "\(text)")
    }

    @Test("the cached date part follows the clock across seconds, days and years")
    func timestampCache() throws {
        var f = AccessLineFormatter()
        let cases: [(Int, Int, String)] = [
            (1_795_541_095, 1_000_000, "2026-11-24T17:24:55.001Z"),
            (1_795_541_095, 999_000_000, "2026-11-24T17:24:55.999Z"),
            (1_795_541_096, 0, "2026-11-24T17:24:56.000Z"),
            (1_798_761_599, 500_000_000, "2026-12-31T23:59:59.500Z"),
            (1_798_761_600, 42_000_000, "2027-01-01T00:00:00.042Z"),
        ]
        for (sec, nsec, expected) in cases {
            let text = line(record(), sec: sec, nsec: nsec, formatter: &f)
            #expect(text.hasPrefix("{\"ts\":\"\(expected)\""), "\(text)")
        }
    }
}
