import Foundation
import Testing

@testable import TollgateCore

@Suite("LastUseStore")
struct LastUseStoreTests {
    @Test("record, read, never go backwards")
    func record() {
        let store = LastUseStore()
        #expect(store.lastUse("a/t") == nil)
        store.record("a/t", at: testNow)
        store.record("a/t", at: testNow.addingTimeInterval(-10))
        #expect(store.lastUse("a/t") == testNow)
        store.record("a/t", at: testNow.addingTimeInterval(5))
        #expect(store.lastUse("a/t") == testNow.addingTimeInterval(5))
        #expect(LastUseStore.key(account: "a", tokenID: "t") == "a/t")
    }

    @Test("JSON round trip (millisecond times), readable keys and RFC 3339 values")
    func json() throws {
        let store = LastUseStore()
        store.record("ci-bot/ci-2026", at: testNow)
        store.record("b/t-1", at: Date(timeIntervalSince1970: 1_700_000_000.123))
        let bytes = store.encodeJSON()
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.contains("\"ci-bot/ci-2026\":\"2027-01-15T08:00:00Z\""), "\(text)")
        #expect(text.contains("\"b/t-1\":\"2023-11-14T22:13:20.123Z\""), "\(text)")
        let decoded = try #require(LastUseStore.decodeJSON(bytes))
        #expect(decoded == store.snapshot())
        let restored = LastUseStore()
        restored.restore(decoded)
        #expect(restored.snapshot() == store.snapshot())
        #expect(LastUseStore.decodeJSON(LastUseStore().encodeJSON()) == [:])
    }

    @Test("garbage state files decode to nil")
    func garbage() {
        for text in ["", "[]", "{\"a\": 1}", "{\"a\": \"yesterday\"}", "not json", "{\"a\":"] {
            #expect(LastUseStore.decodeJSON(Array(text.utf8)) == nil, "\(text)")
        }
    }
}
