import TollgateHeaders

/// What `ForwardingHeaders.build` needs to know about one request.
public struct ForwardingInput: Sendable {
    /// Headers as received, in order, duplicates kept.
    public var headers: HeaderList
    /// The peer's IP without port, e.g. `127.0.0.1` or `::1`.
    public var peerAddress: String
    /// Whether the peer is in `trusted_proxies`.
    public var peerIsTrusted: Bool
    /// The configured `trusted_proxies`.
    public var trustedProxies: [CIDR]
    /// `http` or `https`: what tollgate's listener terminated.
    public var scheme: String
    /// Names removed unconditionally (identity headers; `Authorization` and the api-key header when not forwarded).
    public var strippedNames: [String]
    /// Headers added last, after every client copy is gone (identity headers); may be empty.
    public var identity: HeaderList

    /// Creates the input.
    public init(
        headers: HeaderList,
        peerAddress: String,
        peerIsTrusted: Bool,
        trustedProxies: [CIDR],
        scheme: String,
        strippedNames: [String],
        identity: HeaderList
    ) {
        self.headers = headers
        self.peerAddress = peerAddress
        self.peerIsTrusted = peerIsTrusted
        self.trustedProxies = trustedProxies
        self.scheme = scheme
        self.strippedNames = strippedNames
        self.identity = identity
    }
}

/// The headers for the upstream request, and what was decided on the way.
public struct ForwardingResult: Sendable {
    /// Headers to send upstream: no framing or hop-by-hop headers, no Host unless `upstreamHost` asked for one
    /// first; `X-Forwarded-*`, `X-Request-Id` and identity set.
    public var fields: HeaderBlock
    /// The `X-Request-Id` sent upstream (for the access log and error bodies).
    public var requestID: String
    /// The client IP per the `trusted_proxies` rule.
    public var clientAddress: String
    /// The received `Host` value, for the upstream `Host` header; nil when the client sent none.
    public var host: String?

    /// The headers as Strings.
    public var headers: HeaderList { fields.list }

    /// Creates a result.
    public init(fields: HeaderBlock, requestID: String, clientAddress: String, host: String?) {
        self.fields = fields
        self.requestID = requestID
        self.clientAddress = clientAddress
        self.host = host
    }
}
