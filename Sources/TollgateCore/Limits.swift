/// Size and time limits (`limits:` in the config); times are in seconds.
public struct Limits: Sendable, Equatable {
    /// Largest request head (request line plus headers); over it -> 431.
    public var maxHeaderBytes: Int
    /// Largest request body; over it -> 413.
    public var maxBodyBytes: Int64
    /// From a request's first byte to the end of its headers; else the connection is closed.
    public var headerTimeout: Double
    /// Keep-alive gap allowed between requests.
    public var idleTimeout: Double
    /// Time to connect to the upstream; over it -> 502.
    public var upstreamConnectTimeout: Double
    /// Time to wait for the upstream; over it -> 504.
    public var upstreamTimeout: Double
    /// Grace period for requests in flight after SIGTERM.
    public var drainTimeout: Double
    /// Open client connections allowed at once.
    public var maxConnections: Int

    /// Creates limits; every default is the one documented in the config example.
    public init(
        maxHeaderBytes: Int = 16384,
        maxBodyBytes: Int64 = 16_777_216,
        headerTimeout: Double = 10,
        idleTimeout: Double = 60,
        upstreamConnectTimeout: Double = 2,
        upstreamTimeout: Double = 30,
        drainTimeout: Double = 20,
        maxConnections: Int = 10000
    ) {
        self.maxHeaderBytes = maxHeaderBytes
        self.maxBodyBytes = maxBodyBytes
        self.headerTimeout = headerTimeout
        self.idleTimeout = idleTimeout
        self.upstreamConnectTimeout = upstreamConnectTimeout
        self.upstreamTimeout = upstreamTimeout
        self.drainTimeout = drainTimeout
        self.maxConnections = maxConnections
    }
}
