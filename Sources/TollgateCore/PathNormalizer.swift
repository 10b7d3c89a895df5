/// Turns a request-target into the one path that is both authorised and forwarded (SPEC sections 5 and 6).
///
/// Steps, on the path part (before the first `?`) only:
/// 1. `%XX` escapes of unreserved characters (ALPHA DIGIT `-._~`) are decoded; every other escape is kept with
///    upper-case hex, so `%3b` and `%3B` are one path; `%2F`, `%5C` and `%00` are refused.
/// 2. Empty segments are dropped (`//` merges), then `.` and `..` are resolved on the decoded segments,
///    so `%2e%2e` cannot slip past; climbing above `/` is refused.
/// 3. A trailing slash is kept (`/a/b/..` gives `/a/`).
///
/// The query is checked for forbidden bytes only and otherwise passed on unchanged. Pure and thread-safe.
public enum PathNormalizer {
    /// Normalises `target` (the request-target from the request line), or says why it must be refused.
    public static func normalize(target: String) -> Result<NormalizedTarget, PathError> {
        if let result = target.utf8.withContiguousStorageIfAvailable({ normalize(bytes: $0, target: target) }) {
            return result
        }
        let bytes = Array(target.utf8)
        return bytes.withUnsafeBufferPointer { normalize(bytes: $0, target: target) }
    }

    private static func normalize(bytes: UnsafeBufferPointer<UInt8>, target: String)
        -> Result<NormalizedTarget, PathError>
    {
        let count = bytes.count
        guard count > 0 else { return .failure(.empty) }
        guard bytes[0] == slash else { return .failure(.notOriginForm) }

        // Whole target: no fragment, no byte outside visible ASCII; find where the query starts.
        // Also notes whether the path has anything to rewrite: an escape, a backslash, an empty segment or one
        // that starts with a dot. Without any, the path is already normal and is returned as it came.
        var pathEnd = count
        var needsWork = false
        for index in 0..<count {
            let byte = bytes[index]
            if byte <= 0x20 || byte >= 0x7f { return .failure(.controlOrNonASCII) }
            if byte == UInt8(ascii: "#") { return .failure(.fragment) }
            guard pathEnd == count else { continue }
            switch byte {
            case UInt8(ascii: "?"): pathEnd = index
            case UInt8(ascii: "%"), UInt8(ascii: "\\"): needsWork = true
            case slash:
                if index + 1 < count && (bytes[index + 1] == slash || bytes[index + 1] == dot) { needsWork = true }
            default: break
            }
        }
        if !needsWork {
            if pathEnd == count { return .success(NormalizedTarget(path: target, query: nil)) }
            let path = String(decoding: UnsafeBufferPointer(rebasing: bytes[..<pathEnd]), as: UTF8.self)
            let query = String(decoding: UnsafeBufferPointer(rebasing: bytes[(pathEnd + 1)...]), as: UTF8.self)
            return .success(NormalizedTarget(path: path, query: query))
        }

        var output: [UInt8] = []
        output.reserveCapacity(pathEnd + 1)
        // Where each kept segment's leading `/` sits in `output`, so `..` can drop the last one.
        var segmentStarts: [Int] = []
        var endsAsDirectory = false
        var index = 0
        while index < pathEnd {
            index += 1  // past the `/` that starts this segment
            let start = output.count
            output.append(slash)
            while index < pathEnd && bytes[index] != slash {
                let byte = bytes[index]
                if byte == UInt8(ascii: "\\") { return .failure(.rawBackslash) }
                guard byte == UInt8(ascii: "%") else {
                    output.append(byte)
                    index += 1
                    continue
                }
                guard index + 2 < pathEnd, let high = hexValue(bytes[index + 1]), let low = hexValue(bytes[index + 2])
                else { return .failure(.invalidEscape) }
                let decoded = high << 4 | low
                switch decoded {
                case slash: return .failure(.encodedSlash)
                case UInt8(ascii: "\\"): return .failure(.encodedBackslash)
                case 0: return .failure(.nul)
                default: break
                }
                if isUnreserved(decoded) {
                    output.append(decoded)
                } else {
                    output.append(UInt8(ascii: "%"))
                    output.append(upperHex(high))
                    output.append(upperHex(low))
                }
                index += 3
            }

            let length = output.count - start - 1
            if length == 0 {
                output.removeLast()
                endsAsDirectory = true
                continue
            }
            if output[start + 1] == dot {
                if length == 1 {
                    output.removeLast(2)
                    endsAsDirectory = true
                    continue
                }
                if length == 2 && output[start + 2] == dot {
                    output.removeLast(3)
                    guard let previous = segmentStarts.popLast() else { return .failure(.aboveRoot) }
                    output.removeLast(output.count - previous)
                    endsAsDirectory = true
                    continue
                }
                if hasParameterAfterDots(output, from: start + 1) { return .failure(.dotSegmentWithParameters) }
            }
            segmentStarts.append(start)
            endsAsDirectory = false
        }

        if output.isEmpty || endsAsDirectory { output.append(slash) }
        let path = String(decoding: output, as: UTF8.self)
        var query: String?
        if pathEnd < count {
            query = String(decoding: UnsafeBufferPointer(rebasing: bytes[(pathEnd + 1)...]), as: UTF8.self)
        }
        return .success(NormalizedTarget(path: path, query: query))
    }

    private static let slash = UInt8(ascii: "/")
    private static let dot = UInt8(ascii: ".")

    /// True when the segment at `from` is `.` or `..` followed by `;` or `%3B` (`..;x`, `.;`, `..%3Bx`).
    private static func hasParameterAfterDots(_ output: [UInt8], from: Int) -> Bool {
        var index = from + 1
        if index < output.count && output[index] == dot { index += 1 }
        guard index < output.count else { return false }
        if output[index] == UInt8(ascii: ";") { return true }
        return index + 2 < output.count && output[index] == UInt8(ascii: "%") && output[index + 1] == UInt8(ascii: "3")
            && output[index + 2] == UInt8(ascii: "B")
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    private static func upperHex(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "A") + nibble - 10
    }

    /// RFC 3986 unreserved: ALPHA DIGIT `-` `.` `_` `~`.
    private static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
            UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }
}
