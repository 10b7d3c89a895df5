private import CLibevent

/// A resolved IPv4/IPv6 socket address. Resolution may block (DNS), so it happens at start-up or reload,
/// never on a worker loop.
public struct SocketAddress: Sendable, Equatable, CustomStringConvertible {
    let storage: [UInt8]
    /// "host:port" as resolved, for messages.
    public let description: String

    /// Resolves `host` (name or literal) and `port`; returns nil with a message on failure.
    public static func resolve(host: String, port: UInt16) -> Result<SocketAddress, SocketError> {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, String(port), &hints, &result)
        guard rc == 0, let first = result else {
            let message = rc == 0 ? "no address" : String(cString: gai_strerror(rc))
            return .failure(SocketError(message: "cannot resolve \(host): \(message)"))
        }
        defer { freeaddrinfo(result) }
        let bytes = Array(UnsafeRawBufferPointer(start: first.pointee.ai_addr, count: Int(first.pointee.ai_addrlen)))
        let shown = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        return .success(SocketAddress(storage: bytes, description: shown))
    }

    func withSockaddr<R>(_ body: (UnsafeRawPointer, Int32) -> R) -> R {
        storage.withUnsafeBytes { raw in
            body(raw.baseAddress!, Int32(raw.count))
        }
    }
}

/// A socket-level failure with a readable message.
public struct SocketError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, including the OS error text when there is one.
    public var message: String
    /// The message.
    public var description: String { message }

    static func errno(_ what: String) -> SocketError {
        SocketError(message: "\(what): \(String(cString: strerror(tollgate_errno())))")
    }
}
