/// The optional forward-auth listener that only decides, never proxies (`forward_auth:`).
public struct ForwardAuthConfig: Sendable, Equatable {
    /// Addresses of the deciding listener.
    public var listen: [ListenAddress]

    /// Creates the forward-auth settings.
    public init(listen: [ListenAddress]) {
        self.listen = listen
    }
}
