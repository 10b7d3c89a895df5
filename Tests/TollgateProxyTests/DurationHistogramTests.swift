import Foundation
import Testing

@testable import TollgateProxy

@Suite("Per-worker duration histograms and their exposition")
struct DurationHistogramTests {
    private func text(_ f: DurationFamily) -> String {
        var out: [UInt8] = []
        f.emit(into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    private func sample(_ text: String, _ series: String) -> String? {
        text.split(separator: "\n").first { $0.hasPrefix(series + " ") }.map { String($0.dropFirst(series.count + 1)) }
    }

    @Test("An empty family still declares its type")
    func emptyFamily() {
        let f = DurationFamily(name: "t_seconds", help: "Help.")
        #expect(text(f) == "# HELP t_seconds Help.\n# TYPE t_seconds histogram\n")
    }

    @Test("Buckets are cumulative, le is inclusive, and workers' histograms add up")
    func cumulativeAcrossWorkers() {
        let f = DurationFamily(name: "t_seconds", help: "Help.")
        let w1 = f.histogram(route: "api")
        let w2 = f.histogram(route: "api")
        w1.record(0.0005)  // exactly on a bound: counted in le="0.0005"
        w1.record(0.0007)
        w2.record(0.003)
        w2.record(45)  // above every finite bound: +Inf only
        let t = text(f)
        #expect(sample(t, #"t_seconds_bucket{route="api",le="0.0005"}"#) == "1")
        #expect(sample(t, #"t_seconds_bucket{route="api",le="0.001"}"#) == "2")
        #expect(sample(t, #"t_seconds_bucket{route="api",le="0.0025"}"#) == "2")
        #expect(sample(t, #"t_seconds_bucket{route="api",le="0.005"}"#) == "3")
        #expect(sample(t, #"t_seconds_bucket{route="api",le="30.0"}"#) == "3")
        #expect(sample(t, #"t_seconds_bucket{route="api",le="+Inf"}"#) == "4")
        #expect(sample(t, #"t_seconds_count{route="api"}"#) == "4")
        let sum = Double(sample(t, #"t_seconds_sum{route="api"}"#) ?? "") ?? -1
        #expect(abs(sum - 45.0042) < 1e-9)
    }

    @Test("Routes are separate series, sorted, with escaped labels")
    func routes() throws {
        let f = DurationFamily(name: "t_seconds", help: "Help.")
        f.histogram(route: "z").record(0.01)
        f.histogram(route: #"a"b"#).record(0.01)
        let t = text(f)
        let a = try #require(t.range(of: #"route="a\"b""#))
        let z = try #require(t.range(of: #"route="z""#))
        #expect(a.lowerBound < z.lowerBound)
        #expect(sample(t, #"t_seconds_count{route="z"}"#) == "1")
    }

    @Test("A scrape during recording sees consistent counts (+Inf equals _count, never decreasing)")
    func concurrentScrapes() async {
        let f = DurationFamily(name: "t_seconds", help: "Help.")
        let h = f.histogram(route: "api")
        let writer = Task.detached {
            for i in 0..<200_000 { h.record(Double(i % 7) * 0.001) }
        }
        var last = 0
        for _ in 0..<200 {
            let t = text(f)
            let inf = Int(sample(t, #"t_seconds_bucket{route="api",le="+Inf"}"#) ?? "") ?? -1
            #expect(inf == Int(sample(t, #"t_seconds_count{route="api"}"#) ?? "") ?? -2)
            #expect(inf >= last)
            last = inf
        }
        await writer.value
        #expect(sample(text(f), #"t_seconds_count{route="api"}"#) == "200000")
    }
}
