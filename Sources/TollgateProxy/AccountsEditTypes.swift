import Foundation
import TollgateCore

/// How long a new token lives: `--expires DURATION|DATE|never`.
public enum TokenExpiry: Sendable, Equatable {
    /// This long after issue.
    case after(Double)
    /// At this instant.
    case at(Date)
    /// Never expires.
    case never

    /// The default lifetime of a new token, and of a rotated one whose `created` is unknown: 360 days.
    public static let defaultLifetime: Double = 360 * 86400

    /// Parses a duration (`90d`), an RFC 3339 timestamp, `YYYY-MM-DD` (midnight UTC) or `never`.
    public static func parse(_ text: String) -> TokenExpiry? {
        if text == "never" { return .never }
        if let seconds = DurationParser.parse(text) { return .after(seconds) }
        if text.utf8.count == 10, let date = RFC3339.parse(text + "T00:00:00Z") { return .at(date) }
        return RFC3339.parse(text).map(TokenExpiry.at)
    }
}

/// What `token list` shows for a token: `expiring-soon` means within 30 days (sliding `extend` not counted).
public enum TokenStatus: String, Sendable {
    /// Works, and for more than 30 days.
    case active
    /// No longer works (unless a recent use extended it).
    case expired
    /// Stops working within 30 days.
    case expiringSoon = "expiring-soon"

    /// The window of `expiringSoon`.
    public static let soonWindow: Double = 30 * 86400

    /// The status at `now` of a token that expires at `expires` (nil: never).
    public init(expires: Date?, now: Date) {
        guard let expires else {
            self = .active
            return
        }
        if expires <= now {
            self = .expired
        } else if expires.timeIntervalSince(now) <= Self.soonWindow {
            self = .expiringSoon
        } else {
            self = .active
        }
    }
}

/// `account add`'s flags, as a plain value.
public struct NewAccount: Sendable {
    /// DNS-label name.
    public var name: String
    /// Groups to join; each must be defined in the file.
    public var groups: [String]
    /// Direct roles.
    public var roles: [String]
    /// Free text.
    public var description: String?
    /// Define a group named after the account (no roles) and join it.
    public var createGroup: Bool

    /// Creates the request.
    public init(
        name: String, groups: [String] = [], roles: [String] = [], description: String? = nil,
        createGroup: Bool = false
    ) {
        self.name = name
        self.groups = groups
        self.roles = roles
        self.description = description
        self.createGroup = createGroup
    }
}

/// `token issue`'s flags, as a plain value.
public struct NewToken: Sendable {
    /// The account that gets the token.
    public var account: String
    /// The token id; nil picks `t<N>`, one more than the highest `t<N>` the account has (so a revoked id is not
    /// handed out again).
    public var id: String?
    /// Informational intent.
    public var intent: TokenIntent
    /// When it expires.
    public var expiry: TokenExpiry
    /// Sliding expiry in seconds.
    public var extend: Double?

    /// Creates the request.
    public init(
        account: String, id: String? = nil, intent: TokenIntent = .api,
        expiry: TokenExpiry = .after(TokenExpiry.defaultLifetime), extend: Double? = nil
    ) {
        self.account = account
        self.id = id
        self.intent = intent
        self.expiry = expiry
        self.extend = extend
    }
}

/// A token just issued or rotated: the secret exists only here and on the operator's screen.
public struct IssuedToken: Sendable {
    /// Its account.
    public var account: String
    /// Its id.
    public var id: String
    /// The token (redacts itself when printed by accident; print `text` on purpose).
    public var token: Secret
    /// Its expiry; nil means never.
    public var expires: Date?

    /// The token's text, for printing it once.
    public var text: String { String(decoding: token.bytes, as: UTF8.self) }
}
