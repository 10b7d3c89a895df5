/// The fuzz harnesses: each takes arbitrary bytes and checks properties of one parser over them. A broken
/// property throws `PropertyViolation`; a crash in the code under test is a crash here too. Used by the
/// `tollgate-fuzz` executable (libFuzzer, or replaying files) and by `TollgateFuzzingTests` (the seed corpora).
/// Pure and thread-safe: nothing is kept between inputs.
public enum FuzzHarness: String, CaseIterable, Sendable {
    /// `PathNormalizer.normalize` (`PathProperties`).
    case path
    /// `Credential.parse` and strict base64 (`CredentialProperties`).
    case credential
    /// Request and response heads and chunked framing: `HeadScanner`, `WireParser`, `ChunkedFramingValidator`
    /// (`HeadProperties`).
    case head
    /// `ConfigLoader.parse` (`ConfigProperties`).
    case config
    /// `AccountsLoader.parse`, its whole-tree reference and Yams (`AccountsProperties`).
    case accounts

    /// Checks every property of this harness on `data`.
    public func check(_ data: UnsafeRawBufferPointer) throws(PropertyViolation) {
        switch self {
        case .path: try PathProperties.check(data)
        case .credential: try CredentialProperties.check(data)
        case .head: try HeadProperties.check(data)
        case .config: try ConfigProperties.check(data)
        case .accounts: try AccountsProperties.check(data)
        }
    }

    /// Same as `check(_:)` for an array.
    public func check(_ data: [UInt8]) throws(PropertyViolation) {
        let result = data.withUnsafeBytes { buffer in
            Result { () throws(PropertyViolation) in try check(buffer) }
        }
        try result.get()
    }
}

/// A property that did not hold, with what was seen.
public struct PropertyViolation: Error, CustomStringConvertible, Sendable {
    /// What was expected and what was found.
    public var message: String

    /// Wraps a message.
    public init(_ message: String) {
        self.message = message
    }

    /// The message.
    public var description: String { message }
}

/// Throws `message` unless `condition` holds.
@inline(__always)
func require(_ condition: Bool, _ message: @autoclosure () -> String) throws(PropertyViolation) {
    if !condition { throw PropertyViolation(message()) }
}

/// Bytes shown in a message: a Swift string literal, invalid UTF-8 replaced.
func show<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
    let text = String(decoding: Array(bytes.prefix(600)), as: UTF8.self).debugDescription
    return bytes.count > 600 ? text + "… (\(bytes.count) bytes)" : text
}
