import Foundation
import TollgateCore

/// Properties of `Credential.parse` and `Base64.decodeStrict` (Credential.swift, Base64.swift, SPEC section 4):
/// - strict base64 agrees with Foundation's decoder restricted to canonical text (decodes, and re-encodes to the
///   same text), and decoding an encoding gives the bytes back;
/// - the Authorization and api-key parses agree with `CredentialReference`, written from the documented rules;
/// - `Basic base64(bytes)` gives back the name and secret whenever they are valid, and is refused otherwise
///   (no colon, empty name or secret, a control byte, a name that is not UTF-8, a value over 4096 bytes);
/// - two Authorization headers, two api-key headers, or one of each are refused; none is `.none`;
/// - a credential's description never shows the secret.
enum CredentialProperties {
    static func check(_ data: UnsafeRawBufferPointer) throws(PropertyViolation) {
        let bytes = Array(data)
        try checkBase64(bytes)
        try checkBuiltBasic(bytes)
        // Header values reach the parser as Strings: http-parser's bytes, refused unless they are UTF-8.
        guard let value = String(validating: bytes, as: UTF8.self) else { return }

        let authorization = Credential.parse(authorization: [value], apiKey: nil)
        try agree(authorization, CredentialReference.authorization(bytes), "Authorization: \(show(bytes))")
        let apiKey = Credential.parse(authorization: [], apiKey: [value])
        try agree(apiKey, CredentialReference.apiKey(bytes), "api key: \(show(bytes))")

        for (headers, keys) in [([value, value], nil), ([], [value, value]), ([value], [value])]
            as [([String], [String]?)]
        {
            let result = Credential.parse(authorization: headers, apiKey: keys)
            guard case .malformed = result else {
                throw PropertyViolation(
                    "\(headers.count) Authorization and \(keys?.count ?? 0) api-key headers "
                        + "\(show(bytes)) gave \(result), not malformed")
            }
        }
        for keys in [nil, []] as [[String]?] {
            guard case .none = Credential.parse(authorization: [], apiKey: keys) else {
                throw PropertyViolation("no header did not give .none")
            }
        }
    }

    /// `decodeStrict` against Foundation, and the encode-decode round trip.
    private static func checkBase64(_ bytes: [UInt8]) throws(PropertyViolation) {
        let strict = Base64.decodeStrict(bytes)
        let expected = CredentialReference.canonicalBase64(bytes)
        try require(
            strict == expected,
            "base64 \(show(bytes)): decodeStrict gives \(strict.map(show) ?? "nil"), "
                + "Foundation (canonical only) \(expected.map(show) ?? "nil")")
        let encoded = Array(Data(bytes).base64EncodedString().utf8)
        let decoded = Base64.decodeStrict(encoded)
        try require(
            decoded == (bytes.isEmpty ? nil : bytes),
            "base64 of \(show(bytes)) decodes to \(decoded.map(show) ?? "nil")")
    }

    /// `Basic base64(bytes)`, with the scheme's case and the spaces around it chosen by the input, read back.
    private static func checkBuiltBasic(_ bytes: [UInt8]) throws(PropertyViolation) {
        let variant = bytes.reduce(0) { $0 &+ Int($1) } & 7
        let scheme = ["Basic", "basic", "BASIC", "bAsIc"][variant & 3]
        let separator = variant & 4 == 0 ? " " : " \t "
        let outer = variant == 5 ? "\t" : variant == 6 ? " " : ""
        let value = outer + scheme + separator + Data(bytes).base64EncodedString() + outer
        let result = Credential.parse(authorization: [value], apiKey: nil)
        let expected = CredentialReference.basicUserPass(bytes, valueLength: value.utf8.count)
        try agree(result, expected, "Basic built from \(show(bytes)) as \(show(value.utf8))")
    }

    private static func agree(_ result: CredentialParse, _ expected: CredentialReference.Expected, _ label: String)
        throws(PropertyViolation)
    {
        switch (result, expected) {
        case (.malformed, .malformed):
            return
        case (.credential(.basic(let account, let secret)), .basic(let expectedAccount, let expectedSecret)):
            try require(
                account == expectedAccount && secret.bytes == expectedSecret,
                "\(label): Basic \(show(account.utf8)):\(show(secret.bytes)), expected "
                    + "\(show(expectedAccount.utf8)):\(show(expectedSecret))")
        case (.credential(.bearer(let secret)), .bearer(let expectedSecret)):
            try require(
                secret.bytes == expectedSecret,
                "\(label): Bearer \(show(secret.bytes)), expected \(show(expectedSecret))")
        default:
            throw PropertyViolation("\(label): parsed as \(describe(result)), the reference says \(expected)")
        }
        if case .credential(let credential) = result {
            let secret: Secret
            switch credential {
            case .basic(_, let value): secret = value
            case .bearer(let value): secret = value
            }
            try require(
                "\(secret)" == "<redacted>" && String(reflecting: secret) == "<redacted>",
                "\(label): the secret's description is not <redacted>")
            try require(
                credential.description.hasSuffix("<redacted>)")
                    && credential.debugDescription == credential.description,
                "\(label): description \(credential.description)")
        }
    }

    /// The parse result with the secret's bytes (it redacts itself in descriptions, which hides the difference).
    private static func describe(_ result: CredentialParse) -> String {
        switch result {
        case .none: return "none"
        case .malformed: return "malformed"
        case .credential(.basic(let account, let secret)): return "Basic \(show(account.utf8)):\(show(secret.bytes))"
        case .credential(.bearer(let secret)): return "Bearer \(show(secret.bytes))"
        }
    }
}
