import TollgateCore
import TollgateEventLoop
import TollgateHeaders

/// The one composition site (STYLE rule 3): normalise → match route → authenticate → authorise →
/// strip/inject headers → forward. Deny by default: no route, no forwarding.
/// Thread rule: one pipeline per worker, called only on that worker's loop.
final class RequestPipeline: HTTPServerHandler {
    private let worker: Worker
    private let log: Reporter
    private let auth: AuthState

    init(worker: Worker, log: Reporter, auth: AuthState) {
        self.worker = worker
        self.log = log
        self.auth = auth
    }

    func handle(_ head: HTTPRequestHead, on connection: ServerConnection) {
        let snapshot = worker.snapshot()
        // The identity memo lets go of a replaced snapshot with the first request under the new one.
        if let last = lastIdentity, last.snapshot !== snapshot { lastIdentity = nil }
        let loop = connection.loop
        let start = loop.now
        let record = AccessRecord(
            requestID: "", client: connection.peerAddress, method: head.method, path: head.target, route: nil,
            account: nil, tokenID: nil, decision: "bad_request", status: 0, bytesOut: 0, durationMs: 0,
            upstreamMs: nil)

        // Forwarding facts first: the request id and client address appear in every answer and log line.
        let peerTrusted = snapshot.isTrusted(connection.peerAddress)
        // One list, sized once: Host first, the client's fields, X-Forwarded-*/X-Request-Id, then room for identity.
        var forwarding = ForwardingHeaders.build(
            fields: head.fields, peerAddress: connection.peerAddress, peerIsTrusted: peerTrusted,
            trustedProxies: snapshot.config.trustedProxies, scheme: connection.isTLS ? "https" : "http",
            strippedNames: snapshot.strippedNameSet, identity: [], upstreamHost: snapshot.config.upstream.hostHeader,
            extraCapacity: IdentityHeaders.maxCount)
        record.requestID = forwarding.requestID
        connection.requestID = forwarding.requestID
        record.client = forwarding.clientAddress

        // (1) path checks, (2) route match, (3) public, (4) authenticate, (5) authorise: one decision in Core.
        // What was matched is exactly what is forwarded: the target carried in the decision.
        let decision = DecisionEngine.decide(
            DecisionInput(method: head.method, target: head.target, fields: head.fields, client: record.client),
            auth.decisionContext(snapshot, digests: worker.digests, clock: loop))
        if let judged = decision.target { record.path = judged.path }
        record.route = decision.route?.name
        let target: NormalizedTarget
        var headers = HeaderBlock()
        swap(&headers, &forwarding.fields)  // moved, not copied: appending below then needs no new storage
        switch decision {
        case .badRequest:
            log.answer(ErrorResponse.make(400, requestID: record.requestID), record: record, start: start,
                        on: connection)
            return
        case .noRoute:
            record.decision = "forbidden"
            log.answer(ErrorResponse.make(403, requestID: record.requestID), record: record, start: start,
                        on: connection)
            return
        case .unauthenticated(_, _, let failure, let invalidToken):
            record.decision = "unauthenticated"
            record.authFailure = failure
            let challenges = invalidToken ? snapshot.challengesInvalidToken : snapshot.challenges
            log.answer(ErrorResponse.make(401, requestID: record.requestID, extraHeaders: challenges),
                        record: record, start: start, on: connection)
            return
        case .rateLimited(_, _, let wait):
            record.decision = "rate_limited"
            log.answer(ErrorResponse.make(429, requestID: record.requestID,
                                           extraHeaders: [(name: "Retry-After", value: String(wait))]),
                        record: record, start: start, on: connection)
            return
        case .forbidden(_, _, let who):
            record.decision = "forbidden"
            record.account = who.account
            record.tokenID = who.tokenID
            log.answer(ErrorResponse.make(403, requestID: record.requestID), record: record, start: start,
                        on: connection)
            return
        case .publicRoute(_, let judged):
            // Public routes are forwarded without identity (client copies are still stripped).
            record.decision = "public"
            target = judged
        case .allow(_, let judged, let who):
            record.decision = "allow"
            record.account = who.account
            record.tokenID = who.tokenID
            headers.append(contentsOf: identityLines(who, snapshot))
            target = judged
        }

        let upstreamTarget = target.query.map { target.path + "?" + $0 } ?? target.path
        let request = UpstreamRequest(method: head.method, target: upstreamTarget, fields: headers)
        let log = self.log
        connection.proxy(request, via: worker.pool) { result in
            let r = record
            r.status = result.status
            r.bytesOut = result.bytesOut
            r.upstreamMs = result.upstreamSeconds.map { $0 * 1000 }
            r.durationMs = (Monotonic.now() - start) * 1000  // the handover, not this callback's start
            log.write(r)
        }
    }

    /// The identity header lines of the last identity allowed on this worker, under the snapshot that named them:
    /// keep-alive clients present the same token request after request, so the lines are made once and then
    /// copied whole. Held strongly, so a match is the same objects, never a new one at a reused address.
    private var lastIdentity: (who: Identity, snapshot: ProxySnapshot, lines: HeaderBlock)?

    private func identityLines(_ who: Identity, _ snapshot: ProxySnapshot) -> HeaderBlock {
        if let last = lastIdentity, last.who === who, last.snapshot === snapshot { return last.lines }
        var lines = HeaderBlock(capacity: 256, fields: IdentityHeaders.maxCount)
        IdentityHeaders.append(who, names: snapshot.config.identityHeaders, to: &lines)
        lastIdentity = (who, snapshot, lines)
        return lines
    }

    func refused(_ error: HeadError, status: Int, rawTarget: String?, on connection: ServerConnection)
        -> LocalResponse
    {
        ErrorResponse.refusal(status: status, rawTarget: rawTarget, peer: connection.peerAddress, log: log)
    }

    func errorResponse(status: Int, on connection: ServerConnection) -> LocalResponse {
        ErrorResponse.make(status, requestID: connection.requestID ?? RequestID.generate())
    }
}
