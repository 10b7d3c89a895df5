import Foundation

/// What `Credential.parse` should answer, from its documentation, RFC 7617 (Basic), RFC 6750 (Bearer) and
/// SPEC section 4, with Foundation's base64 decoder instead of tollgate's. Slow; for fuzzing.
enum CredentialReference {
    /// An expected parse.
    enum Expected: CustomStringConvertible {
        case malformed
        case basic(account: String, secret: [UInt8])
        case bearer([UInt8])

        var description: String {
            switch self {
            case .malformed: return "malformed"
            case .basic(let account, let secret): return "Basic \(show(account.utf8)):\(show(secret))"
            case .bearer(let secret): return "Bearer \(show(secret))"
            }
        }
    }

    static let maxValueBytes = 4096

    /// One Authorization header value: `scheme 1*(SP / HTAB) credentials`, surrounding SP/HTAB ignored.
    static func authorization(_ value: [UInt8]) -> Expected {
        guard value.count <= maxValueBytes else { return .malformed }
        let trimmed = trim(value)
        guard let gap = trimmed.firstIndex(where: isBlank) else { return .malformed }
        let scheme = trimmed[..<gap]
        guard !scheme.isEmpty, scheme.allSatisfy(isTChar) else { return .malformed }
        let credentials = Array(trimmed[gap...].drop(while: isBlank))
        guard !credentials.isEmpty else { return .malformed }
        switch String(decoding: scheme, as: UTF8.self).lowercased() {
        case "basic":
            guard let decoded = canonicalBase64(credentials) else { return .malformed }
            return userPass(decoded)
        case "bearer":
            return isB64Token(credentials) ? .bearer(credentials) : .malformed
        default:
            return .malformed
        }
    }

    /// The api-key header's value: the token itself, visible ASCII without spaces once trimmed.
    static func apiKey(_ value: [UInt8]) -> Expected {
        guard value.count <= maxValueBytes else { return .malformed }
        let token = trim(value)
        guard !token.isEmpty, token.allSatisfy({ (0x21...0x7e).contains($0) }) else { return .malformed }
        return .bearer(token)
    }

    /// `Basic base64(userPass)` in a header of `valueLength` bytes.
    static func basicUserPass(_ decoded: [UInt8], valueLength: Int) -> Expected {
        guard valueLength <= maxValueBytes, !decoded.isEmpty else { return .malformed }
        return userPass(decoded)
    }

    /// RFC 7617 user-pass: a name without a colon, then a colon, then the password; both non-empty, no control
    /// characters anywhere, the name UTF-8.
    private static func userPass(_ decoded: [UInt8]) -> Expected {
        guard let colon = decoded.firstIndex(of: UInt8(ascii: ":")) else { return .malformed }
        let name = Array(decoded[..<colon])
        let password = Array(decoded[(colon + 1)...])
        guard !name.isEmpty, !password.isEmpty, !decoded.contains(where: { $0 < 0x20 || $0 == 0x7f }),
            let account = String(validating: name, as: UTF8.self)
        else { return .malformed }
        return .basic(account: account, secret: password)
    }

    /// Foundation's decoding of `text`, but only for canonical base64: non-empty and re-encoding to itself.
    static func canonicalBase64(_ text: [UInt8]) -> [UInt8]? {
        guard !text.isEmpty, let string = String(validating: text, as: UTF8.self),
            let data = Data(base64Encoded: string), data.base64EncodedString() == string
        else { return nil }
        return Array(data)
    }

    /// RFC 6750 `b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="`.
    private static func isB64Token(_ bytes: [UInt8]) -> Bool {
        let body = bytes.prefix { byte in
            let scalar = Unicode.Scalar(byte)
            return ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
                || "-._~+/".unicodeScalars.contains(scalar)
        }
        return !body.isEmpty && bytes.dropFirst(body.count).allSatisfy { $0 == UInt8(ascii: "=") }
    }

    /// RFC 9110 tchar.
    private static func isTChar(_ byte: UInt8) -> Bool {
        let scalar = Unicode.Scalar(byte)
        return ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
            || "!#$%&'*+-.^_`|~".unicodeScalars.contains(scalar)
    }

    private static func isBlank(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 }

    private static func trim(_ bytes: [UInt8]) -> [UInt8] {
        Array(bytes.drop(while: isBlank).reversed().drop(while: isBlank).reversed())
    }
}
