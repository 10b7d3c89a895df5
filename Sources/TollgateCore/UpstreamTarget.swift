/// The one upstream tollgate forwards to, from `upstream: "http://127.0.0.1:8081"`.
public struct UpstreamTarget: Sendable, Equatable {
    /// IP literal or host name, without brackets.
    public var host: String
    /// TCP port; 80 when the URL has none.
    public var port: UInt16
    /// The URL's authority as written (`host` or `host:port`, brackets kept for IPv6), for a `Host` header.
    public var hostHeader: String

    /// Creates a target from its parts.
    public init(host: String, port: UInt16, hostHeader: String) {
        self.host = host
        self.port = port
        self.hostHeader = hostHeader
    }

    /// Parses `http://host[:port][/]`, with the reason when invalid.
    ///
    /// Only plain `http` is supported for now; a path other than `/`, a query, a fragment or user
    /// information are rejected rather than ignored, because tollgate would not honour them.
    public static func parse(_ text: String) -> Result<UpstreamTarget, InvalidValue> {
        guard let schemeEnd = text.range(of: "://") else {
            return .failure(InvalidValue("'\(text)' must be a URL like http://127.0.0.1:8081"))
        }
        let scheme = text[..<schemeEnd.lowerBound].lowercased()
        if scheme == "https" {
            return .failure(InvalidValue("https upstreams are not supported yet"))
        }
        guard scheme == "http" else {
            return .failure(InvalidValue("upstream scheme '\(scheme)' is not supported; use http://"))
        }
        var rest = text[schemeEnd.upperBound...]
        if let slash = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) {
            let tail = rest[slash...]
            guard tail == "/" else {
                return .failure(InvalidValue("upstream URL must not have a path, query or fragment ('\(tail)')"))
            }
            rest = rest[..<slash]
        }
        guard !rest.contains("@") else {
            return .failure(InvalidValue("upstream URL must not contain user information"))
        }
        switch HostPort.split(rest) {
        case .failure(let error):
            return .failure(error)
        case .success(let (host, portText)):
            guard !host.isEmpty, HostPort.isValidHost(host) else {
                return .failure(InvalidValue("'\(host)' is not an IP address or host name"))
            }
            var port: UInt16 = 80
            if let portText {
                guard let value = HostPort.port(portText), value != 0 else {
                    return .failure(InvalidValue("port '\(portText)' must be a number 1...65535"))
                }
                port = value
            }
            return .success(UpstreamTarget(host: host, port: port, hostHeader: String(rest)))
        }
    }
}
