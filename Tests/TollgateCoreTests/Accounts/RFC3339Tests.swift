import Foundation
import Testing

@testable import TollgateCore

@Suite("RFC3339")
struct RFC3339Tests {
    @Test("what parse accepts, format writes back to the same instant")
    func roundTrip() throws {
        for text in [
            "2026-11-22T10:00:00Z", "2027-11-17T10:00:00.250+02:00", "1969-12-31T23:59:59.5-23:59",
            "0000-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "9999-12-31T23:59:59.5Z", "0001-01-01T00:30:00+01:00",
            "2016-12-31T23:59:60Z",
        ] {
            let date = try #require(RFC3339.parse(text), "\(text)")
            #expect(RFC3339.parse(RFC3339.format(date)) == date, "\(text) -> \(RFC3339.format(date))")
        }
    }

    /// Fuzz find (tollgate-fuzz accounts): these parsed to instants outside years 0000-9999, which `format`
    /// wrote as `10000-01-01T00:00:00Z` or `00-1-12-31T...`, so `AccountsWriter` produced a file it then refused.
    @Test(
        "instants outside years 0000-9999 are refused",
        arguments: [
            "9999-12-31T23:59:59.999999999Z", "9999-12-31T23:59:60Z", "9999-12-31T23:30:00-01:00",
            "0000-01-01T00:00:00+00:01", "0000-01-01T00:59:59+01:00",
        ])
    func outOfRange(text: String) {
        #expect(RFC3339.parse(text) == nil)
    }
}
