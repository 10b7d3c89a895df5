/// The whole validated config file (SPEC section 2); build it with `ConfigLoader`.
public struct TollgateConfig: Sendable {
    /// Absolute path of the file this came from.
    public var configPath: String
    /// Proxy listeners (one string or a list in the file).
    public var listen: [ListenAddress]
    /// Where allowed requests go.
    public var upstream: UpstreamTarget
    /// Event-loop threads; nil means one per core.
    public var workers: Int?
    /// Absolute path of the accounts file; empty when not configured.
    public var accountsFile: String
    /// Seconds between polls of the accounts file.
    public var syncInterval: Double
    /// Realm in `WWW-Authenticate`.
    public var realm: String
    /// Listener for /healthz, /readyz and /metrics; nil when not configured.
    public var adminListen: ListenAddress?
    /// Proxies whose `X-Forwarded-*` headers are believed.
    public var trustedProxies: [CIDR]
    /// Absolute path for persisted last-use times; nil when not configured.
    public var stateFile: String?
    /// TLS on `listen`; nil for plain HTTP.
    public var tls: TLSConfig?
    /// Names of the identity headers.
    public var identityHeaders: IdentityHeaderNames
    /// Whether `Authorization` (and the api-key header) are sent upstream.
    public var forwardAuthorization: Bool
    /// Extra header that may carry a bearer token; nil when disabled.
    public var apiKeyHeader: String?
    /// Size and time limits.
    public var limits: Limits
    /// Brute-force brake.
    public var failedAuth: FailedAuthConfig
    /// Logging.
    public var log: LogConfig
    /// Routes in file order; first match wins.
    public var routes: [Route]
    /// The deciding-only listener; nil when not configured.
    public var forwardAuth: ForwardAuthConfig?

    /// Creates a config in code (tests, `tollgate demo`); every optional part has the documented default.
    public init(
        configPath: String = "",
        listen: [ListenAddress],
        upstream: UpstreamTarget,
        workers: Int? = nil,
        accountsFile: String = "",
        syncInterval: Double = 2,
        realm: String = ConfigLoader.defaultRealm,
        adminListen: ListenAddress? = nil,
        trustedProxies: [CIDR] = [],
        stateFile: String? = nil,
        tls: TLSConfig? = nil,
        identityHeaders: IdentityHeaderNames = IdentityHeaderNames(),
        forwardAuthorization: Bool = false,
        apiKeyHeader: String? = nil,
        limits: Limits = Limits(),
        failedAuth: FailedAuthConfig = FailedAuthConfig(),
        log: LogConfig = LogConfig(),
        routes: [Route] = [],
        forwardAuth: ForwardAuthConfig? = nil
    ) {
        self.configPath = configPath
        self.listen = listen
        self.upstream = upstream
        self.workers = workers
        self.accountsFile = accountsFile
        self.syncInterval = syncInterval
        self.realm = realm
        self.adminListen = adminListen
        self.trustedProxies = trustedProxies
        self.stateFile = stateFile
        self.tls = tls
        self.identityHeaders = identityHeaders
        self.forwardAuthorization = forwardAuthorization
        self.apiKeyHeader = apiKeyHeader
        self.limits = limits
        self.failedAuth = failedAuth
        self.log = log
        self.routes = routes
        self.forwardAuth = forwardAuth
    }

    /// Header names removed from every client request before forwarding: the identity headers, plus
    /// `Authorization` and the api-key header unless `forward_authorization` is on.
    public var strippedHeaderNames: [String] {
        var names = identityHeaders.all
        if !forwardAuthorization {
            names.append("Authorization")
            if let apiKeyHeader { names.append(apiKeyHeader) }
        }
        return names
    }
}
