import Testing
import TollgateCore
import TollgateEventLoop
import TollgateHeaders

/// The request path's header handling end to end, as the pipeline runs it: the client's head bytes through the
/// scanner into a `HeaderBlock`, the forwarding rules, the identity lines, and the upstream head's bytes.
@Suite("Request head path: scanner → forwarding rules → upstream head")
struct RequestHeadPathTests {
    private func upstreamHead(_ raw: String, trusted: Bool = false, identity: Identity? = nil) throws -> String {
        let bytes = Array(raw.utf8)
        let scanned = try bytes.withUnsafeBytes { try HeadScanner.parseRequest($0).get() }
        var forwarding = ForwardingHeaders.build(
            fields: scanned.fields, peerAddress: "192.0.2.1", peerIsTrusted: trusted,
            trustedProxies: CIDR("192.0.2.0/24").map { [$0] } ?? [], scheme: "http",
            strippedNames: HeaderNameSet(["X-Forwarded-User", "X-Forwarded-Groups", "X-Forwarded-Roles",
                                          "X-Forwarded-Token-Id"]),
            identity: [], upstreamHost: "up:8080", extraCapacity: IdentityHeaders.maxCount)
        if let identity {
            IdentityHeaders.append(identity, names: IdentityHeaderNames(), to: &forwarding.fields)
        }
        let request = UpstreamRequest(method: scanned.method, target: scanned.target, fields: forwarding.fields)
        return String(decoding: HeadWriter.request(request, contentLength: nil, chunked: false), as: UTF8.self)
    }

    @Test("hop-by-hop, Connection-listed, spoofed and `_`-spelled fields never reach the upstream; the rest keep order and case")
    func strippedAndKept() throws {
        let raw = "GET /api/x?q=1 HTTP/1.1\r\n"
            + "Host: client.example\r\n"
            + "Connection: keep-alive, X-Drop\r\n"
            + "X-Drop: 1\r\n"
            + "X_Forwarded_For: 6.6.6.6\r\n"
            + "X-Forwarded-For: 7.7.7.7\r\n"
            + "X-Forwarded-User: spoof\r\n"
            + "x_forwarded_user: spoof2\r\n"
            + "accept:   text/plain  \r\n"
            + "Authorization: Bearer abc\r\n"
            + "X-Request-Id: rid-1\r\n"
            + "Proxy-Authorization: x\r\n"
            + "TE: trailers\r\n"
            + "Keep-Alive: 5\r\n"
            + "Upgrade: h2c\r\n"
            + "X-Custom:v\r\n"
            + "\r\n"
        let who = Identity(account: "ci-bot", tokenID: "t1", groups: ["g"], roles: ["reader"], intent: .api)
        let head = try upstreamHead(raw, identity: who)
        #expect(head == "GET /api/x?q=1 HTTP/1.1\r\n"
            + "Host: client.example\r\n"
            + "accept: text/plain\r\n"
            + "Authorization: Bearer abc\r\n"
            + "X-Custom: v\r\n"
            + "X-Forwarded-For: 192.0.2.1\r\n"
            + "X-Forwarded-Proto: http\r\n"
            + "X-Forwarded-Host: client.example\r\n"
            + "X-Request-Id: rid-1\r\n"
            + "X-Forwarded-User: ci-bot\r\n"
            + "X-Forwarded-Groups: g\r\n"
            + "X-Forwarded-Roles: reader\r\n"
            + "X-Forwarded-Token-Id: t1\r\n"
            + "\r\n")
    }

    @Test("from a trusted peer the chain is extended and the forwarded proto and host are kept")
    func trustedPeer() throws {
        let raw = "GET / HTTP/1.1\r\nHost: h\r\nX-Forwarded-For: 10.0.0.1\r\nX-Forwarded-Proto: https\r\n"
            + "X-Forwarded-Host: outer.example\r\n\r\n"
        let head = try upstreamHead(raw, trusted: true)
        #expect(head.hasPrefix("GET / HTTP/1.1\r\nHost: h\r\nX-Forwarded-For: 10.0.0.1, 192.0.2.1\r\n"
            + "X-Forwarded-Proto: https\r\nX-Forwarded-Host: outer.example\r\nX-Request-Id: "))
        let id = head.split(separator: "\r\n").last { $0.hasPrefix("X-Request-Id: ") }
        #expect(id.map { RequestID.isAcceptable(String($0.dropFirst(14))) } == true)
    }

    @Test("without a client Host the upstream's is sent, and no X-Forwarded-Host is made up (HTTP/1.0)")
    func noHost() throws {
        let head = try upstreamHead("GET /p HTTP/1.0\r\nAccept: */*\r\n\r\n")
        #expect(head.hasPrefix("GET /p HTTP/1.1\r\nHost: up:8080\r\nAccept: */*\r\nX-Forwarded-For: 192.0.2.1\r\n"
            + "X-Forwarded-Proto: http\r\nX-Request-Id: "))
        #expect(!head.contains("X-Forwarded-Host"))
    }
}
