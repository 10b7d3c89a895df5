import Testing
import TollgateHeaders

/// `HeaderBlock`: the request path's header fields as wire-form lines.
@Suite("HeaderBlock")
struct HeaderBlockTests {
    private func text(_ block: HeaderBlock) -> String { String(decoding: block.lines, as: UTF8.self) }

    @Test("fields made from Strings read back as they were, and the lines are their wire form")
    func roundTrip() {
        let list: HeaderFieldList = [("Host", "a.example"), ("Accept", ""), ("X-Long", String(repeating: "v", count: 300)),
                                ("x", "ü")]
        let block = HeaderBlock(list)
        #expect(block.count == 4 && !block.isEmpty)
        #expect(block.list.map(\.name) == list.map(\.name) && block.list.map(\.value) == list.map(\.value))
        #expect(text(block) == "Host: a.example\r\nAccept: \r\nX-Long: \(String(repeating: "v", count: 300))\r\nx: ü\r\n")
        #expect(block.byteCount == block.lines.count)
        #expect(block.withName(2) { $0.count } == 6 && block.withValue(2) { $0.count } == 300)
        #expect(HeaderBlock().isEmpty && HeaderBlock().byteCount == 0 && HeaderBlock().list.isEmpty)
    }

    @Test("a copy is a value: appending to either leaves the other as it was")
    func copyOnWrite() {
        var a = HeaderBlock([("A", "1")])
        var b = a
        b.append(name: "B", value: "2")
        #expect(text(a) == "A: 1\r\n" && text(b) == "A: 1\r\nB: 2\r\n")
        a.append(literal: "C", value: "3")
        #expect(text(a) == "A: 1\r\nC: 3\r\n" && text(b) == "A: 1\r\nB: 2\r\n")
        // Empty blocks share one storage until their first append.
        var e1 = HeaderBlock()
        var e2 = HeaderBlock()
        e1.append(name: "X", value: "1")
        e2.append(name: "Y", value: "2")
        #expect(text(e1) == "X: 1\r\n" && text(e2) == "Y: 2\r\n" && HeaderBlock().isEmpty)
    }

    @Test("growing past the first capacity keeps every field, in order")
    func growth() {
        var block = HeaderBlock(capacity: 0, fields: 0)
        var expected: HeaderFieldList = []
        for i in 0..<500 {
            let field = (name: "N\(i)", value: String(repeating: "x", count: i % 37))
            block.append(name: field.name, value: field.value)
            expected.append(field)
        }
        #expect(block.count == 500)
        #expect(block.list.map(\.name) == expected.map(\.name) && block.list.map(\.value) == expected.map(\.value))
        #expect(text(block) == expected.map { "\($0.name): \($0.value)\r\n" }.joined())
    }

    @Test("a field or a whole block copied from another is read back with its own places")
    func copyingFields() {
        let source = HeaderBlock([("Keep", "k"), ("Drop", "d"), ("Also", "a a")])
        var out = HeaderBlock([("First", "f")])
        out.append(source, field: 2)
        out.append(source, field: 0)
        #expect(out.list.map(\.name) == ["First", "Also", "Keep"] && out.list.map(\.value) == ["f", "a a", "k"])
        out.append(contentsOf: source)
        #expect(out.count == 6 && out.name(4) == "Drop" && out.value(5) == "a a")
        out.append(contentsOf: out)  // itself: the copy is taken before the storage changes
        #expect(out.count == 12 && out.list.map(\.name).suffix(6) == out.list.map(\.name).prefix(6))
        #expect(text(out) == String(repeating: "First: f\r\nAlso: a a\r\nKeep: k\r\nKeep: k\r\nDrop: d\r\nAlso: a a\r\n",
                                    count: 2))
        var empty = HeaderBlock()
        empty.append(contentsOf: HeaderBlock())
        #expect(empty.isEmpty)
        #expect(source.count == 3 && text(source) == "Keep: k\r\nDrop: d\r\nAlso: a a\r\n")
    }
}
