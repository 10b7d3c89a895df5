/// A local address to listen on: `0.0.0.0:8080`, `[::]:8080`, `127.0.0.1:0`, `localhost:8080`.
public struct ListenAddress: Sendable, Equatable, Hashable, CustomStringConvertible {
    /// IP literal or host name, without brackets.
    public var host: String
    /// TCP port; 0 asks the system for a free one.
    public var port: UInt16

    /// Creates an address from its parts.
    public init(host: String, port: UInt16) {
        self.host = host
        self.port = port
    }

    /// Parses `host:port` or `[ipv6]:port`; nil when invalid.
    public init?(_ text: String) {
        guard case .success(let address) = ListenAddress.parse(text) else { return nil }
        self = address
    }

    /// Parses `host:port` or `[ipv6]:port`, with the reason when invalid.
    public static func parse(_ text: String) -> Result<ListenAddress, InvalidValue> {
        switch HostPort.split(text[...]) {
        case .failure(let error):
            return .failure(error)
        case .success(let (host, portText)):
            guard let portText else {
                return .failure(InvalidValue("'\(text)' needs a port, e.g. 0.0.0.0:8080"))
            }
            guard !host.isEmpty else {
                return .failure(InvalidValue("'\(text)' needs a host, e.g. 0.0.0.0\(text) or [::]\(text)"))
            }
            guard HostPort.isValidHost(host) else {
                return .failure(InvalidValue("'\(host)' is not an IP address or host name"))
            }
            guard let port = HostPort.port(portText) else {
                return .failure(InvalidValue("port '\(portText)' must be a number 0...65535"))
            }
            return .success(ListenAddress(host: host, port: port))
        }
    }

    /// `host:port`, with brackets around an IPv6 host.
    public var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}
