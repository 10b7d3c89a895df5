import TollgateCore

/// Properties of `PathNormalizer.normalize` over any request-target (PathNormalizer.swift and SECURITY-LESSONS
/// "Route matching must see exactly what the upstream will see"):
/// - it agrees with `PathReference`, an independent and slow segment-list implementation of the same rules;
/// - an accepted path starts with `/` and holds no `//`, `/./`, `/../`, trailing `/.` or `/..`, no dot-segment
///   with parameters (`..;x`, `.%3Bx`), no `?`, `#`, `\`, NUL, space, control or non-ASCII byte, no `%2F`, `%5C`
///   or `%00` in any case, and only escapes of reserved bytes, in upper-case hex;
/// - normalising is idempotent, for the path alone and with the query attached;
/// - the query is passed on byte for byte, and `target` is `path` plus `?query`.
enum PathProperties {
    static func check(_ data: UnsafeRawBufferPointer) throws(PropertyViolation) {
        // The proxy gets the target from http-parser as `String(decoding:as:)`; invalid UTF-8 becomes U+FFFD,
        // which is non-ASCII and refused, as the raw byte would be.
        let target = String(decoding: data, as: UTF8.self)
        let result = PathNormalizer.normalize(target: target)
        let reference = PathReference.normalize(Array(target.utf8))

        switch (result, reference) {
        case (.failure, .failure):
            return
        case (.success(let normalized), .success(let expected)):
            try require(
                normalized.path == expected.path && normalized.query == expected.query,
                "\(show(target.utf8)) normalised to \(normalized), the reference gives \(expected)")
            try checkAccepted(target, normalized)
        case (.success(let normalized), .failure(let why)):
            throw PropertyViolation("\(show(target.utf8)) accepted as \(normalized); the reference refuses: \(why)")
        case (.failure(let error), .success(let expected)):
            throw PropertyViolation("\(show(target.utf8)) refused (\(error)); the reference accepts \(expected)")
        }
    }

    private static func checkAccepted(_ target: String, _ normalized: NormalizedTarget) throws(PropertyViolation) {
        let path = normalized.path
        let bytes = Array(path.utf8)
        let label = "\(show(target.utf8)) -> \(path.debugDescription)"
        try require(bytes.first == UInt8(ascii: "/"), "\(label): does not start with /")
        for forbidden in ["//", "/./", "/../", "?", "#", "\\"] {
            try require(!path.contains(forbidden), "\(label): contains \(forbidden)")
        }
        try require(!path.hasSuffix("/.") && !path.hasSuffix("/.."), "\(label): ends in a dot-segment")
        try require(bytes.allSatisfy { $0 > 0x20 && $0 < 0x7f }, "\(label): space, control or non-ASCII byte")
        let upper = path.uppercased()
        for forbidden in ["%2F", "%5C", "%00"] {
            try require(!upper.contains(forbidden), "\(label): contains \(forbidden) in some case")
        }
        for segment in path.split(separator: "/", omittingEmptySubsequences: false).dropFirst() {
            let text = String(segment)
            let parameters =
                text.hasPrefix("..;") || text.hasPrefix(".;") || text.uppercased().hasPrefix("..%3B")
                || text.uppercased().hasPrefix(".%3B")
            try require(!parameters, "\(label): dot-segment with parameters \(text)")
        }
        var index = 0
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "%") {
                try require(index + 2 < bytes.count, "\(label): cut escape")
                let high = bytes[index + 1]
                let low = bytes[index + 2]
                try require(isUpperHex(high) && isUpperHex(low), "\(label): escape not in upper-case hex")
                let value = hexValue(high) << 4 | hexValue(low)
                try require(!PathReference.isUnreserved(value), "\(label): escape of an unreserved byte")
                index += 3
            } else {
                index += 1
            }
        }

        // Idempotent: the normalised path is its own normal form, with or without the query.
        let again = PathNormalizer.normalize(target: path)
        try require(again == .success(NormalizedTarget(path: path)), "\(label): normalising again gives \(again)")
        let withQuery = PathNormalizer.normalize(target: normalized.target)
        try require(withQuery == .success(normalized), "\(label): normalising the target again gives \(withQuery)")

        // The query is everything after the first `?`, untouched.
        let raw = Array(target.utf8)
        if let mark = raw.firstIndex(of: UInt8(ascii: "?")) {
            try require(normalized.query.map { Array($0.utf8) } == Array(raw[(mark + 1)...]), "\(label): query changed")
            try require(normalized.target == path + "?" + normalized.query!, "\(label): target")
        } else {
            try require(normalized.query == nil && normalized.target == path, "\(label): query appeared")
        }
    }

    private static func isUpperHex(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
            || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "F"))
    }

    private static func hexValue(_ byte: UInt8) -> UInt8 {
        byte <= UInt8(ascii: "9") ? byte - UInt8(ascii: "0") : byte - UInt8(ascii: "A") + 10
    }
}
