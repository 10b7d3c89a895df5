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

    /// What a client header is to the forwarding rules.
    private enum Kind {
        case other, removed, connection, host, forwardedFor, forwardedProto, forwardedHost, requestID
    }

    /// The names with a rule, grouped by length so that most headers are classified by one array read.
    private static let byLength: [[(key: String, kind: Kind)]] = {
        var table = [[(key: String, kind: Kind)]](repeating: [], count: 32)
        var rules: [(String, Kind)] = alwaysRemoved.map { ($0, .removed) }
        rules.removeAll { $0.0 == "connection" || $0.0 == "host" }
        rules += [("connection", .connection), ("host", .host), ("x-forwarded-for", .forwardedFor),
                  ("x-forwarded-proto", .forwardedProto), ("x-forwarded-host", .forwardedHost),
                  ("x-request-id", .requestID)]
        for (key, kind) in rules { table[key.utf8.count].append((key, kind)) }
        return table
    }()

    private static func kind(of name: String) -> Kind {
        let length = name.utf8.count
        guard length < byLength.count else { return .other }
        for rule in byLength[length] where HeaderName.matches(name, rule.key) { return rule.kind }
        return .other
    }

    /// Builds the upstream headers for one request. Pure and thread-safe.
    public static func build(_ input: ForwardingInput) -> ForwardingResult {
        var kinds: [Kind] = []
        kinds.reserveCapacity(input.headers.count)
        var listed: [String] = []  // names listed in `Connection:`
        var host: String?
        for field in input.headers {
            let kind = kind(of: field.name)
            kinds.append(kind)
            if kind == .connection {
                for token in field.value.split(separator: ",") {
                    let trimmed = token.trimmingASCIIWhitespace()
                    if !trimmed.isEmpty { listed.append(String(trimmed)) }
                }
            } else if host == nil && kind == .host {
                host = field.value
            }
        }

        var output: HeaderList = []
        output.reserveCapacity(input.headers.count + 4 + input.identity.count)
        var forwardedFor: [String] = []
        var forwardedProto: [String] = []
        var forwardedHost: [String] = []
        var requestIDs: [String] = []
        for (index, field) in input.headers.enumerated() {
            let kind = kinds[index]
            switch kind {
            case .removed, .connection, .host: continue
            default: break
            }
            if input.strippedNames.contains(where: { HeaderName.matches(field.name, $0) }) { continue }
            if !listed.isEmpty && listed.contains(where: { HeaderName.matches(field.name, $0) }) { continue }
            // Only the exact (hyphenated) spelling is read; `X_Forwarded_For` is dropped unread.
            let exact = kind == .other || !field.name.utf8.contains(UInt8(ascii: "_"))
            switch kind {
            case .forwardedFor: if exact { forwardedFor.append(field.value) }
            case .forwardedProto: if exact { forwardedProto.append(field.value) }
            case .forwardedHost: if exact { forwardedHost.append(field.value) }
            case .requestID: if exact { requestIDs.append(field.value) }
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
