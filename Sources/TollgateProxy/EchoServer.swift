import TollgateEventLoop
import Logging

/// `tollgate echo`: a tiny upstream that answers every request with a JSON dump of what it received
/// (method, path, query, headers in order, body length). For demos and tests. Thread rule: after `run` starts,
/// used only on the thread that called it.
public final class EchoServer: HTTPServerHandler, @unchecked Sendable {
    private let loop = EventLoop()
    private var listeners: [Listener] = []
    private let logger: Logger

    /// An echo server; call `run(listen:)`.
    public init(logger: Logger) { self.logger = logger }

    /// Called once bound, with the port (useful with port 0).
    public var onListening: ((UInt16) -> Void)?

    /// Binds `host:port` and serves until SIGTERM/SIGINT (or forever when `handleSignals` is false: inside
    /// `tollgate demo`, the proxy owns the signals); returns an exit code on failure.
    public func run(host: String, port: UInt16, handleSignals: Bool = true) -> Int32 {
        let address: SocketAddress
        switch SocketAddress.resolve(host: host, port: port) {
        case .success(let a): address = a
        case .failure(let e):
            logger.error("\(e)")
            return 1
        }
        let settings = ServerSettings(maxHeaderBytes: 65536, maxBodyBytes: Int64.max,
                                      timeouts: ServerTimeouts(header: 30, idle: 120))
        do {
            let l = try Listener(loop: loop, address: address, handler: self,
                                 counter: ConnectionCounter(limit: 100_000)) { settings }
            listeners.append(l)
            let shown = host.contains(":") ? "[\(host)]:\(l.port)" : "\(host):\(l.port)"
            logger.info("echo listening on \(shown)")
            onListening?(l.port)
        } catch {
            logger.error("\(error)")
            return 1
        }
        let signals = handleSignals
            ? SignalWatcher(loop: loop, signals: [SignalNumber.terminate, SignalNumber.interrupt]) { [loop] _ in
                loop.stop()
            } : nil
        loop.run()
        signals?.cancel()
        return 0
    }

    public func handle(_ head: HTTPRequestHead, on connection: ServerConnection) {
        connection.readBody { length in
            let q = head.target.firstIndex(of: "?")
            let path = q.map { String(head.target[..<$0]) } ?? head.target
            let query = q.map { String(head.target[head.target.index(after: $0)...]) }
            var json = "{\"method\":\(JSONText.quote(head.method)),\"path\":\(JSONText.quote(path))"
            json += ",\"query\":\(JSONText.quoteOrNull(query)),\"headers\":["
            json += head.headers.map { "[\(JSONText.quote($0.name)),\(JSONText.quote($0.value))]" }
                .joined(separator: ",")
            json += "],\"body_length\":\(length)}\n"
            connection.respond(LocalResponse(
                status: 200, headers: [(name: "Content-Type", value: "application/json")], body: Array(json.utf8)))
        }
    }

    public func refused(_ error: HeadError, status: Int, rawTarget: String?, on connection: ServerConnection)
        -> LocalResponse
    {
        errorResponse(status: status, on: connection)
    }

    public func errorResponse(status: Int, on connection: ServerConnection) -> LocalResponse {
        LocalResponse(status: status, headers: [(name: "Content-Type", value: "application/json")],
                      body: Array("{\"error\":\"\(ErrorResponse.kind(for: status))\"}\n".utf8), close: true)
    }
}
