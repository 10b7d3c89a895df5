import TollgateCore
import TollgateEventLoop
import TollgateHeaders

/// The forward-auth listener (SPEC §9): judges a request described by a trusted ingress (nginx `auth_request`,
/// Traefik `forwardAuth`, Envoy `ext_authz` HTTP, Caddy `forward_auth`) with the same normalisation, routes and
/// access control as the proxy, and answers without proxying: 200 + identity headers, or 400/401/403/429.
/// Thread rule: one per worker, called only on that worker's loop.
final class ForwardAuthPipeline: HTTPServerHandler {
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
        let start = connection.loop.now
        let requestID = RequestID.generate()
        connection.requestID = requestID
        let record = AccessRecord(
            requestID: requestID, client: connection.peerAddress, method: head.method, path: head.target,
            route: nil, account: nil, tokenID: nil, decision: "forbidden", status: 0, bytesOut: 0, durationMs: 0,
            upstreamMs: nil)
        // The path to judge is never taken from an untrusted peer's headers.
        guard snapshot.isTrusted(connection.peerAddress) else {
            log.answer(ErrorResponse.make(403, requestID: requestID), record: record, start: start, on: connection)
            return
        }
        var forwardedFor: [String] = []
        var method: String?
        var uri: String?
        var originalMethod: String?
        var originalURI: String?
        // Names compared in place; a value becomes a String only when it is used.
        let fields = head.fields
        for i in 0..<fields.count {
            if fields.name(i, equalsIgnoringCase: "x-forwarded-method") {
                method = method ?? fields.value(i)
            } else if fields.name(i, equalsIgnoringCase: "x-original-method") {
                originalMethod = originalMethod ?? fields.value(i)
            } else if fields.name(i, equalsIgnoringCase: "x-forwarded-uri") {
                uri = uri ?? fields.value(i)
            } else if fields.name(i, equalsIgnoringCase: "x-original-uri") {
                originalURI = originalURI ?? fields.value(i)
            } else if fields.name(i, equalsIgnoringCase: "x-forwarded-for") {
                forwardedFor.append(fields.value(i))
            }
        }
        // X-Forwarded-* wins over X-Original-*; with neither, the request's own method and target are judged.
        let judgedMethod = method ?? originalMethod ?? head.method
        let judgedTarget = uri ?? originalURI ?? head.target
        record.method = judgedMethod
        record.path = judgedTarget
        record.client = ClientAddress.resolve(peer: connection.peerAddress, peerTrusted: true,
                                              forwardedFor: forwardedFor, trusted: snapshot.config.trustedProxies)
        // The same decision as the proxy's (SPEC §9), on the judged method and target.
        let decision = DecisionEngine.decide(
            DecisionInput(method: judgedMethod, target: judgedTarget, fields: head.fields, client: record.client),
            auth.decisionContext(snapshot, digests: worker.digests, clock: connection.loop))
        if let judged = decision.target { record.path = judged.path }
        record.route = decision.route?.name
        switch decision {
        case .badRequest:
            record.decision = "bad_request"
            log.answer(ErrorResponse.make(400, requestID: requestID), record: record, start: start, on: connection)
        case .noRoute:
            log.answer(ErrorResponse.make(403, requestID: requestID), record: record, start: start, on: connection)
        case .publicRoute:
            record.decision = "public"
            log.answer(LocalResponse(status: 200), record: record, start: start, on: connection)
        case .unauthenticated(_, _, let failure, let invalidToken):
            record.decision = "unauthenticated"
            record.authFailure = failure
            let challenges = invalidToken ? snapshot.challengesInvalidToken : snapshot.challenges
            log.answer(ErrorResponse.make(401, requestID: requestID, extraHeaders: challenges), record: record,
                   start: start, on: connection)
        case .rateLimited(_, _, let wait):
            record.decision = "rate_limited"
            log.answer(ErrorResponse.make(429, requestID: requestID,
                                      extraHeaders: [(name: "Retry-After", value: String(wait))]),
                   record: record, start: start, on: connection)
        case .forbidden(_, _, let who):
            record.account = who.account
            record.tokenID = who.tokenID
            log.answer(ErrorResponse.make(403, requestID: requestID), record: record, start: start, on: connection)
        case .allow(_, _, let who):
            record.decision = "allow"
            record.account = who.account
            record.tokenID = who.tokenID
            let headers = IdentityHeaders.build(who, names: snapshot.config.identityHeaders)
            log.answer(LocalResponse(status: 200, headers: headers), record: record, start: start, on: connection)
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
}
