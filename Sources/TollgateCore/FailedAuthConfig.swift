/// The per-client-IP brake on invalid credentials (`failed_auth:`).
public struct FailedAuthConfig: Sendable, Equatable {
    /// Invalid credentials allowed per window; the next one is refused with 429.
    public var limit: Int
    /// Window length in seconds.
    public var window: Double
    /// Client IPs tracked at once (`max_tracked`); past it the oldest windows are forgotten, so memory stays
    /// bounded under a flood from many addresses.
    public var maxTracked: Int

    /// Creates the brake settings; defaults 20 per 60 s, 100,000 IPs tracked.
    public init(limit: Int = 20, window: Double = 60, maxTracked: Int = 100_000) {
        self.limit = limit
        self.window = window
        self.maxTracked = maxTracked
    }
}
