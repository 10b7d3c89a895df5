import TollgateCore
import TollgateEventLoop

/// Everything a request needs from the configuration, built once per (re)load and never mutated: a request
/// reads one snapshot and uses it to the end (STYLE rule 4).
public final class ProxySnapshot: Sendable {
    /// The validated configuration.
    public let config: TollgateConfig
    /// Route table, first match wins.
    public let policy: RoutePolicy
    /// Resolved upstream address.
    public let upstreamAddress: SocketAddress
    /// Limits for newly accepted client connections.
    public let serverSettings: ServerSettings
    /// Upstream pool settings.
    public let upstreamSettings: UpstreamSettings
    /// Client header names removed on every request (identity headers, and credentials unless forwarded).
    public let strippedNames: [String]
    /// The same names as looked up per request.
    let strippedNameSet: HeaderNameSet
    /// Number of this snapshot (+1 on every applied reload of either file).
    public let generation: Int
    /// The token table in force.
    public let table: TokenTable
    /// The TLS context for `listen` (certificate and key as loaded for this snapshot), when `tls:` is set.
    public let tls: TLSContext?
    /// The two `WWW-Authenticate` challenges of SPEC §5 for this realm.
    let challenges: HTTPHeaderList
    /// The same, with `error="invalid_token"` on the Bearer challenge.
    let challengesInvalidToken: HTTPHeaderList

    /// Builds a snapshot; fails when the upstream host cannot be resolved or the TLS certificate or key
    /// cannot be loaded.
    public init(config: TollgateConfig, table: TokenTable, generation: Int) throws(SocketError) {
        self.config = config
        self.table = table
        self.generation = generation
        let basic = (name: "WWW-Authenticate", value: "Basic realm=\"\(config.realm)\", charset=\"UTF-8\"")
        challenges = [basic, (name: "WWW-Authenticate", value: "Bearer realm=\"\(config.realm)\"")]
        challengesInvalidToken = [
            basic, (name: "WWW-Authenticate", value: "Bearer realm=\"\(config.realm)\", error=\"invalid_token\""),
        ]
        policy = RoutePolicy(routes: config.routes)
        switch SocketAddress.resolve(host: config.upstream.host, port: config.upstream.port) {
        case .success(let a): upstreamAddress = a
        case .failure(let e): throw e
        }
        let l = config.limits
        serverSettings = ServerSettings(
            maxHeaderBytes: l.maxHeaderBytes, maxBodyBytes: l.maxBodyBytes,
            timeouts: ServerTimeouts(header: l.headerTimeout, idle: l.idleTimeout))
        upstreamSettings = UpstreamSettings(connectTimeout: l.upstreamConnectTimeout, responseTimeout: l.upstreamTimeout)
        let ids = config.identityHeaders
        // Method-override headers too: routes authorise the request's method (`methods:`), and an upstream
        // framework that honours an override would run another one (GET allowed, executed as DELETE).
        var stripped = [ids.user, ids.groups, ids.roles, ids.tokenID] + Self.methodOverrideNames
        if !config.forwardAuthorization {
            stripped.append("Authorization")
            if let key = config.apiKeyHeader { stripped.append(key) }
        }
        strippedNames = stripped
        strippedNameSet = HeaderNameSet(stripped)
        if let t = config.tls {
            tls = try TLSContext(certificatePath: t.certPath, keyPath: t.keyPath)
        } else {
            tls = nil
        }
    }

    /// Headers with which web frameworks let a client replace the request method (Rails, Laravel, Symfony,
    /// ASP.NET, Express's method-override, Spring's HiddenHttpMethodFilter reads a form field, not a header).
    static let methodOverrideNames = ["X-HTTP-Method-Override", "X-HTTP-Method", "X-Method-Override"]

    /// The same configuration with another token table (an accounts-file sync).
    func with(table: TokenTable, generation: Int) -> ProxySnapshot {
        // Resolution already succeeded for this config; reuse its address instead of resolving again.
        ProxySnapshot(copying: self, table: table, generation: generation)
    }

    private init(copying s: ProxySnapshot, table: TokenTable, generation: Int) {
        config = s.config
        policy = s.policy
        upstreamAddress = s.upstreamAddress
        serverSettings = s.serverSettings
        upstreamSettings = s.upstreamSettings
        strippedNames = s.strippedNames
        strippedNameSet = s.strippedNameSet
        challenges = s.challenges
        challengesInvalidToken = s.challengesInvalidToken
        tls = s.tls
        self.table = table
        self.generation = generation
    }

    /// True when `address` is inside `trusted_proxies`.
    public func isTrusted(_ address: String) -> Bool {
        config.trustedProxies.contains { $0.contains(address) }
    }
}
