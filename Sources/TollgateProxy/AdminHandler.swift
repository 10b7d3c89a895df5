import TollgateEventLoop

/// The admin listener (SPEC §7): `/healthz`, `/readyz`, `/metrics`; never proxied, not in the access log
/// (probes would drown it). Thread rule: runs on the main loop, like reloads and the drain it reports on.
final class AdminHandler: HTTPServerHandler {
    /// What `/readyz` reports.
    enum Readiness {
        case ready
        case waitingForAccounts
        case draining
    }

    private let readiness: () -> Readiness
    private let metrics: () -> [UInt8]

    init(readiness: @escaping () -> Readiness, metrics: @escaping () -> [UInt8]) {
        self.readiness = readiness
        self.metrics = metrics
    }

    func handle(_ head: HTTPRequestHead, on connection: ServerConnection) {
        let path = head.target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first
            .map(String.init) ?? head.target
        let known = ["/healthz", "/readyz", "/metrics"]
        guard known.contains(path) else {
            connection.respond(Self.text(404, "not found\n"))
            return
        }
        guard head.method == "GET" || head.method == "HEAD" else {
            var r = Self.text(405, "method not allowed\n")
            r.headers.append((name: "Allow", value: "GET, HEAD"))
            connection.respond(r)
            return
        }
        switch path {
        case "/healthz":
            connection.respond(Self.text(200, "ok\n"))
        case "/readyz":
            switch readiness() {
            case .ready: connection.respond(Self.text(200, "ready\n"))
            case .waitingForAccounts: connection.respond(Self.text(503, "waiting for a valid accounts file\n"))
            case .draining: connection.respond(Self.text(503, "draining\n"))
            }
        default:
            connection.respond(LocalResponse(
                status: 200, headers: [(name: "Content-Type", value: "text/plain; version=0.0.4; charset=utf-8")],
                body: metrics()))
        }
    }

    func refused(_ error: HeadError, status: Int, rawTarget: String?, on connection: ServerConnection)
        -> LocalResponse
    {
        var r = Self.text(status, "bad request\n")
        r.close = true
        return r
    }

    func errorResponse(status: Int, on connection: ServerConnection) -> LocalResponse {
        Self.text(status, "error\n")
    }

    private static func text(_ status: Int, _ body: String) -> LocalResponse {
        LocalResponse(status: status, headers: [(name: "Content-Type", value: "text/plain; charset=utf-8")],
                      body: Array(body.utf8))
    }
}
