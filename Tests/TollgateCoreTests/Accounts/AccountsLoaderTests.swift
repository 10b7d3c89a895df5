import Foundation
import Testing

@testable import TollgateCore

/// Crypt hashes of the right shapes (not secrets of anything that matters).
let bcryptHash = "$2y$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"
let sha512CryptHash =
    "$6$saltsalt$TVLlQcbpFVof5W3Yz4DTP6gRstiNuHwwTt6GLc1E5n0U0aDehy0S5knV8wiOQSpT0Y77vwPZN.Pq.H91p5hVO1"
let yescryptHash = "$y$j9T$F5Jx5fExrKuPp53xLKQ..1$X3DX6M94c7o.9agCG9G317fhZg9SqC.5i5rd.RhAtQ7"

@Suite("AccountsLoader: valid files")
struct AccountsLoaderTests {
    @Test("the SPEC example is read field by field")
    func specExample() throws {
        let file = try #require(
            validAccounts(
                """
                groups:
                  bots:        { roles: [reader] }
                  deployers:   { roles: [writer, deployer] }
                accounts:
                  - name: ci-bot                 # DNS label
                    description: "CI pipeline"
                    groups: [bots, deployers]
                    roles: [metrics-reader]
                    disabled: false
                    tokens:
                      - id: ci-2026
                        hash: "\(sha256Text("secret-1"))"
                        intent: api
                        created: 2026-11-22T10:00:00Z
                        expires: 2027-11-17T10:00:00Z
                        extend: 30d
                      - id: legacy
                        hash: '\(bcryptHash)'
                        intent: app-password
                        expires: never
                  - name: nightly
                    disabled: true
                """))
        #expect(
            file.groups == [
                GroupRecord(name: "bots", roles: ["reader"], line: 2),
                GroupRecord(name: "deployers", roles: ["writer", "deployer"], line: 3),
            ])
        #expect(file.accounts.count == 2)
        let bot = file.accounts[0]
        #expect(bot.name == "ci-bot")
        #expect(bot.description == "CI pipeline")
        #expect(bot.groups == ["bots", "deployers"])
        #expect(bot.roles == ["metrics-reader"])
        #expect(bot.disabled == false)
        #expect(bot.line == 5)
        #expect(bot.tokens.count == 2)
        let token = bot.tokens[0]
        #expect(token.id == "ci-2026")
        #expect(token.hash == .sha256(SHA256.hash(Array("secret-1".utf8))))
        #expect(token.intent == .api)
        #expect(token.created == RFC3339.parse("2026-11-22T10:00:00Z"))
        #expect(token.expires == Date(timeIntervalSince1970: 1_826_445_600))
        #expect(token.extend == Double(30 * 86400))
        #expect(token.line == 11)
        #expect(
            bot.tokens[1]
                == TokenRecord(id: "legacy", hash: .crypt(bcryptHash), intent: .appPassword, expires: nil, line: 17))
        #expect(file.accounts[1] == AccountRecord(name: "nightly", disabled: true, line: 21))
    }

    @Test("empty documents hold zero accounts")
    func empty() {
        for yaml in ["", "# nothing yet\n", "accounts: []", "accounts:", "groups: {}\naccounts: []", "groups:\n"] {
            #expect(validAccounts(yaml) == AccountsFile(), "\(yaml)")
        }
    }

    @Test("defaults: intent api, not disabled, no groups, roles or tokens; null lists are empty")
    func defaults() throws {
        let file = try #require(
            validAccounts(
                """
                groups:
                  empty:
                  none: { roles: [] }
                accounts:
                  - name: a
                    roles:
                    tokens:
                  - name: b
                    tokens:
                      - id: t
                        hash: \(sha256Text("b"))
                        expires: never
                """))
        #expect(file.groups.map(\.roles) == [[], []])
        #expect(file.accounts[0] == AccountRecord(name: "a", line: 5))
        #expect(file.accounts[1].tokens[0].intent == .api)
        #expect(file.accounts[1].tokens[0].created == nil)
        #expect(file.accounts[1].tokens[0].extend == nil)
    }

    @Test("uppercase hex is normalised; every crypt kind is accepted")
    func hashes() throws {
        let b2b = bcryptHash.replacingOccurrences(of: "$2y$", with: "$2b$")
        let upper = "sha256:" + SHA256.hex(SHA256.hash(Array("x".utf8))).uppercased()
        let file = try #require(
            validAccounts(
                """
                accounts:
                  - name: a
                    tokens:
                      - { id: up, hash: "\(upper)", expires: never }
                      - { id: b2y, hash: "\(bcryptHash)", expires: never }
                      - { id: b2b, hash: "\(b2b)", expires: never }
                      - { id: six, hash: "\(sha512CryptHash)", expires: never }
                      - { id: rounds, hash: "$6$rounds=5000$saltsalt$\(sha512CryptHash.suffix(86))", expires: never }
                      - { id: yes, hash: "\(yescryptHash)", expires: never }
                """))
        let tokens = file.accounts[0].tokens
        #expect(tokens[0].hash == .sha256(SHA256.hash(Array("x".utf8))))
        #expect(tokens[0].hash.text == sha256Text("x"))
        #expect(tokens[3].hash == .crypt(sha512CryptHash))
        #expect(tokens.count == 6)
    }

    @Test("timestamps: quoted or plain, offsets, fractions, lowercase t")
    func timestamps() throws {
        let file = try #require(
            validAccounts(
                """
                accounts:
                  - name: a
                    tokens:
                      - { id: a, hash: "\(sha256Text("1"))", expires: "2027-11-17T10:00:00Z" }
                      - { id: b, hash: "\(sha256Text("2"))", expires: 2027-11-17T12:00:00+02:00 }
                      - { id: c, hash: "\(sha256Text("3"))", expires: 2027-11-17t10:00:00.250z }
                      - { id: d, hash: "\(sha256Text("4"))", expires: 2027-11-17T05:30:00-04:30 }
                """))
        let expires = file.accounts[0].tokens.map(\.expires)
        let base = Date(timeIntervalSince1970: 1_826_445_600)
        #expect(expires == [base, base, base.addingTimeInterval(0.25), base])
    }

    @Test("the same token id in two accounts is fine; a role may repeat a group's")
    func sameIDElsewhere() {
        #expect(
            validAccounts(
                """
                groups: { g: { roles: [r] } }
                accounts:
                  - name: a
                    groups: [g, g]
                    roles: [r, r]
                    tokens: [{ id: t, hash: "\(sha256Text("1"))", expires: never }]
                  - { name: b, tokens: [{ id: t, hash: "\(sha256Text("2"))", expires: never }] }
                """)?.accounts.first?.groups == ["g"])
    }

    @Test("load reads a file; a missing file is an error without a line")
    func load() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-accounts-\(UUID()).yaml")
            .path
        try "accounts: []\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(try AccountsLoader.load(path: path).get() == AccountsFile())
        guard case .failure(let errors) = AccountsLoader.load(path: path + ".missing") else {
            Issue.record("expected an error")
            return
        }
        #expect(errors.errors.count == 1)
        #expect(errors.errors[0].line == nil)
        #expect(errors.errors[0].message.contains("cannot read the file"))
    }
}
