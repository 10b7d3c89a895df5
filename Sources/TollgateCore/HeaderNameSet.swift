/// A few header names, compared the way backends read names (ASCII case-insensitive, `_` read as `-`), kept as
/// folded bytes back to back: looking a name up reads no String and takes no reference count, which is what the
/// per-request header filtering needs.
public struct HeaderNameSet: Sendable {
    /// The folded names, one after another.
    private var bytes: [UInt8] = []
    /// Where each name is in `bytes`.
    private var spans: [Range<Int>] = []

    /// An empty set.
    public init() {}

    /// The set of `names`.
    public init(_ names: [String]) {
        for name in names { HeaderName.withBytes(name) { insert($0) } }
    }

    /// True when no name was added.
    public var isEmpty: Bool { spans.isEmpty }

    /// Adds a name.
    mutating func insert(_ name: UnsafeBufferPointer<UInt8>) {
        let start = bytes.count
        for byte in name { bytes.append(HeaderName.fold(byte)) }
        spans.append(start..<bytes.count)
    }

    /// Adds each element of a comma-separated list (a `Connection` value), without the blanks around it; empty
    /// elements are skipped.
    mutating func insertList(_ list: String) {
        HeaderName.withBytes(list) { value in
            var i = 0
            while i < value.count {
                while i < value.count && value[i] == UInt8(ascii: ",") { i += 1 }
                var start = i
                while i < value.count && value[i] != UInt8(ascii: ",") { i += 1 }
                var end = i
                while start < end && (value[start] == 32 || value[start] == 9) { start += 1 }
                while end > start && (value[end - 1] == 32 || value[end - 1] == 9) { end -= 1 }
                if end > start { insert(UnsafeBufferPointer(rebasing: value[start..<end])) }
            }
        }
    }

    /// True when `name` folds to one of the names.
    func contains(_ name: UnsafeBufferPointer<UInt8>) -> Bool {
        if spans.isEmpty { return false }
        return bytes.withUnsafeBufferPointer { all in
            spans.withUnsafeBufferPointer { spans in
                outer: for span in spans where span.count == name.count {
                    for k in 0..<name.count where HeaderName.fold(name[k]) != all[span.lowerBound + k] {
                        continue outer
                    }
                    return true
                }
                return false
            }
        }
    }

    /// True when `name` folds to one of the names.
    public func contains(_ name: String) -> Bool { HeaderName.withBytes(name) { contains($0) } }
}
