import TollgateCore
import TollgateEventLoop

/// The one composition site (STYLE rule 3): normalise → match route → authenticate → authorise →
/// strip/inject headers → forward. Deny by default: no route, no forwarding.
/// Thread rule: one pipeline per worker, called only on that worker's loop.
final class RequestPipeline: HTTPServerHandler {
    private let worker: Worker
    private let log: AccessLog
    private let auth: AuthState

    init(worker: Worker, log: AccessLog, auth: AuthState) {
        self.worker = worker
        self.log = log
        self.auth = auth
    }

    func handle(_ head: HTTPRequestHead, on connection: ServerConnection) {
        let snapshot = worker.snapshot()
        let start = Monotonic.now()
        var record = AccessRecord(
            requestID: "", client: connection.peerAddress, method: head.method, path: head.target, route: nil,
            account: nil, tokenID: nil, decision: "bad_request", status: 0, bytesOut: 0, durationMs: 0,
            upstreamMs: nil)

        // Forwarding facts first: the request id and client address appear in every answer and log line.
        let peerTrusted = snapshot.isTrusted(connection.peerAddress)
        let forwarding = ForwardingHeaders.build(ForwardingInput(
            headers: head.headers, peerAddress: connection.peerAddress, peerIsTrusted: peerTrusted,
            trustedProxies: snapshot.config.trustedProxies, scheme: connection.isTLS ? "https" : "http",
            strippedNames: snapshot.strippedNames, identity: []))
        record.requestID = forwarding.requestID
        connection.requestID = forwarding.requestID
        record.client = forwarding.clientAddress

        // (1) path checks: what is matched is exactly what is forwarded.
        let target: NormalizedTarget
        switch PathNormalizer.normalize(target: head.target) {
        case .failure:
            finishLocal(ErrorResponse.make(400, requestID: record.requestID), record: record, start: start,
                        on: connection)
            return
        case .success(let t):
            target = t
        }
        record.path = target.path

        // (2) route match; no match is denied.
        guard let route = snapshot.policy.match(path: target.path, method: head.method) else {
            record.decision = "forbidden"
            finishLocal(ErrorResponse.make(403, requestID: record.requestID), record: record, start: start,
                        on: connection)
            return
        }
        record.route = route.name

        // (3) public routes are forwarded without identity; (4) authenticate, (5) authorise.
        var identity: HTTPHeaderList = []
        if route.isPublic {
            record.decision = "public"
        } else {
            switch AccessControl.decide(head: head, route: route, snapshot: snapshot, client: record.client,
                                        auth: auth) {
            case .unauthenticated(_, let invalidToken):
                record.decision = "unauthenticated"
                let challenges = invalidToken ? snapshot.challengesInvalidToken : snapshot.challenges
                finishLocal(ErrorResponse.make(401, requestID: record.requestID, extraHeaders: challenges),
                            record: record, start: start, on: connection)
                return
            case .rateLimited(let wait):
                record.decision = "rate_limited"
                finishLocal(ErrorResponse.make(429, requestID: record.requestID,
                                               extraHeaders: [(name: "Retry-After", value: String(wait))]),
                            record: record, start: start, on: connection)
                return
            case .forbidden(let who):
                record.decision = "forbidden"
                record.account = who.account
                record.tokenID = who.tokenID
                finishLocal(ErrorResponse.make(403, requestID: record.requestID), record: record, start: start,
                            on: connection)
                return
            case .allow(let who):
                record.decision = "allow"
                record.account = who.account
                record.tokenID = who.tokenID
                identity = AccessControl.identityHeaders(who, names: snapshot.config.identityHeaders)
            }
        }

        var headers: HTTPHeaderList = []
        headers.reserveCapacity(forwarding.headers.count + identity.count + 1)
        headers.append((name: "Host", value: forwarding.host ?? snapshot.config.upstream.hostHeader))
        headers += forwarding.headers
        headers += identity
        let upstreamTarget = target.query.map { target.path + "?" + $0 } ?? target.path
        let request = UpstreamRequest(method: head.method, target: upstreamTarget, headers: headers)
        let log = self.log
        connection.proxy(request, via: worker.pool) { result in
            var r = record
            r.status = result.status
            r.bytesOut = result.bytesOut
            r.upstreamMs = result.upstreamSeconds.map { $0 * 1000 }
            r.durationMs = (Monotonic.now() - start) * 1000
            log.write(r)
        }
    }

    func refused(_ error: HeadError, status: Int, rawTarget: String?, on connection: ServerConnection)
        -> LocalResponse
    {
        ErrorResponse.refusal(status: status, rawTarget: rawTarget, peer: connection.peerAddress, log: log)
    }

    func errorResponse(status: Int, on connection: ServerConnection) -> LocalResponse {
        ErrorResponse.make(status, requestID: connection.requestID ?? RequestID.generate())
    }

    private func finishLocal(_ response: LocalResponse, record: AccessRecord, start: Double,
                             on connection: ServerConnection) {
        var r = record
        r.status = response.status
        r.bytesOut = Int64(response.body.count)
        connection.respond(response)
        r.durationMs = (Monotonic.now() - start) * 1000
        log.write(r)
    }
}
