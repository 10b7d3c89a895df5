/// The per-client-IP brake on invalid credentials (`failed_auth:`).
public struct FailedAuthConfig: Sendable, Equatable {
    /// Invalid credentials allowed per window; the next one is refused with 429.
    public var limit: Int
    /// Window length in seconds.
    public var window: Double

    /// Creates the brake settings; defaults 20 per 60 s.
    public init(limit: Int = 20, window: Double = 60) {
        self.limit = limit
        self.window = window
    }
}
