import Foundation

/// What a token is for; informational (shown by `token list`), never changes what it may do.
public enum TokenIntent: String, Sendable {
    case api
    case appPassword = "app-password"
}

/// How a token's secret is stored: never the secret itself.
public enum TokenHash: Sendable, Equatable {
    /// SHA-256 of the token's UTF-8 bytes (32 bytes); matches Bearer, api-key and Basic.
    case sha256([UInt8])
    /// A crypt(3) hash (`$2y$`, `$2b$`, `$6$`, `$y$`) imported from htpasswd; matches Basic only.
    case crypt(String)
}

/// One token of an account, as written in the accounts file.
public struct TokenRecord: Sendable, Equatable {
    /// Unique within the account; `[a-z0-9-]{1,63}`.
    public var id: String
    /// The stored hash.
    public var hash: TokenHash
    /// Informational intent.
    public var intent: TokenIntent
    /// When the token was issued, if recorded.
    public var created: Date?
    /// When it stops working; nil means never.
    public var expires: Date?
    /// Sliding expiry in seconds: a use pushes the effective expiry to `last_use + extend`.
    public var extend: Double?
    /// Line in the accounts file (0 when built in code).
    public var line: Int

    /// Creates a token record.
    public init(
        id: String, hash: TokenHash, intent: TokenIntent = .api, created: Date? = nil, expires: Date?,
        extend: Double? = nil, line: Int = 0
    ) {
        self.id = id
        self.hash = hash
        self.intent = intent
        self.created = created
        self.expires = expires
        self.extend = extend
        self.line = line
    }
}
