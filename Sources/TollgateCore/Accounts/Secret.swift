/// A presented secret (token or password). It redacts itself everywhere: description, debug description and
/// reflection (`dump`) all show `<redacted>`. It is deliberately not `Equatable`: compare digests, never secrets.
public struct Secret: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The secret's bytes (a token's UTF-8, or a Basic password as sent).
    public let bytes: [UInt8]

    /// Wraps secret bytes.
    public init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// Always `<redacted>`.
    public var description: String { "<redacted>" }

    /// Always `<redacted>`.
    public var debugDescription: String { "<redacted>" }

    /// No children: `dump` shows nothing but the description.
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}
