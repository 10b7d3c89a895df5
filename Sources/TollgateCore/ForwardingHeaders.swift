/// Builds the header list the upstream receives (SPEC section 6; SECURITY-LESSONS "Identity headers").
///
/// Order of work, which is what makes it safe:
/// 1. Remove the client's hop-by-hop headers (`Connection`, every name it lists, `Keep-Alive`,
///    `Proxy-Connection`, `TE`, `Trailer`, `Transfer-Encoding`, `Upgrade`, and `Proxy-Authorization` which is a
///    credential meant for a proxy), the framing headers the caller rebuilds (`Host`, `Content-Length`,
///    `Expect`), and every `strippedNames` entry. Names compare case-insensitively with `_` read as `-`.
/// 2. Take the client's `X-Forwarded-For/-Proto/-Host` and `X-Request-Id` out of the list; they are re-added by
///    tollgate after the client headers (a `_` spelling is removed and never believed).
/// 3. Append `X-Forwarded-For`, `X-Forwarded-Proto`, `X-Forwarded-Host`, `X-Request-Id`, then the identity
///    headers. Nothing the client listed in `Connection:` can remove them, because removal happened first.
public enum ForwardingHeaders {
    /// Hop-by-hop headers (RFC 9110 section 7.6.1, plus the legacy ones), as lower-case keys.
    static let hopByHop: Set<String> = [
        "connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade",
        "proxy-authorization", "proxy-authenticate",
    ]
    /// Headers the caller writes itself from parsed fields.
    static let framing: Set<String> = ["host", "content-length", "expect"]

    /// Everything always removed: hop-by-hop plus framing.
    private static let alwaysRemoved = hopByHop.union(framing)

    /// Builds the upstream headers for one request. Pure and thread-safe.
    public static func build(_ input: ForwardingInput) -> ForwardingResult {
        let keys = input.headers.map { HeaderName.key($0.name) }
        let stripped = input.strippedNames.map(HeaderName.key)
        var listed: [String] = []  // names listed in `Connection:`
        var host: String?
        for (index, key) in keys.enumerated() {
            if key == "connection" {
                for token in input.headers[index].value.split(separator: ",") {
                    let trimmed = token.trimmingASCIIWhitespace()
                    if !trimmed.isEmpty { listed.append(HeaderName.key(String(trimmed))) }
                }
            } else if host == nil && key == "host" {
                host = input.headers[index].value
            }
        }

        var output: HeaderList = []
        output.reserveCapacity(input.headers.count + 4 + input.identity.count)
        var forwardedFor: [String] = []
        var forwardedProto: [String] = []
        var forwardedHost: [String] = []
        var requestIDs: [String] = []
        for (index, field) in input.headers.enumerated() {
            let key = keys[index]
            if alwaysRemoved.contains(key) || stripped.contains(key) || listed.contains(key) { continue }
            // Only the exact (hyphenated) spelling is read; `X_Forwarded_For` is dropped unread.
            let exact = !field.name.utf8.contains(UInt8(ascii: "_"))
            switch key {
            case "x-forwarded-for": if exact { forwardedFor.append(field.value) }
            case "x-forwarded-proto": if exact { forwardedProto.append(field.value) }
            case "x-forwarded-host": if exact { forwardedHost.append(field.value) }
            case "x-request-id": if exact { requestIDs.append(field.value) }
            default: output.append(field)
            }
        }

        let peer = input.peerAddress
        let trusted = input.peerIsTrusted
        let clientAddress = ClientAddress.resolve(
            peer: peer, peerTrusted: trusted, forwardedFor: forwardedFor, trusted: input.trustedProxies)
        // Appended to only when every element parses; else replaced (SPEC section 2).
        if trusted, ClientAddress.parseChain(forwardedFor) != nil {
            output.append(("X-Forwarded-For", forwardedFor.joined(separator: ", ") + ", " + peer))
        } else {
            output.append(("X-Forwarded-For", peer))
        }
        if trusted && !forwardedProto.isEmpty {
            output.append(("X-Forwarded-Proto", forwardedProto.joined(separator: ", ")))
        } else {
            output.append(("X-Forwarded-Proto", input.scheme))
        }
        if trusted && !forwardedHost.isEmpty {
            output.append(("X-Forwarded-Host", forwardedHost.joined(separator: ", ")))
        } else if let host {
            output.append(("X-Forwarded-Host", host))
        }
        let requestID: String
        if requestIDs.count == 1 && RequestID.isAcceptable(requestIDs[0]) {
            requestID = requestIDs[0]
        } else {
            requestID = RequestID.generate()
        }
        output.append(("X-Request-Id", requestID))
        output.append(contentsOf: input.identity)
        return ForwardingResult(headers: output, requestID: requestID, clientAddress: clientAddress, host: host)
    }
}
