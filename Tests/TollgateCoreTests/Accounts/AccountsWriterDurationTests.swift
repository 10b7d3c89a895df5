import Testing

@testable import TollgateCore

/// Fuzz find (tollgate-fuzz accounts): `extend: 1515ms` reads as 1515 × 0.001 s, which is not a whole number of
/// milliseconds in a Double, so the writer fell back to `1.5150000000000001s`, which the loader refuses: every
/// `tollgate account`/`token` command that rewrote such a file made it unreadable.
@Suite("AccountsWriter.duration reads back")
struct AccountsWriterDurationTests {
    @Test(
        "every duration the parser accepts is written so that it reads back to the same seconds",
        arguments: ["1515ms", "9ms", "13ms", "1100ms", "0.3ms", "0.00001s", "1.7m", "2.5h", "0.1d", "12345678901234ms"])
    func readsBack(text: String) throws {
        let seconds = try #require(DurationParser.parse(text))
        let written = AccountsWriter.duration(seconds)
        #expect(DurationParser.parse(written) == seconds, "\(text) -> \(written)")
    }

    @Test("whole units stay as they were")
    func wholeUnits() {
        #expect(AccountsWriter.duration(DurationParser.parse("1515ms")!) == "1515ms")
        #expect(AccountsWriter.duration(DurationParser.parse("0.3ms")!) == "0.3ms")
        #expect(AccountsWriter.duration(90) == "90s")
    }
}
