/// An independent, deliberately simple implementation of the normaliser's documented rules (PathNormalizer.swift,
/// SPEC sections 5-6), written from the documentation rather than the code: split into segments, decode each,
/// then resolve `.` and `..` on a stack, as RFC 3986 section 5.2.4 describes. Slow and allocating; for fuzzing.
enum PathReference {
    /// The normalised path and the query, or why the target is refused (the reason is for messages only).
    static func normalize(_ target: [UInt8]) -> Result<(path: String, query: String?), Refusal> {
        guard let first = target.first else { return .failure(Refusal("empty")) }
        guard first == UInt8(ascii: "/") else { return .failure(Refusal("not origin-form")) }
        for byte in target {
            if byte <= 0x20 || byte >= 0x7f { return .failure(Refusal("space, control or non-ASCII")) }
            if byte == UInt8(ascii: "#") { return .failure(Refusal("fragment")) }
        }
        let mark = target.firstIndex(of: UInt8(ascii: "?"))
        let pathPart = target[..<(mark ?? target.endIndex)]
        let query = mark.map { String(decoding: target[($0 + 1)...], as: UTF8.self) }

        // "/a//b/" -> ["a", "", "b", ""]: the leading "/" starts the first segment.
        let rawSegments = pathPart.dropFirst().split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
        var stack: [[UInt8]] = []
        var endsAsDirectory = false
        for raw in rawSegments {
            let segment: [UInt8]
            switch decode(raw) {
            case .success(let decoded): segment = decoded
            case .failure(let refusal): return .failure(refusal)
            }
            switch segment {
            case [], [UInt8(ascii: ".")]:
                endsAsDirectory = true
            case [UInt8(ascii: "."), UInt8(ascii: ".")]:
                guard stack.popLast() != nil else { return .failure(Refusal("above the root")) }
                endsAsDirectory = true
            default:
                for dots in [[UInt8(ascii: ".")], [UInt8(ascii: "."), UInt8(ascii: ".")]] {
                    for parameter in [Array(";".utf8), Array("%3B".utf8)] where segment.starts(with: dots + parameter) {
                        return .failure(Refusal("dot-segment with parameters"))
                    }
                }
                stack.append(segment)
                endsAsDirectory = false
            }
        }
        var path: [UInt8] = []
        for segment in stack { path += [UInt8(ascii: "/")] + segment }
        if stack.isEmpty || endsAsDirectory { path.append(UInt8(ascii: "/")) }
        return .success((String(decoding: path, as: UTF8.self), query))
    }

    /// One segment with unreserved escapes decoded and the others in upper-case hex.
    private static func decode(_ raw: ArraySlice<UInt8>) -> Result<[UInt8], Refusal> {
        var out: [UInt8] = []
        var index = raw.startIndex
        while index < raw.endIndex {
            let byte = raw[index]
            if byte == UInt8(ascii: "\\") { return .failure(Refusal("raw backslash")) }
            guard byte == UInt8(ascii: "%") else {
                out.append(byte)
                index += 1
                continue
            }
            // Two hex digits; `UInt8(_:radix:)` alone would also take a sign.
            guard raw.endIndex - index >= 3, raw[(index + 1)...(index + 2)].allSatisfy({ $0.isHexDigit }),
                let value = UInt8(String(decoding: raw[(index + 1)...(index + 2)], as: UTF8.self), radix: 16)
            else { return .failure(Refusal("invalid escape")) }
            switch value {
            case UInt8(ascii: "/"), UInt8(ascii: "\\"), 0: return .failure(Refusal("encoded / \\ or NUL"))
            default: break
            }
            if isUnreserved(value) {
                out.append(value)
            } else {
                let hex = String(value, radix: 16, uppercase: true)
                out += Array(("%" + (hex.count == 1 ? "0" : "") + hex).utf8)
            }
            index += 3
        }
        return .success(out)
    }

    /// RFC 3986 unreserved: ALPHA DIGIT `-` `.` `_` `~`.
    static func isUnreserved(_ byte: UInt8) -> Bool {
        guard byte < 0x80 else { return false }
        let scalar = Unicode.Scalar(byte)
        return ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
            || "-._~".unicodeScalars.contains(scalar)
    }

    /// Why the reference refuses a target.
    struct Refusal: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }
}

extension UInt8 {
    /// ASCII `0-9 a-f A-F`.
    fileprivate var isHexDigit: Bool {
        (self >= 0x30 && self <= 0x39) || (self >= 0x41 && self <= 0x46) || (self >= 0x61 && self <= 0x66)
    }
}
