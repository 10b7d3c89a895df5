import Foundation
import TollgateHeaders

/// What one request is judged on: for the proxy its own request line and headers, for forward-auth the method
/// and URI a trusted ingress described, with the credential headers of the auth request itself.
public struct DecisionInput: Sendable {
    /// The method to judge, as received (matched case-insensitively against `methods:`).
    public var method: String
    /// The raw request-target, query included; normalised by the engine, never before.
    public var target: String
    /// Headers as received; only `Authorization` and the api-key header are read.
    public var fields: HeaderBlock
    /// The client address the failed-auth brake counts against.
    public var client: String

    /// Creates the input.
    public init(method: String, target: String, fields: HeaderBlock, client: String) {
        self.method = method
        self.target = target
        self.fields = fields
        self.client = client
    }

    /// The same with the headers as Strings.
    public init(method: String, target: String, headers: HeaderList, client: String) {
        self.init(method: method, target: target, fields: HeaderBlock(headers), client: client)
    }
}

/// What a request is judged against: one snapshot's routes and token table, the shared brake and last-use
/// stores, and injected clocks. Build it once per request from the snapshot the request holds (STYLE rule 4).
public struct DecisionContext: Sendable {
    /// The routes in force.
    public var policy: RoutePolicy
    /// The token table in force.
    public var table: TokenTable
    /// The configured api-key header name, or nil when that way of presenting a token is disabled.
    public var apiKeyHeader: String?
    /// The failed-auth brake per client (shared by every worker; thread-safe).
    public var brake: FailedAuthBrake
    /// Sliding-expiry last-use times, or nil to ignore `extend:`.
    public var lastUse: LastUseStore?
    /// Verifier for crypt(3) hashes, or nil (then crypt tokens never match).
    public var crypt: (any CryptVerifier)?
    /// Wall-clock time, for token expiry.
    public var now: Date
    /// Monotonic seconds, for the brake's windows.
    public var monotonicNow: Double
    /// The calling worker's memo of the last secret's SHA-256, or nil.
    public var digests: SecretDigestMemo?

    /// Creates the context.
    public init(
        policy: RoutePolicy,
        table: TokenTable,
        apiKeyHeader: String?,
        brake: FailedAuthBrake,
        lastUse: LastUseStore?,
        crypt: (any CryptVerifier)?,
        now: Date,
        monotonicNow: Double,
        digests: SecretDigestMemo? = nil
    ) {
        self.policy = policy
        self.table = table
        self.apiKeyHeader = apiKeyHeader
        self.brake = brake
        self.lastUse = lastUse
        self.crypt = crypt
        self.now = now
        self.monotonicNow = monotonicNow
        self.digests = digests
    }
}
