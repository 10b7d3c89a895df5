import TollgateHeaders

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

    /// What a client header is to the forwarding rules.
    enum Kind {
        case other, removed, connection, host, forwardedFor, forwardedProto, forwardedHost, requestID
    }

    /// The rule for a name, compared the way backends read names (`HeaderName.fold`): by length first, then
    /// against the few names of that length. `hopByHop` and `framing` are `.removed` (ForwardingHeadersTests
    /// checks every one of them).
    static func kind(of name: UnsafeBufferPointer<UInt8>) -> Kind {
        func equals(_ key: StaticString) -> Bool { HeaderName.equalsFolded(name, key) }
        switch name.count {
        case 2: return equals("te") ? .removed : .other
        case 4: return equals("host") ? .host : .other
        case 6: return equals("expect") ? .removed : .other
        case 7: return equals("trailer") || equals("upgrade") ? .removed : .other
        case 10: return equals("connection") ? .connection : equals("keep-alive") ? .removed : .other
        case 12: return equals("x-request-id") ? .requestID : .other
        case 14: return equals("content-length") ? .removed : .other
        case 15: return equals("x-forwarded-for") ? .forwardedFor : .other
        case 16: return equals("x-forwarded-host") ? .forwardedHost : equals("proxy-connection") ? .removed : .other
        case 17:
            return equals("x-forwarded-proto") ? .forwardedProto : equals("transfer-encoding") ? .removed : .other
        case 18: return equals("proxy-authenticate") ? .removed : .other
        case 19: return equals("proxy-authorization") ? .removed : .other
        default: return .other
        }
    }

    /// Builds the upstream headers for one request. Pure and thread-safe.
    public static func build(_ input: ForwardingInput) -> ForwardingResult {
        build(fields: HeaderBlock(input.headers), peerAddress: input.peerAddress, peerIsTrusted: input.peerIsTrusted,
              trustedProxies: input.trustedProxies, scheme: input.scheme,
              strippedNames: HeaderNameSet(input.strippedNames), identity: input.identity, upstreamHost: nil,
              extraCapacity: 0)
    }

    /// The same with the client's fields as a `HeaderBlock` (the request path's form: a kept field is one copy of
    /// its line, and no field becomes a String unless a rule reads its value) and the stripped names as a
    /// `HeaderNameSet`. `upstreamHost`: when set, the block starts with `Host:` the client's Host value, or this
    /// one when the client sent none. `extraCapacity`: room for headers the caller appends afterwards.
    public static func build(
        fields headers: HeaderBlock, peerAddress: String, peerIsTrusted: Bool, trustedProxies: [CIDR],
        scheme: String, strippedNames: HeaderNameSet, identity: HeaderList, upstreamHost: String?, extraCapacity: Int
    ) -> ForwardingResult {
        var listed = HeaderNameSet()  // names listed in `Connection:`
        var host: String?
        // Room for the kept lines, the five lines added here (an X-Forwarded-For chain can make them longer: the
        // block then grows) and the caller's.
        var output = HeaderBlock(capacity: headers.byteCount + 256 + 128 * extraCapacity,
                                 fields: headers.count + 5 + identity.count + extraCapacity)
        var forwardedFor: [String] = []
        var forwardedProto: [String] = []
        var forwardedHost: [String] = []
        var requestIDs: [String] = []
        for i in 0..<headers.count {
            switch headers.withName(i, kind(of:)) {
            case .connection: listed.insertList(headers.value(i))
            case .host: if host == nil { host = headers.value(i) }
            default: break
            }
        }
        if let upstreamHost { output.append(literal: "Host", value: host ?? upstreamHost) }
        for i in 0..<headers.count {
            let rule = headers.withName(i) { name -> Kind? in
                let kind = kind(of: name)
                switch kind {
                case .removed, .connection, .host: return nil
                default: break
                }
                if strippedNames.contains(name) || listed.contains(name) { return nil }
                // Only the exact (hyphenated) spelling is read; `X_Forwarded_For` is dropped unread.
                if kind != .other && name.contains(UInt8(ascii: "_")) { return .removed }
                return kind
            }
            switch rule {
            case nil, .removed?: continue
            case .forwardedFor?: forwardedFor.append(headers.value(i))
            case .forwardedProto?: forwardedProto.append(headers.value(i))
            case .forwardedHost?: forwardedHost.append(headers.value(i))
            case .requestID?: requestIDs.append(headers.value(i))
            default: output.append(headers, field: i)
            }
        }

        let peer = peerAddress
        let trusted = peerIsTrusted
        let clientAddress = ClientAddress.resolve(
            peer: peer, peerTrusted: trusted, forwardedFor: forwardedFor, trusted: trustedProxies)
        // Appended to only when every element parses; else replaced (SPEC section 2).
        if trusted, ClientAddress.parseChain(forwardedFor) != nil {
            output.append(literal: "X-Forwarded-For", value: forwardedFor.joined(separator: ", ") + ", " + peer)
        } else {
            output.append(literal: "X-Forwarded-For", value: peer)
        }
        if trusted && !forwardedProto.isEmpty {
            output.append(literal: "X-Forwarded-Proto", value: forwardedProto.joined(separator: ", "))
        } else {
            output.append(literal: "X-Forwarded-Proto", value: scheme)
        }
        if trusted && !forwardedHost.isEmpty {
            output.append(literal: "X-Forwarded-Host", value: forwardedHost.joined(separator: ", "))
        } else if let host {
            output.append(literal: "X-Forwarded-Host", value: host)
        }
        let requestID: String
        if requestIDs.count == 1 && RequestID.isAcceptable(requestIDs[0]) {
            requestID = requestIDs[0]
        } else {
            requestID = RequestID.generate()
        }
        output.append(literal: "X-Request-Id", value: requestID)
        for field in identity { output.append(name: field.name, value: field.value) }
        return ForwardingResult(fields: output, requestID: requestID, clientAddress: clientAddress, host: host)
    }
}
