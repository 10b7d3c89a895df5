import Foundation
import Testing

@testable import TollgateCore

@Suite("SecretDigestMemo: the last secret's digest, never a verdict")
struct SecretDigestMemoTests {
    @Test("every digest is the secret's own, whatever was hashed before (same length, one byte apart, empty)")
    func digestsAreExact() {
        let memo = SecretDigestMemo()
        let secrets: [[UInt8]] = [
            Array("tok-aaaa".utf8), Array("tok-aaaa".utf8), Array("tok-aaab".utf8), Array("tok-aaaa".utf8),
            Array("tok-aaa".utf8), [], [], Array("x".utf8), Array(repeating: 0, count: 64),
        ]
        for secret in secrets {
            #expect(memo.digest(of: secret) == SHA256.digest(secret))
        }
    }

    @Test("a table searched through the memo: the other token of the same length, then a reloaded table without it")
    func tableThroughMemo() throws {
        let later = testNow.addingTimeInterval(86400)
        let memo = SecretDigestMemo()
        let file = AccountsFile(groups: [], accounts: [
            AccountRecord(name: "a", tokens: [sha256Token("a1", secret: "secret-one", expires: later)]),
            AccountRecord(name: "b", tokens: [sha256Token("b1", secret: "secret-two", expires: later)]),
        ])
        let table = TokenTable(file: file, generation: 1)
        func who(_ t: TokenTable, _ secret: String) -> String? {
            try? t.authenticate(bearer(secret), now: testNow, lastUse: nil, crypt: nil, digests: memo).get().account
        }
        #expect(who(table, "secret-one") == "a")
        #expect(who(table, "secret-one") == "a")
        #expect(who(table, "secret-two") == "b")
        #expect(who(table, "secret-twp") == nil)
        #expect(who(table, "secret-one") == "a")
        // The same secret again, against a table that no longer has it: refused (only the digest was kept).
        let reloaded = TokenTable(file: AccountsFile(groups: [], accounts: [file.accounts[1]]), generation: 2)
        #expect(who(reloaded, "secret-one") == nil)
        #expect(who(reloaded, "secret-two") == "b")
    }
}
