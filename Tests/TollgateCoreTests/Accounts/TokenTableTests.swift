import Foundation
import Synchronization
import Testing

@testable import TollgateCore

/// A crypt verifier that counts calls; `secret` matches hashes named `match:<secret>` (and only those).
final class CountingCrypt: CryptVerifier {
    private let calls = Mutex<[String]>([])

    func verify(secret: [UInt8], hash: String) -> Bool {
        calls.withLock { $0.append(hash) }
        return hash == "$6$" + String(decoding: secret, as: UTF8.self)
    }

    /// Hashes verified so far.
    var verified: [String] { calls.withLock { $0 } }
}

@Suite("TokenTable.authenticate")
struct TokenTableTests {
    private let later = testNow.addingTimeInterval(86400)

    private func table(_ accounts: [AccountRecord], groups: [GroupRecord] = []) -> TokenTable {
        TokenTable(file: AccountsFile(groups: groups, accounts: accounts), generation: 1)
    }

    private func auth(
        _ table: TokenTable, _ credential: Credential, now: Date = testNow, lastUse: LastUseStore? = nil,
        crypt: CryptVerifier? = nil
    ) -> Result<Identity, AuthFailure> {
        table.authenticate(credential, now: now, lastUse: lastUse, crypt: crypt)
    }

    @Test("Bearer and Basic find a sha256 token; identity carries groups and roles (direct + via groups)")
    func success() throws {
        let t = table(
            [
                AccountRecord(
                    name: "ci-bot", groups: ["deployers", "bots", "bots"], roles: ["metrics-reader", "reader"],
                    tokens: [sha256Token("ci-2026", secret: "tok-1", expires: later, intent: .appPassword)])
            ],
            groups: [
                GroupRecord(name: "bots", roles: ["reader"]),
                GroupRecord(name: "deployers", roles: ["writer", "deployer"]),
                GroupRecord(name: "unused", roles: ["admin"]),
            ])
        let expected = Identity(
            account: "ci-bot", tokenID: "ci-2026", groups: ["bots", "deployers"],
            roles: ["deployer", "metrics-reader", "reader", "writer"], intent: .appPassword)
        #expect(try auth(t, bearer("tok-1")).get() == expected)
        #expect(try auth(t, basic("ci-bot", "tok-1")).get() == expected)
        #expect(t.accountCount == 1)
        #expect(t.tokenCount == 1)
        #expect(t.generation == 1)
    }

    @Test("unknown secrets; Basic with another account's token is wrongAccount")
    func failures() {
        let t = table([
            AccountRecord(name: "a", tokens: [sha256Token("t", secret: "secret-a", expires: later)]),
            AccountRecord(name: "b", tokens: [sha256Token("t", secret: "secret-b", expires: later)]),
        ])
        #expect(auth(t, bearer("nope")) == .failure(.unknown))
        #expect(auth(t, bearer("secret-")) == .failure(.unknown))
        #expect(auth(t, basic("a", "nope")) == .failure(.unknown))
        #expect(auth(t, basic("ghost", "nope")) == .failure(.unknown))
        #expect(auth(t, basic("a", "secret-b")) == .failure(.wrongAccount))
        #expect(auth(t, basic("ghost", "secret-b")) == .failure(.wrongAccount))
        #expect((try? auth(t, basic("b", "secret-b")).get())?.account == "b")
    }

    @Test("a disabled account's tokens are refused")
    func disabled() {
        let t = table([AccountRecord(name: "a", disabled: true, tokens: [sha256Token("t", secret: "s", expires: nil)])])
        #expect(auth(t, bearer("s")) == .failure(.disabled))
        #expect(auth(t, basic("a", "s")) == .failure(.disabled))
    }

    @Test("expiry is exclusive: expires == now is expired; never never expires")
    func expiryBoundary() {
        let t = table([
            AccountRecord(
                name: "a",
                tokens: [
                    sha256Token("t", secret: "s", expires: testNow), sha256Token("n", secret: "never", expires: nil),
                ])
        ])
        #expect(auth(t, bearer("s"), now: testNow.addingTimeInterval(-0.001)).map(\.tokenID) == .success("t"))
        #expect(auth(t, bearer("s"), now: testNow) == .failure(.expired))
        #expect(auth(t, bearer("s"), now: testNow.addingTimeInterval(1)) == .failure(.expired))
        #expect(auth(t, bearer("never"), now: .distantFuture).map(\.tokenID) == .success("n"))
    }

    @Test("sliding expiry: a use pushes expiry to last use + extend, never earlier than expires")
    func sliding() {
        let day = 86400.0
        let t = table([
            AccountRecord(name: "a", tokens: [sha256Token("t", secret: "s", expires: testNow, extend: 10 * day)])
        ])
        let store = LastUseStore()
        // Used a day before expiry: recorded.
        let used = testNow.addingTimeInterval(-day)
        #expect(auth(t, bearer("s"), now: used, lastUse: store).isSuccess)
        #expect(store.lastUse("a/t") == used)
        // After `expires`, still valid until used + extend.
        #expect(
            auth(t, bearer("s"), now: used.addingTimeInterval(10 * day - 1), lastUse: LastUseStore.copy(store))
                .isSuccess)
        #expect(
            auth(t, bearer("s"), now: used.addingTimeInterval(10 * day), lastUse: LastUseStore.copy(store))
                == .failure(.expired))
        // Each use slides it further.
        let second = used.addingTimeInterval(5 * day)
        #expect(auth(t, bearer("s"), now: second, lastUse: store).isSuccess)
        #expect(store.lastUse("a/t") == second)
        #expect(auth(t, bearer("s"), now: second.addingTimeInterval(10 * day - 1), lastUse: store).isSuccess)
        // An old last use never makes it expire before `expires`.
        let early = LastUseStore()
        early.record("a/t", at: testNow.addingTimeInterval(-100 * day))
        #expect(auth(t, bearer("s"), now: testNow.addingTimeInterval(-1), lastUse: early).isSuccess)
        // Without a store, or never used, `expires` holds.
        #expect(auth(t, bearer("s"), now: testNow, lastUse: nil) == .failure(.expired))
        #expect(auth(t, bearer("s"), now: testNow, lastUse: LastUseStore()) == .failure(.expired))
        // A failed (expired) attempt records nothing.
        let fresh = LastUseStore()
        _ = auth(t, bearer("s"), now: testNow, lastUse: fresh)
        #expect(fresh.lastUse("a/t") == nil)
    }

    @Test("tokens without extend record no use")
    func noExtendNoRecord() {
        let t = table([AccountRecord(name: "a", tokens: [sha256Token("t", secret: "s", expires: later)])])
        let store = LastUseStore()
        #expect(auth(t, bearer("s"), lastUse: store).isSuccess)
        #expect(store.snapshot().isEmpty)
    }

    private func cryptTable() -> TokenTable {
        table([
            AccountRecord(
                name: "legacy",
                tokens: [
                    TokenRecord(id: "old", hash: .crypt("$6$pw-old"), expires: nil),
                    TokenRecord(id: "new", hash: .crypt("$6$pw-new"), expires: nil),
                ]),
            AccountRecord(name: "plain", tokens: [sha256Token("t", secret: "tok", expires: nil)]),
        ])
    }

    @Test("crypt tokens match Basic only, and each credential is verified once per table")
    func cryptCache() throws {
        let t = cryptTable()
        let crypt = CountingCrypt()
        #expect(try auth(t, basic("legacy", "pw-new"), crypt: crypt).get().tokenID == "new")
        #expect(crypt.verified == ["$6$pw-old", "$6$pw-new"])
        #expect(try auth(t, basic("legacy", "pw-new"), crypt: crypt).get().tokenID == "new")
        #expect(crypt.verified.count == 2)
        // A wrong password is cached too (no crypt work to brute-force the same guess twice).
        #expect(auth(t, basic("legacy", "wrong"), crypt: crypt) == .failure(.unknown))
        #expect(crypt.verified.count == 4)
        #expect(auth(t, basic("legacy", "wrong"), crypt: crypt) == .failure(.unknown))
        #expect(crypt.verified.count == 4)
        // Bearer never reaches crypt.
        #expect(auth(t, bearer("pw-new"), crypt: crypt) == .failure(.unknown))
        #expect(crypt.verified.count == 4)
        // A new table (a reload) starts with an empty cache.
        let reloaded = cryptTable()
        #expect(try auth(reloaded, basic("legacy", "pw-new"), crypt: crypt).get().tokenID == "new")
        #expect(crypt.verified.count == 6)
        // Without a verifier crypt tokens never match.
        #expect(auth(reloaded, basic("legacy", "pw-old"), crypt: nil) == .failure(.unknown))
    }

    @Test("an unknown account costs one crypt verification against a hash of the table, like a known one")
    func unknownAccountSameWork() {
        let t = cryptTable()
        let crypt = CountingCrypt()
        #expect(auth(t, basic("ghost", "pw-old"), crypt: crypt) == .failure(.unknown))
        #expect(crypt.verified == ["$6$pw-old"])  // the dummy is a real hash of this table, result ignored
        #expect(auth(t, basic("ghost", "pw-old"), crypt: crypt) == .failure(.unknown))
        #expect(crypt.verified.count == 1)  // cached like a known account's result
        // A known account without crypt tokens pays the same.
        #expect(auth(t, basic("plain", "wrong"), crypt: crypt) == .failure(.unknown))
        #expect(crypt.verified.count == 2)
        // A table without crypt hashes does no crypt work at all.
        let sha256Only = table([AccountRecord(name: "a", tokens: [sha256Token("t", secret: "s", expires: nil)])])
        #expect(auth(sha256Only, basic("ghost", "x"), crypt: crypt) == .failure(.unknown))
        #expect(crypt.verified.count == 2)
    }

    @Test("the crypt cache is bounded")
    func cryptCacheBound() {
        let t = TokenTable(
            file: AccountsFile(accounts: [
                AccountRecord(name: "legacy", tokens: [TokenRecord(id: "old", hash: .crypt("$6$pw"), expires: nil)])
            ]), generation: 2, cryptCacheCapacity: 8)
        let crypt = CountingCrypt()
        for index in 0..<50 { _ = auth(t, basic("legacy", "guess-\(index)"), crypt: crypt) }
        #expect(t.cryptCacheCount == 8)
        #expect((try? auth(t, basic("legacy", "pw"), crypt: crypt).get())?.tokenID == "old")
    }

    @Test("a table of 100,000 tokens")
    func large() throws {
        var accounts: [AccountRecord] = []
        for account in 0..<1000 {
            let tokens = (0..<100).map { sha256Token("t\($0)", secret: "secret-\(account)-\($0)", expires: nil) }
            accounts.append(AccountRecord(name: "acct-\(account)", tokens: tokens))
        }
        let t = table(accounts)
        #expect(t.accountCount == 1000)
        #expect(t.tokenCount == 100_000)
        for (account, token) in [(0, 0), (999, 99), (500, 42), (1, 98)] {
            let identity = try auth(t, bearer("secret-\(account)-\(token)")).get()
            #expect(identity.account == "acct-\(account)" && identity.tokenID == "t\(token)")
        }
        #expect(auth(t, bearer("secret-1000-0")) == .failure(.unknown))
        #expect(auth(t, basic("acct-1", "secret-2-2")) == .failure(.wrongAccount))
    }
}

extension Result {
    /// True for `.success`.
    var isSuccess: Bool {
        if case .success = self { return true }
        return false
    }
}

extension LastUseStore {
    /// An independent copy (so that one check does not record into the next).
    static func copy(_ store: LastUseStore) -> LastUseStore {
        let copy = LastUseStore()
        copy.restore(store.snapshot())
        return copy
    }
}
