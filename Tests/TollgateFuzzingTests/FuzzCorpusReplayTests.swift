import Foundation
import Testing
import TollgateFuzzing

/// Every seed input under `Fuzz/corpus/<harness>/` (the interesting inputs, and every crash the fuzzer found)
/// goes through its harness's properties on each `swift test`, without libFuzzer.
@Suite("Fuzz corpus replay")
struct FuzzCorpusReplayTests {
    /// `Fuzz/corpus` in the package, found from this file.
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fuzz/corpus")

    @Test("every seed input keeps every property", arguments: FuzzHarness.allCases)
    func replay(_ harness: FuzzHarness) throws {
        let folder = Self.corpus.appendingPathComponent(harness.rawValue)
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { !$0.hasPrefix(".") }
            .sorted()
        #expect(names.count >= 5, "too few seeds for \(harness.rawValue)")
        for name in names {
            let data = try Data(contentsOf: folder.appendingPathComponent(name))
            do {
                try harness.check(Array(data))
            } catch {
                Issue.record("\(harness.rawValue)/\(name): \(error)")
            }
        }
    }
}
