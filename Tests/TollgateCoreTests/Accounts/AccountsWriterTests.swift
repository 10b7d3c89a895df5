import Foundation
import Testing

@testable import TollgateCore

@Suite("AccountsWriter")
struct AccountsWriterTests {
    /// `file` with every `line` set to 0, to compare a parsed file with one built in code.
    private func withoutLines(_ file: AccountsFile) -> AccountsFile {
        var copy = file
        for index in copy.groups.indices { copy.groups[index].line = 0 }
        for index in copy.accounts.indices {
            copy.accounts[index].line = 0
            for token in copy.accounts[index].tokens.indices { copy.accounts[index].tokens[token].line = 0 }
        }
        return copy
    }

    private func roundTrip(_ file: AccountsFile, sourceLocation: SourceLocation = #_sourceLocation) {
        let text = AccountsWriter.render(file)
        guard let parsed = validAccounts(text, sourceLocation: sourceLocation) else {
            Issue.record("rendered:\n\(text)", sourceLocation: sourceLocation)
            return
        }
        #expect(withoutLines(parsed) == withoutLines(file), "rendered:\n\(text)", sourceLocation: sourceLocation)
        #expect(AccountsWriter.render(parsed) == text, sourceLocation: sourceLocation)
    }

    @Test("a full file round-trips")
    func full() {
        let file = AccountsFile(
            groups: [
                GroupRecord(name: "bots", roles: ["reader"]),
                GroupRecord(name: "empty"),
                GroupRecord(name: "ns:team.a_b-c", roles: ["null", "true", "1", "-x", "a:b", "y"]),
                GroupRecord(name: "123", roles: [".inf"]),
            ],
            accounts: [
                AccountRecord(
                    name: "ci-bot", description: "CI \"pipeline\"\n\ttabs \\ ünïcødé \u{1}\u{2028}",
                    groups: ["bots", "ns:team.a_b-c"], roles: ["metrics-reader"],
                    tokens: [
                        TokenRecord(
                            id: "ci-2026", hash: .sha256(SHA256.hash(Array("s".utf8))), intent: .api,
                            created: RFC3339.parse("2026-11-22T10:00:00Z"),
                            expires: RFC3339.parse("2027-11-17T10:00:00Z"),
                            extend: 30 * 86400),
                        TokenRecord(
                            id: "legacy", hash: .crypt(sha512CryptHash), intent: .appPassword, expires: nil,
                            extend: 5400),
                        TokenRecord(
                            id: "frac", hash: .crypt(bcryptHash),
                            created: Date(timeIntervalSince1970: 1_800_000_000.125),
                            expires: Date(timeIntervalSince1970: 1_800_000_001.5), extend: 0.25),
                    ]),
                AccountRecord(name: "off", description: "", disabled: true),
                AccountRecord(name: "0", groups: ["123"]),
            ])
        roundTrip(file)
    }

    @Test("empty file")
    func empty() {
        #expect(AccountsWriter.render(AccountsFile()) == "groups: {}\naccounts: []\n")
        roundTrip(AccountsFile())
    }

    @Test("the canonical layout")
    func layout() {
        let file = AccountsFile(
            groups: [GroupRecord(name: "bots", roles: ["reader", "null"])],
            accounts: [
                AccountRecord(
                    name: "ci-bot", groups: ["bots"],
                    tokens: [
                        sha256Token("t1", secret: "x", expires: RFC3339.parse("2027-11-17T10:00:00Z"), extend: 86400)
                    ])
            ])
        #expect(
            AccountsWriter.render(file) == """
                groups:
                  bots: { roles: [reader, "null"] }
                accounts:
                  - name: ci-bot
                    groups: [bots]
                    tokens:
                      - id: t1
                        hash: "\(sha256Text("x"))"
                        intent: api
                        expires: 2027-11-17T10:00:00Z
                        extend: 1d

                """)
    }

    @Test("durations use the largest exact unit")
    func durations() {
        #expect(AccountsWriter.duration(30 * 86400) == "30d")
        #expect(AccountsWriter.duration(36 * 3600) == "36h")
        #expect(AccountsWriter.duration(90 * 60) == "90m")
        #expect(AccountsWriter.duration(45) == "45s")
        #expect(AccountsWriter.duration(1.5) == "1500ms")
        #expect(AccountsWriter.duration(0.001) == "1ms")
    }

    @Test("RFC 3339 formatting reads back exactly")
    func timestamps() {
        #expect(RFC3339.format(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00Z")
        #expect(RFC3339.format(Date(timeIntervalSince1970: 951_782_400)) == "2000-02-29T00:00:00Z")
        #expect(RFC3339.format(Date(timeIntervalSince1970: 1_800_000_000.5)) == "2027-01-15T08:00:00.5Z")
        #expect(RFC3339.format(Date(timeIntervalSince1970: -1)) == "1969-12-31T23:59:59Z")
        for seconds in [0.0, 1.001, 1_234_567_890.123, 4_102_444_799.999, 1_700_000_000.000_001] {
            let date = Date(timeIntervalSince1970: seconds)
            #expect(RFC3339.parse(RFC3339.format(date)) == date, "\(seconds)")
        }
    }
}
