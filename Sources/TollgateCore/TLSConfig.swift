/// Certificate and key for terminating TLS on `listen` (`tls:`).
public struct TLSConfig: Sendable, Equatable {
    /// PEM certificate chain, absolute path.
    public var certPath: String
    /// PEM private key, absolute path.
    public var keyPath: String

    /// Creates the TLS settings.
    public init(certPath: String, keyPath: String) {
        self.certPath = certPath
        self.keyPath = keyPath
    }
}
