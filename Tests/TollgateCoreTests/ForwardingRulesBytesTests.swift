import Testing
import TollgateHeaders

@testable import TollgateCore

/// The byte-level name rules the request path uses: every name of `hopByHop` and `framing` classified as such in
/// any letter case and with `_` for `-`, and `HeaderNameSet` folding the same way.
@Suite("ForwardingHeaders: names as bytes")
struct ForwardingRulesBytesTests {
    private func kind(_ name: String) -> ForwardingHeaders.Kind {
        HeaderName.withBytes(name) { ForwardingHeaders.kind(of: $0) }
    }

    private func spellings(_ key: String) -> [String] {
        [key, key.uppercased(), key.capitalized, key.replacingOccurrences(of: "-", with: "_"),
         key.uppercased().replacingOccurrences(of: "-", with: "_")]
    }

    @Test("every hop-by-hop and framing name is removed (host and connection have their own rules)")
    func everyRemovedName() {
        for key in ForwardingHeaders.hopByHop.union(ForwardingHeaders.framing) {
            for name in spellings(key) {
                switch key {
                case "host": #expect(kind(name) == .host, "\(name)")
                case "connection": #expect(kind(name) == .connection, "\(name)")
                default: #expect(kind(name) == .removed, "\(name)")
                }
            }
        }
    }

    @Test("forwarding names are recognised in any spelling; near misses are ordinary headers")
    func forwardingNamesAndNearMisses() {
        for name in spellings("x-forwarded-for") { #expect(kind(name) == .forwardedFor) }
        for name in spellings("x-forwarded-proto") { #expect(kind(name) == .forwardedProto) }
        for name in spellings("x-forwarded-host") { #expect(kind(name) == .forwardedHost) }
        for name in spellings("x-request-id") { #expect(kind(name) == .requestID) }
        for name in ["hosts", "hos", "te-", "tee", "x-forwarded-fo", "x-forwarded-forr", "content-lengths", "expects",
                     "transfer-encodin", "keep-alive2", "proxy-authorizatio", "Accept", "", "x"] {
            #expect(kind(name) == .other, "\(name)")
        }
    }

    @Test("a name that reaches the upstream in any spelling of a stripped or removed name is dropped")
    func underscoreSpellingsAreDroppedEndToEnd() {
        let stripped = ["X-Forwarded-User", "Authorization"]
        let headers: HeaderList = [
            ("x_forwarded_user", "mallory"), ("AUTHORIZATION", "Bearer x"), ("Proxy_Authorization", "p"),
            ("Keep_Alive", "k"), ("X_Forwarded_For", "1.2.3.4"), ("Accept", "a"),
        ]
        let result = ForwardingHeaders.build(ForwardingInput(
            headers: headers, peerAddress: "192.0.2.1", peerIsTrusted: true, trustedProxies: [], scheme: "http",
            strippedNames: stripped, identity: []))
        #expect(result.headers.map(\.name) == ["Accept", "X-Forwarded-For", "X-Forwarded-Proto", "X-Request-Id"])
        #expect(result.headers.first { $0.name == "X-Forwarded-For" }?.value == "192.0.2.1")
    }

    @Test("HeaderNameSet folds case and `_`, and reads a Connection list without blanks or empty elements")
    func nameSet() {
        let set = HeaderNameSet(["X-Forwarded-User", "authorization"])
        #expect(set.contains("x_forwarded_user") && set.contains("X-FORWARDED-USER") && set.contains("Authorization"))
        #expect(!set.contains("X-Forwarded-Use") && !set.contains("X-Forwarded-Users") && !set.contains(""))
        var listed = HeaderNameSet()
        #expect(listed.isEmpty)
        listed.insertList(" close ,, X-Custom\t, ,x_other,")
        #expect(listed.contains("close") && listed.contains("x-custom") && listed.contains("X-Other"))
        #expect(!listed.contains(" close") && !listed.contains(""))
    }

    @Test("the request path's form: Host first (the client's, else the upstream's), identity appended in place")
    func hostFirstAndRoomForIdentity() {
        func build(_ headers: HeaderList) -> ForwardingResult {
            ForwardingHeaders.build(
                fields: HeaderBlock(headers), peerAddress: "192.0.2.1", peerIsTrusted: false, trustedProxies: [],
                scheme: "http", strippedNames: HeaderNameSet(["X-Forwarded-User"]), identity: [],
                upstreamHost: "up:8080", extraCapacity: IdentityHeaders.maxCount)
        }
        var sent = build([("Accept", "a"), ("host", "client.example"), ("Host", "second")])
        #expect(sent.headers.map(\.name) == ["Host", "Accept", "X-Forwarded-For", "X-Forwarded-Proto",
                                              "X-Forwarded-Host", "X-Request-Id"])
        #expect(sent.headers[0].value == "client.example")
        #expect(sent.host == "client.example")
        let who = Identity(account: "a", tokenID: "t", groups: ["g"], roles: ["r"], intent: .api)
        IdentityHeaders.append(who, names: IdentityHeaderNames(), to: &sent.fields)
        #expect(sent.headers.count == 10)
        #expect(sent.headers.suffix(4).map(\.value) == ["a", "g", "r", "t"])
        let bare = build([("Accept", "a")])
        #expect(bare.headers.first?.name == "Host" && bare.headers.first?.value == "up:8080")
        #expect(bare.host == nil && !bare.headers.contains { $0.name == "X-Forwarded-Host" })
    }
}
