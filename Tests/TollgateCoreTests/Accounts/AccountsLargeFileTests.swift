import Foundation
import Testing

@testable import TollgateCore

@Suite("AccountsLoader: a large file, read one account at a time")
struct AccountsLargeFileTests {
    /// `accounts` accounts of `perAccount` tokens each, as the performance issue's generator writes them.
    private func document(accounts: Int, perAccount: Int) -> String {
        var lines = ["groups:", "  readers: { roles: [reader] }", "accounts:"]
        lines.reserveCapacity(3 + accounts * (3 + perAccount * 3))
        for account in 0..<accounts {
            lines.append("  - name: bot-\(account)")
            lines.append("    groups: [readers]")
            lines.append("    tokens:")
            for token in 0..<perAccount {
                lines.append("      - id: t\(token)")
                lines.append("        hash: \"\(sha256Text("secret-\(account)-\(token)"))\"")
                lines.append("        expires: never")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    @Test("100,000 tokens: every account and token is read, with its line, and the table finds them")
    func hundredThousandTokens() throws {
        let file = try #require(validAccounts(document(accounts: 10_000, perAccount: 10)))
        #expect(file.groups == [GroupRecord(name: "readers", roles: ["reader"], line: 2)])
        #expect(file.accounts.count == 10_000)
        #expect(file.accounts.reduce(0) { $0 + $1.tokens.count } == 100_000)
        // Account n starts on line 4 + 33n; its token k on the line after its `tokens:` plus 3k.
        let last = file.accounts[9_999]
        #expect(last.name == "bot-9999" && last.line == 4 + 33 * 9_999 && last.groups == ["readers"])
        #expect(last.tokens[7].id == "t7" && last.tokens[7].line == last.line + 3 + 3 * 7)
        #expect(last.tokens[7].hash == .sha256(SHA256.hash(Array("secret-9999-7".utf8))))
        #expect(last.tokens[7].expires == nil)

        let table = TokenTable(file: file, generation: 1)
        #expect(table.accountCount == 10_000 && table.tokenCount == 100_000)
        let identity = try table.authenticate(
            bearer("secret-4321-5"), now: testNow, lastUse: nil, crypt: nil
        ).get()
        #expect(identity.account == "bot-4321" && identity.tokenID == "t5" && identity.roles == ["reader"])
        #expect(table.authenticate(bearer("secret-10000-0"), now: testNow, lastUse: nil, crypt: nil) == .failure(.unknown))
    }

    @Test("the checkpoint is called every 32 parse events and once per account put in a table; the result is the same")
    func checkpoints() throws {
        // A token is 8 events (its mapping's start and end, 3 keys, 3 values), an account 11 more: 3,500 events.
        let yaml = document(accounts: 100, perAccount: 3)
        var parseCalls = 0
        let paced = try AccountsLoader.parse(yaml: yaml, path: accountsPath) { parseCalls += 1 }.get()
        #expect(paced == validAccounts(yaml))
        #expect(parseCalls >= 100 * 3 * 8 / YAMLEventParser.checkpointEvery)
        #expect(parseCalls <= 2 * 100 * (6 + 3 * 8) / YAMLEventParser.checkpointEvery)

        var tableCalls = 0
        let table = TokenTable(file: paced, generation: 1) { tableCalls += 1 }
        #expect(tableCalls == 100 && table.tokenCount == 300)
        // A file with an error still calls it, and still reports the error.
        var errorCalls = 0
        let broken = yaml.replacingOccurrences(of: "  - name: bot-99\n", with: "  - name: Bot_99\n")
        guard case .failure(let errors) = AccountsLoader.parse(yaml: broken, path: accountsPath, checkpoint: {
            errorCalls += 1
        }) else { Issue.record("expected an error"); return }
        #expect(errors.errors.count == 1 && errorCalls == parseCalls)
    }

    @Test("an error deep in a large file is reported with its line, and a YAML error replaces every other one")
    func errorsDeepInTheFile() {
        var yaml = document(accounts: 2_000, perAccount: 2)
        yaml = yaml.replacingOccurrences(of: "name: bot-1500\n", with: "name: Bot-1500\n")
        expectSingleAccountError(yaml, line: 4 + 9 * 1_500, "'Bot-1500' is not a valid account name")
        let broken = yaml + "  - { name: x, name: y }\n"
        let errors = accountErrors(broken)
        #expect(errors.count == 1 && errors.first?.message.contains("duplicate key 'name'") == true, "\(errors)")
    }

    @Test("an alias may name an anchor of an earlier account; a list before groups: still sees every group")
    func anchorsAndOrder() throws {
        let file = try #require(
            validAccounts(
                """
                groups: { g: { roles: [r] }, h: {} }
                accounts:
                  - { name: a, groups: &both [g, h] }
                  - { name: b, groups: *both }
                """))
        #expect(file.accounts.map(\.groups) == [["g", "h"], ["g", "h"]])
        let later = try #require(validAccounts("accounts:\n  - { name: a, groups: [g] }\ngroups: { g: {} }"))
        #expect(later.accounts[0].groups == ["g"])
        expectSingleAccountError("accounts:\n  - { name: a, groups: *none }", line: 2, "found undefined alias")
    }

    @Test("on one line, top-level key errors still come first")
    func topLevelErrorsFirst() {
        let errors = accountErrors("{groups: {Bad: {}}, accounts: [{name: Bad}], extra: 1}")
        #expect(errors.map { String($0.message.prefix(13)) } == ["unknown key '", "'Bad' is not ", "accounts[0].n"], "\(errors)")
    }
}
