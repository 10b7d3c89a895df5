import Foundation
import Synchronization
import Testing

@testable import TollgateCore

/// The publication slot, like tollgate's SnapshotStore: a pthread mutex (NSLock), which ThreadSanitizer models;
/// Synchronization.Mutex on Linux is futex-based and invisible to TSan, which then reports false races.
private final class Slot: @unchecked Sendable {
    private let lock = NSLock()
    private var table: TokenTable

    init(_ table: TokenTable) { self.table = table }

    func load() -> TokenTable { lock.withLock { table } }

    func store(_ next: TokenTable) { lock.withLock { table = next } }
}

@Suite("TokenTable: snapshot swap under concurrent readers")
struct TokenTableSwapTests {
    /// Table `generation`: the shared secret maps to token id `g<generation>`; a per-generation secret exists too.
    private static func table(_ generation: Int) -> TokenTable {
        let tokens = [
            sha256Token("g\(generation)", secret: "shared", expires: nil),
            sha256Token("own", secret: "only-\(generation)", expires: nil),
        ]
        return TokenTable(
            file: AccountsFile(accounts: [AccountRecord(name: "a", tokens: tokens)]), generation: generation)
    }

    @Test("readers always see one whole table while a writer keeps publishing")
    func swap() {
        let current = Slot(Self.table(0))
        let published = Atomic(0)
        let done = Atomic(false)
        let bad = Atomic(0)
        let checks = Atomic(0)
        let writer = Thread {
            for generation in 1...300 {
                let next = Self.table(generation)
                current.store(next)
                published.store(generation, ordering: .releasing)
            }
            done.store(true, ordering: .releasing)
        }
        writer.start()
        let crypt = CountingCrypt()
        DispatchQueue.concurrentPerform(iterations: 4) { _ in
            var rounds = 0
            while !done.load(ordering: .acquiring) || rounds < 200 {
                rounds += 1
                let table = current.load()
                let generation = table.generation
                let shared = table.authenticate(bearer("shared"), now: testNow, lastUse: nil, crypt: crypt)
                let own = table.authenticate(bearer("only-\(generation)"), now: testNow, lastUse: nil, crypt: crypt)
                let stale = table.authenticate(
                    bearer("only-\(generation + 1)"), now: testNow, lastUse: nil, crypt: crypt)
                let ok =
                    (try? shared.get().tokenID) == "g\(generation)" && (try? own.get().tokenID) == "own"
                    && stale == .failure(.unknown)
                if !ok { bad.add(1, ordering: .relaxed) }
                checks.add(1, ordering: .relaxed)
            }
        }
        while !done.load(ordering: .acquiring) { Thread.sleep(forTimeInterval: 0.001) }
        #expect(bad.load(ordering: .relaxed) == 0)
        #expect(checks.load(ordering: .relaxed) >= 800)
        #expect(published.load(ordering: .acquiring) == 300)
        #expect(current.load().generation == 300)
    }
}
