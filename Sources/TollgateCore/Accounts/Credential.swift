/// A credential presented with a request (SPEC section 4). Its description never contains the secret.
public enum Credential: Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// `Authorization: Basic base64(account:secret)`.
    case basic(account: String, secret: Secret)
    /// `Authorization: Bearer <token>` or the configured api-key header.
    case bearer(Secret)

    /// Longest Authorization or api-key value accepted, in bytes.
    public static let maxValueBytes = 4096

    /// `Basic(account: "name", secret: <redacted>)` or `Bearer(<redacted>)`.
    public var description: String {
        switch self {
        case .basic(let account, _): return "Basic(account: \(AccountsWriter.quoted(account)), secret: <redacted>)"
        case .bearer: return "Bearer(<redacted>)"
        }
    }

    /// Same as `description`.
    public var debugDescription: String { description }

    /// Parses the Authorization header value(s) and the api-key header value(s) (nil when not configured).
    ///
    /// `.none` when no credential was presented; `.malformed` when something was presented but cannot be used:
    /// bad base64, no colon, an empty name or secret, a name that is not UTF-8, control characters, more than one
    /// Authorization (or api-key) header, a scheme other than Basic/Bearer, a value over 4096 bytes, or both an
    /// Authorization and an api-key header. Scheme names are case-insensitive; SP/HTAB separate scheme and value.
    public static func parse(authorization: [String], apiKey: [String]?) -> CredentialParse {
        let keys = apiKey ?? []
        return parse(authorization: authorization.first, count: authorization.count, apiKey: keys.first,
                     count: keys.count)
    }

    /// The same, from the first value of each header and how many of each were sent (the request path's form:
    /// no arrays).
    public static func parse(authorization: String?, count authorizationCount: Int, apiKey: String?,
                             count apiKeyCount: Int) -> CredentialParse {
        switch (authorizationCount, apiKeyCount) {
        case (0, 0): return .none
        case (1, 0): return authorization.map { HeaderName.withBytes($0, parseAuthorization) } ?? .malformed
        case (0, 1): return apiKey.map { HeaderName.withBytes($0, parseAPIKey) } ?? .malformed
        default: return .malformed
        }
    }

    /// The same with the first values read in place as bytes (the request path's form: no String per value).
    public static func parse(authorizationBytes authorization: UnsafeBufferPointer<UInt8>?, count authorizationCount: Int,
                             apiKeyBytes apiKey: UnsafeBufferPointer<UInt8>?, count apiKeyCount: Int)
        -> CredentialParse
    {
        switch (authorizationCount, apiKeyCount) {
        case (0, 0): return .none
        case (1, 0): return authorization.map(parseAuthorization) ?? .malformed
        case (0, 1): return apiKey.map(parseAPIKey) ?? .malformed
        default: return .malformed
        }
    }

    /// The value is read in place (`Bytes`): only the secret is copied out.
    private static func parseAuthorization(_ value: UnsafeBufferPointer<UInt8>) -> CredentialParse {
        guard value.count <= maxValueBytes else { return .malformed }
        let trimmed = trimOWS(value[...])
        var index = trimmed.startIndex
        while index < trimmed.endIndex, HTTPToken.isTokenByte(trimmed[index]) { index += 1 }
        let scheme = trimmed[trimmed.startIndex..<index]
        let separatorStart = index
        while index < trimmed.endIndex, isOWS(trimmed[index]) { index += 1 }
        // A scheme, at least one SP/HTAB, and a non-empty value (token68 has no spaces).
        guard index > separatorStart, index < trimmed.endIndex else { return .malformed }
        let credentials = trimmed[index...]
        if equalsIgnoringCase(scheme, "basic") { return parseBasic(credentials) }
        if equalsIgnoringCase(scheme, "bearer") {
            guard isB64Token(credentials) else { return .malformed }
            return .credential(.bearer(Secret(Array(credentials))))
        }
        return .malformed
    }

    private static func parseBasic(_ encoded: Bytes) -> CredentialParse {
        guard let decoded = Base64.decodeStrict(encoded),
            let colon = decoded.firstIndex(of: UInt8(ascii: ":"))
        else { return .malformed }
        let name = decoded[..<colon]
        let secret = decoded[(colon + 1)...]
        // RFC 7617: neither part may hold control characters; the name must be UTF-8 (charset="UTF-8").
        guard !name.isEmpty, !secret.isEmpty, !decoded.contains(where: isControl),
            let account = String(validating: name, as: UTF8.self)
        else { return .malformed }
        return .credential(.basic(account: account, secret: Secret(Array(secret))))
    }

    /// The api-key header's value is the token itself: visible ASCII, no spaces.
    private static func parseAPIKey(_ value: UnsafeBufferPointer<UInt8>) -> CredentialParse {
        guard value.count <= maxValueBytes else { return .malformed }
        let token = trimOWS(value[...])
        guard !token.isEmpty, token.allSatisfy({ $0 > 0x20 && $0 < 0x7f }) else { return .malformed }
        return .credential(.bearer(Secret(Array(token))))
    }

    /// RFC 6750 `b64token`: `1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="`.
    private static func isB64Token(_ slice: Bytes) -> Bool {
        let bytes = UnsafeBufferPointer(rebasing: slice)  // a buffer's subscript, without the slice's range checks
        var index = 0
        while index < bytes.count, isB64TokenByte(bytes[index]) { index += 1 }
        guard index > 0 else { return false }
        while index < bytes.count {
            if bytes[index] != UInt8(ascii: "=") { return false }
            index += 1
        }
        return true
    }

    /// One character of `b64token` before the `=` padding, from two 64-bit masks (a token is tested byte by byte
    /// on every Bearer request). Checked against the grammar for all 256 bytes by CredentialTests.
    @inline(__always)
    static func isB64TokenByte(_ byte: UInt8) -> Bool {
        // 0-63: "+" 43, "-" 45, "." 46, "/" 47, "0"-"9" 48-57.
        let low: UInt64 = 0x03ff_e800_0000_0000
        // 64-127: "A"-"Z" 65-90, "_" 95, "a"-"z" 97-122, "~" 126.
        let high: UInt64 = 0x47ff_fffe_87ff_fffe
        // Masking shifts (`&>>`): the amount is below 64 already, so no check for larger ones.
        if byte < 64 { return low &>> UInt64(byte) & 1 == 1 }
        if byte < 128 { return high &>> UInt64(byte &- 64) & 1 == 1 }
        return false
    }

    private static func isOWS(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t")
    }

    private static func isControl(_ byte: UInt8) -> Bool {
        byte < 0x20 || byte == 0x7f
    }

    private static func trimOWS(_ bytes: Bytes) -> Bytes {
        var slice = bytes
        while let first = slice.first, isOWS(first) { slice.removeFirst() }
        while let last = slice.last, isOWS(last) { slice.removeLast() }
        return slice
    }

    /// Part of a header value, read in place.
    private typealias Bytes = Slice<UnsafeBufferPointer<UInt8>>

    /// ASCII case-insensitive comparison with a lowercase literal.
    private static func equalsIgnoringCase(_ bytes: Bytes, _ lowercase: StaticString) -> Bool {
        guard bytes.count == lowercase.utf8CodeUnitCount else { return false }
        let expected = UnsafeBufferPointer(start: lowercase.utf8Start, count: lowercase.utf8CodeUnitCount)
        return zip(bytes, expected).allSatisfy { byte, want in
            let lower = byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
            return lower == want
        }
    }
}

/// The outcome of reading a request's credential headers.
public enum CredentialParse: Sendable {
    /// No credential was presented (401 without counting toward the brake).
    case none
    /// Something was presented but cannot be used (401; counts as an invalid credential).
    case malformed
    /// A usable credential (to be authenticated).
    case credential(Credential)
}
