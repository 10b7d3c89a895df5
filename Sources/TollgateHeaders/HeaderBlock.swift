import Glibc

/// Header fields as name/value Strings in wire order, duplicates kept (the form tests and the paths that are not
/// per request use).
public typealias HeaderFieldList = [(name: String, value: String)]

/// Header fields packed into one byte buffer in their wire form, `Name: value\r\n` each in order, with where each
/// name and value lies. The request path reads and writes this instead of a list of Strings: a field costs no
/// String to make, retain, release or free, a kept field is one copy of its line, and the upstream head's fields
/// are written with one copy of the lines.
///
/// Values hold what the scanner accepted (no CR, LF or NUL; no surrounding blanks), and names are tokens; a
/// block made from Strings (`init(_:)`, `append(name:value:)`) takes them as they are, so callers pass only such
/// values (the forwarding rules and identity headers do).
///
/// A value type: the storage is shared between copies and copied on the first change to a shared one.
public struct HeaderBlock: Sendable {
    @usableFromInline var storage: Storage

    /// Where one field's name and value are in the lines.
    @usableFromInline
    struct Span {
        @usableFromInline var name: Int
        @usableFromInline var nameCount: Int
        @usableFromInline var value: Int
        @usableFromInline var valueCount: Int

        @usableFromInline
        init(name: Int, nameCount: Int, value: Int, valueCount: Int) {
            self.name = name
            self.nameCount = nameCount
            self.value = value
            self.valueCount = valueCount
        }
    }

    /// The lines and the spans in one allocation (spans first, then bytes), grown by doubling. Plain memory: freeing
    /// a block visits no field. Changed only through a uniquely referenced `HeaderBlock`, never once shared, which
    /// is what makes it safe to send.
    @usableFromInline
    final class Storage: @unchecked Sendable {
        @usableFromInline var spans: UnsafeMutablePointer<Span>
        @usableFromInline var spanCount = 0
        @usableFromInline var spanCapacity: Int
        @usableFromInline var bytes: UnsafeMutablePointer<UInt8>
        @usableFromInline var byteCount = 0
        @usableFromInline var byteCapacity: Int
        @usableFromInline var raw: UnsafeMutableRawPointer

        @usableFromInline
        init(bytes byteCapacity: Int, fields spanCapacity: Int) {
            self.byteCapacity = max(byteCapacity, 16)
            self.spanCapacity = max(spanCapacity, 2)
            let spanBytes = self.spanCapacity * MemoryLayout<Span>.stride
            // malloc itself: Swift's `allocate` asks the runtime for an aligned allocation, which on Linux is
            // memalign (about twice the instructions of malloc here). malloc's 16-byte alignment suits `Span`.
            guard let memory = malloc(spanBytes + self.byteCapacity) else { fatalError("out of memory") }
            raw = memory
            spans = raw.bindMemory(to: Span.self, capacity: self.spanCapacity)
            bytes = (raw + spanBytes).bindMemory(to: UInt8.self, capacity: self.byteCapacity)
        }

        deinit { free(raw) }

        /// The storage of empty blocks made with `init()`: shared, so never changed (the first append copies).
        @usableFromInline
        static let empty = Storage(bytes: 0, fields: 0)

        /// A copy with room for at least `bytes` bytes and `fields` fields.
        @usableFromInline
        func copy(bytes minBytes: Int, fields minFields: Int) -> Storage {
            let copy = Storage(bytes: max(minBytes, byteCapacity), fields: max(minFields, spanCapacity))
            memcpy(copy.spans, spans, spanCount * MemoryLayout<Span>.stride)
            copy.spanCount = spanCount
            memcpy(copy.bytes, bytes, byteCount)
            copy.byteCount = byteCount
            return copy
        }
    }

    /// An empty block (no allocation: the first append makes the storage).
    public init() { storage = Storage.empty }

    /// An empty block with room for `bytes` bytes of lines and `fields` fields.
    public init(capacity bytes: Int, fields: Int) {
        storage = Storage(bytes: bytes, fields: fields)
    }

    /// The fields of `list`, in order.
    public init(_ list: HeaderFieldList) {
        var size = 0
        for field in list { size += field.name.utf8.count + field.value.utf8.count + 4 }
        self.init(capacity: size, fields: list.count)
        for field in list { append(name: field.name, value: field.value) }
    }

    /// Number of fields.
    @inlinable
    public var count: Int { storage.spanCount }

    /// True when there is no field.
    @inlinable
    public var isEmpty: Bool { storage.spanCount == 0 }

    /// Bytes of all lines together.
    @inlinable
    public var byteCount: Int { storage.byteCount }

    /// Calls `body` with the lines, `Name: value\r\n` per field, in place.
    @inlinable
    public func withLines<T>(_ body: (UnsafeRawBufferPointer) -> T) -> T {
        withExtendedLifetime(storage) { body(UnsafeRawBufferPointer(start: storage.bytes, count: storage.byteCount)) }
    }

    /// The lines as an array (tests).
    public var lines: [UInt8] { withLines { Array($0) } }

    /// The fields as Strings (for tests, logs and the paths that are not per request).
    public var list: HeaderFieldList {
        (0..<count).map { (name: name($0), value: value($0)) }
    }

    /// The name of field `index` as sent.
    public func name(_ index: Int) -> String {
        withName(index) { String(decoding: $0, as: UTF8.self) }
    }

    /// The value of field `index`.
    public func value(_ index: Int) -> String {
        withValue(index) { String(decoding: $0, as: UTF8.self) }
    }

    /// True when field `index`'s name equals `other` letter case aside (ASCII only), compared in place.
    public func name(_ index: Int, equalsIgnoringCase other: String) -> Bool {
        withName(index) { name in
            guard name.count == other.utf8.count else { return false }
            var i = 0
            for b in other.utf8 {
                let a = name[i]
                if a != b && Self.lower(a) != Self.lower(b) { return false }
                i += 1
            }
            return true
        }
    }

    private static func lower(_ byte: UInt8) -> UInt8 { byte >= 65 && byte <= 90 ? byte | 0x20 : byte }

    /// Calls `body` with the bytes of field `index`'s name, in place.
    @inlinable
    public func withName<T>(_ index: Int, _ body: (UnsafeBufferPointer<UInt8>) -> T) -> T {
        withPart(index, value: false, body)
    }

    /// Calls `body` with the bytes of field `index`'s value, in place.
    @inlinable
    public func withValue<T>(_ index: Int, _ body: (UnsafeBufferPointer<UInt8>) -> T) -> T {
        withPart(index, value: true, body)
    }

    @inlinable
    func withPart<T>(_ index: Int, value: Bool, _ body: (UnsafeBufferPointer<UInt8>) -> T) -> T {
        precondition(index >= 0 && index < storage.spanCount, "HeaderBlock index out of range")
        let span = storage.spans[index]
        let start = value ? span.value : span.name
        let count = value ? span.valueCount : span.nameCount
        return withExtendedLifetime(storage) { body(UnsafeBufferPointer(start: storage.bytes + start, count: count)) }
    }

    /// Makes the storage this block's own, with room for `more` bytes and `fields` fields besides its own.
    @inlinable
    mutating func reserve(bytes more: Int, fields: Int = 1) {
        let unique = isKnownUniquelyReferenced(&storage)  // before any local reference is taken
        let needBytes = storage.byteCount + more
        let needFields = storage.spanCount + fields
        let fits = needBytes <= storage.byteCapacity && needFields <= storage.spanCapacity
        if unique && fits { return }
        storage = storage.copy(
            bytes: needBytes <= storage.byteCapacity ? storage.byteCapacity : max(needBytes, 2 * storage.byteCapacity),
            fields: needFields <= storage.spanCapacity ? storage.spanCapacity : max(needFields, 2 * storage.spanCapacity))
    }

    /// Appends `name: value`.
    @inlinable
    public mutating func append(name: UnsafeBufferPointer<UInt8>, value: UnsafeBufferPointer<UInt8>) {
        let n = name.count + value.count + 4
        reserve(bytes: n)
        let s = storage
        let start = s.byteCount
        let p = s.bytes + start
        if let base = name.baseAddress { _ = memcpy(p, base, name.count) }
        p[name.count] = 58
        p[name.count + 1] = 32
        if let base = value.baseAddress { _ = memcpy(p + name.count + 2, base, value.count) }
        p[n - 2] = 13
        p[n - 1] = 10
        s.byteCount = start + n
        (s.spans + s.spanCount).initialize(to: Span(name: start, nameCount: name.count, value: start + name.count + 2,
                                                    valueCount: value.count))
        s.spanCount += 1
    }

    /// Appends `name: value` given as raw bytes.
    @inlinable
    public mutating func append(name: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer) {
        append(name: name.assumingMemoryBound(to: UInt8.self), value: value.assumingMemoryBound(to: UInt8.self))
    }

    /// Appends `name: value` from Strings (read in place; a bridged String is copied first).
    public mutating func append(name: String, value: String) {
        let done: Bool? = name.utf8.withContiguousStorageIfAvailable { n in
            value.utf8.withContiguousStorageIfAvailable { v in append(name: n, value: v) } != nil
        }
        if done != true {
            let n = Array(name.utf8)
            let v = Array(value.utf8)
            n.withUnsafeBufferPointer { n in v.withUnsafeBufferPointer { v in append(name: n, value: v) } }
        }
    }

    /// Appends `name: value` with a literal name.
    public mutating func append(literal name: StaticString, value: String) {
        let n = UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount)
        if value.utf8.withContiguousStorageIfAvailable({ v in append(name: n, value: v) }) == nil {
            Array(value.utf8).withUnsafeBufferPointer { v in append(name: n, value: v) }
        }
    }

    /// Appends every field of `other`: one copy of its lines.
    public mutating func append(contentsOf other: HeaderBlock) {
        let from = other.storage
        let n = from.byteCount
        guard from.spanCount > 0 else { return }
        reserve(bytes: n, fields: from.spanCount)
        let s = storage
        let start = s.byteCount
        withExtendedLifetime(from) {
            _ = memcpy(s.bytes + start, from.bytes, n)
            for i in 0..<from.spanCount {
                var span = from.spans[i]
                span.name += start
                span.value += start
                (s.spans + s.spanCount + i).initialize(to: span)
            }
        }
        s.byteCount = start + n
        s.spanCount += from.spanCount
    }

    /// Appends field `index` of `other`: one copy of its line.
    @inlinable
    public mutating func append(_ other: HeaderBlock, field index: Int) {
        precondition(index >= 0 && index < other.storage.spanCount, "HeaderBlock index out of range")
        let from = other.storage
        let span = from.spans[index]
        let n = span.value + span.valueCount + 2 - span.name
        reserve(bytes: n)
        let s = storage
        let start = s.byteCount
        withExtendedLifetime(from) { _ = memcpy(s.bytes + start, from.bytes + span.name, n) }
        s.byteCount = start + n
        (s.spans + s.spanCount).initialize(to: Span(name: start, nameCount: span.nameCount,
                                                    value: start + (span.value - span.name),
                                                    valueCount: span.valueCount))
        s.spanCount += 1
    }
}
