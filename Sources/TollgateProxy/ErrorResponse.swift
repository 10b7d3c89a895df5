import TollgateCore
import TollgateEventLoop

/// The small JSON error bodies of SPEC §5: `{"error":"kind","request_id":"..."}`.
enum ErrorResponse {
    /// The `error` value for a status tollgate generates.
    static func kind(for status: Int) -> String {
        switch status {
        case 400: return "bad_request"
        case 401: return "unauthorized"
        case 403: return "forbidden"
        case 413: return "payload_too_large"
        case 429: return "too_many_requests"
        case 431: return "headers_too_large"
        case 501: return "not_implemented"
        case 502: return "bad_gateway"
        case 504: return "gateway_timeout"
        default: return "error"
        }
    }

    /// The answer to a head refused by the framing checks, logged as `bad_request`; the connection closes.
    static func refusal(status: Int, rawTarget: String?, peer: String, log: Reporter) -> LocalResponse {
        let requestID = RequestID.generate()
        let response = make(status, requestID: requestID, close: true)
        log.write(AccessRecord(
            requestID: requestID, client: peer, method: "", path: rawTarget ?? "", route: nil, account: nil,
            tokenID: nil, decision: "bad_request", status: status, bytesOut: Int64(response.body.count),
            durationMs: 0, upstreamMs: nil))
        return response
    }

    /// A local response for `status`, carrying `requestID` in the body and in `X-Request-Id`.
    static func make(_ status: Int, requestID: String, extraHeaders: HTTPHeaderList = [], close: Bool = false)
        -> LocalResponse
    {
        let body = "{\"error\":\"\(kind(for: status))\",\"request_id\":\(JSONText.quote(requestID))}\n"
        var headers: HTTPHeaderList = [
            (name: "Content-Type", value: "application/json"),
            (name: "X-Request-Id", value: requestID),
        ]
        headers += extraHeaders
        return LocalResponse(status: status, headers: headers, body: Array(body.utf8), close: close)
    }
}
