import Foundation
import Testing

@testable import TollgateCore

/// Builds upstream headers with sensible defaults for the fields a test does not care about.
private func build(
    _ headers: HeaderList,
    peer: String = "192.0.2.10",
    trusted: Bool = false,
    proxies: [String] = [],
    scheme: String = "http",
    stripped: [String] = ["X-Forwarded-User", "X-Forwarded-Groups", "X-Forwarded-Roles", "X-Forwarded-Token-Id"],
    identity: HeaderList = []
) -> ForwardingResult {
    ForwardingHeaders.build(
        ForwardingInput(
            headers: headers, peerAddress: peer, peerIsTrusted: trusted, trustedProxies: proxies.compactMap(CIDR.init),
            scheme: scheme, strippedNames: stripped, identity: identity))
}

/// Every value sent under `name` (case-insensitive).
private func values(_ result: ForwardingResult, _ name: String) -> [String] {
    result.headers.filter { $0.name.lowercased() == name.lowercased() }.map(\.value)
}

private func names(_ result: ForwardingResult) -> [String] {
    result.headers.map(\.name)
}

@Suite("ForwardingHeaders")
struct ForwardingHeadersTests {
    @Test("output order: client headers, X-Forwarded-For/Proto/Host, X-Request-Id, identity")
    func order() {
        let result = build(
            [("Host", "api.example:8080"), ("Accept", "*/*"), ("X-Custom", "1"), ("Accept", "text/plain")],
            identity: [("X-Forwarded-User", "ci-bot"), ("X-Forwarded-Roles", "reader")])
        #expect(
            names(result) == [
                "Accept", "X-Custom", "Accept", "X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host",
                "X-Request-Id", "X-Forwarded-User", "X-Forwarded-Roles",
            ])
        #expect(values(result, "Accept") == ["*/*", "text/plain"])
        #expect(values(result, "X-Forwarded-For") == ["192.0.2.10"])
        #expect(values(result, "X-Forwarded-Proto") == ["http"])
        #expect(values(result, "X-Forwarded-Host") == ["api.example:8080"])
        #expect(result.host == "api.example:8080")
        #expect(result.clientAddress == "192.0.2.10")
        #expect(values(result, "X-Request-Id") == [result.requestID])
    }

    @Test("Host, framing and Expect are removed; the caller writes them")
    func framing() {
        let result = build([
            ("Host", "h"), ("Content-Length", "5"), ("Transfer-Encoding", "chunked"), ("Expect", "100-continue"),
            ("content-length", "5"),
        ])
        #expect(names(result) == ["X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host", "X-Request-Id"])
        #expect(result.host == "h")
    }

    @Test(
        "hop-by-hop headers are removed",
        arguments: [
            "Keep-Alive", "TE", "Trailer", "Upgrade", "Proxy-Connection",
            "Connection", "Transfer-Encoding", "keep-alive", "UPGRADE", "Proxy-Authorization",
        ])
    func hopByHop(name: String) {
        let result = build([(name, "x"), ("Accept", "a")])
        #expect(values(result, name).isEmpty)
        #expect(values(result, "Accept") == ["a"])
    }

    @Test("headers named in Connection are removed")
    func connectionTokens() {
        let result = build([
            ("Connection", "close, X-Custom"), ("X-Custom", "1"), ("x-other", "2"), ("Connection", " X-Other ,,"),
            ("X-Kept", "3"),
        ])
        #expect(values(result, "X-Custom").isEmpty)
        #expect(values(result, "X-Other").isEmpty)
        #expect(values(result, "Connection").isEmpty)
        #expect(values(result, "X-Kept") == ["3"])
    }

    @Test("headers tollgate sets survive being named in Connection (Traefik CVE-2021-32813)")
    func connectionCannotDropOurs() {
        let result = build(
            [
                ("Connection", "X-Forwarded-For, X-Request-Id, X-Forwarded-User, X-Forwarded-Proto, X-Forwarded-Host"),
                ("X-Forwarded-For", "10.9.9.9"), ("X-Request-Id", "client-id"), ("Host", "h"),
            ],
            identity: [("X-Forwarded-User", "ci-bot")])
        #expect(values(result, "X-Forwarded-For") == ["192.0.2.10"])
        #expect(values(result, "X-Forwarded-Proto") == ["http"])
        #expect(values(result, "X-Forwarded-Host") == ["h"])
        #expect(values(result, "X-Request-Id").count == 1)
        #expect(values(result, "X-Request-Id") != ["client-id"])
        #expect(values(result, "X-Forwarded-User") == ["ci-bot"])
    }

    @Test("a trusted peer's forwarded headers named in Connection are not believed")
    func connectionFromTrustedPeer() {
        let result = build(
            [("Connection", "X-Forwarded-For"), ("X-Forwarded-For", "203.0.113.7")], peer: "10.0.0.1", trusted: true,
            proxies: ["10.0.0.0/8"])
        #expect(values(result, "X-Forwarded-For") == ["10.0.0.1"])
        #expect(result.clientAddress == "10.0.0.1")
    }

    @Test("identity headers are stripped case-insensitively and with _ read as - (oauth2-proxy CVE-2025-64484)")
    func identityStripping() {
        let result = build(
            [
                ("X-Forwarded-User", "admin"), ("x-forwarded-user", "admin"), ("X_Forwarded_User", "admin"),
                ("x_forwarded_groups", "admins"), ("X-FORWARDED-ROLES", "admin"), ("X-Forwarded_Token-Id", "t"),
                ("X-Forwarded-Username", "kept"),
            ],
            identity: [("X-Forwarded-User", "ci-bot")])
        #expect(values(result, "X-Forwarded-User") == ["ci-bot"])
        #expect(values(result, "X_Forwarded_User").isEmpty)
        #expect(values(result, "x_forwarded_groups").isEmpty)
        #expect(values(result, "X-Forwarded-Roles").isEmpty)
        #expect(values(result, "X-Forwarded_Token-Id").isEmpty)
        #expect(values(result, "X-Forwarded-Username") == ["kept"])
    }

    @Test("client copies are removed even when there is nothing to add (Caddy GHSA-7r4p-vjf4-gxv4)")
    func strippedWithoutIdentity() {
        let result = build([("X-Forwarded-User", "admin"), ("X-Forwarded-Groups", "admins")], identity: [])
        #expect(values(result, "X-Forwarded-User").isEmpty)
        #expect(values(result, "X-Forwarded-Groups").isEmpty)
    }

    @Test("configured names are stripped, not just the defaults (kubernetes#119631)")
    func configuredNames() {
        let result = build(
            [
                ("X-Remote-User", "admin"), ("x_remote_user", "admin"), ("Authorization", "Bearer s"),
                ("X-Api-Key", "k"),
                ("X-Forwarded-User", "other"),
            ],
            stripped: ["X-Remote-User", "Authorization", "X-Api-Key"])
        #expect(values(result, "X-Remote-User").isEmpty)
        #expect(values(result, "Authorization").isEmpty)
        #expect(values(result, "X-Api-Key").isEmpty)
        #expect(values(result, "X-Forwarded-User") == ["other"])
    }

    @Test("an untrusted peer's X-Forwarded-* are replaced")
    func untrustedPeer() {
        let result = build(
            [
                ("X-Forwarded-For", "1.2.3.4"), ("X-Forwarded-Proto", "https"), ("X-Forwarded-Host", "evil"),
                ("Host", "h"),
            ],
            scheme: "https")
        #expect(values(result, "X-Forwarded-For") == ["192.0.2.10"])
        #expect(values(result, "X-Forwarded-Proto") == ["https"])
        #expect(values(result, "X-Forwarded-Host") == ["h"])
        #expect(result.clientAddress == "192.0.2.10")
    }

    @Test("a trusted peer's X-Forwarded-For is appended to; Proto and Host are kept")
    func trustedPeer() {
        let result = build(
            [
                ("X-Forwarded-For", "203.0.113.7, 10.1.1.1"), ("X-Forwarded-Proto", "https"), ("Host", "inner:8080"),
                ("X-Forwarded-Host", "api.example"), ("x-forwarded-for", "10.2.2.2"),
            ], peer: "10.0.0.1", trusted: true, proxies: ["10.0.0.0/8"])
        #expect(values(result, "X-Forwarded-For") == ["203.0.113.7, 10.1.1.1, 10.2.2.2, 10.0.0.1"])
        #expect(values(result, "X-Forwarded-Proto") == ["https"])
        #expect(values(result, "X-Forwarded-Host") == ["api.example"])
        #expect(result.clientAddress == "203.0.113.7")
        #expect(result.host == "inner:8080")
    }

    @Test("a trusted peer without X-Forwarded-* gets ours")
    func trustedPeerWithoutHeaders() {
        let result = build([("Host", "h:1")], peer: "10.0.0.1", trusted: true, proxies: ["10.0.0.0/8"], scheme: "https")
        #expect(values(result, "X-Forwarded-For") == ["10.0.0.1"])
        #expect(values(result, "X-Forwarded-Proto") == ["https"])
        #expect(values(result, "X-Forwarded-Host") == ["h:1"])
        #expect(result.clientAddress == "10.0.0.1")
    }

    @Test("an unparseable X-Forwarded-For from a trusted peer is replaced, not appended to")
    func unparseableChain() {
        let result = build(
            [("X-Forwarded-For", "203.0.113.7, unknown")], peer: "10.0.0.1", trusted: true, proxies: ["10.0.0.0/8"])
        #expect(values(result, "X-Forwarded-For") == ["10.0.0.1"])
        #expect(result.clientAddress == "10.0.0.1")
    }

    @Test("underscore spellings of forwarded headers are removed and never believed")
    func underscoreForwarded() {
        let result = build(
            [("X_Forwarded_For", "1.1.1.1"), ("X_Forwarded_Proto", "https"), ("X_Request_Id", "abc")],
            peer: "10.0.0.1", trusted: true, proxies: ["10.0.0.0/8"])
        #expect(values(result, "X_Forwarded_For").isEmpty)
        #expect(values(result, "X-Forwarded-For") == ["10.0.0.1"])
        #expect(values(result, "X-Forwarded-Proto") == ["http"])
        #expect(result.requestID != "abc")
    }

    @Test("X-Request-Id is kept only when exactly one acceptable id was sent")
    func requestID() {
        #expect(build([("X-Request-Id", "abc-123_DEF.4")]).requestID == "abc-123_DEF.4")
        #expect(build([("x-request-id", "abc")]).requestID == "abc")
        for headers: HeaderList in [
            [("X-Request-Id", "a"), ("X-Request-Id", "a")], [("X-Request-Id", "")], [("X-Request-Id", "a b")],
            [("X-Request-Id", String(repeating: "a", count: 129))], [("X-Request-Id", "a/b")], [],
        ] {
            let result = build(headers)
            #expect(result.requestID.count == 32)
            #expect(values(result, "X-Request-Id") == [result.requestID])
        }
        let long = String(repeating: "a", count: 128)
        #expect(build([("X-Request-Id", long)]).requestID == long)
    }

    @Test("no Host header means no X-Forwarded-Host")
    func noHost() {
        let result = build([])
        #expect(result.host == nil)
        #expect(values(result, "X-Forwarded-Host").isEmpty)
    }
}

@Suite("ClientAddress")
struct ClientAddressTests {
    let trusted = ["10.0.0.0/8", "fd00::/8"].compactMap(CIDR.init)

    private func resolve(_ xff: [String], peer: String = "10.0.0.1", peerTrusted: Bool = true) -> String {
        ClientAddress.resolve(peer: peer, peerTrusted: peerTrusted, forwardedFor: xff, trusted: trusted)
    }

    @Test("an untrusted peer is the client, whatever the header says")
    func untrusted() {
        #expect(resolve(["1.2.3.4"], peer: "192.0.2.1", peerTrusted: false) == "192.0.2.1")
    }

    @Test("the right-most untrusted address wins")
    func rightMost() {
        #expect(resolve(["1.1.1.1, 2.2.2.2, 10.0.0.5"]) == "2.2.2.2")
        #expect(resolve(["1.1.1.1", "2.2.2.2"]) == "2.2.2.2")
        #expect(resolve([" 1.1.1.1 ,\t10.0.0.9 "]) == "1.1.1.1")
        #expect(resolve(["2001:db8::1, fd00::1"]) == "2001:db8::1")
    }

    @Test("all trusted: the left-most")
    func allTrusted() {
        #expect(resolve(["10.0.0.7, 10.0.0.8"]) == "10.0.0.7")
    }

    @Test("absent or unparseable header: the peer")
    func fallback() {
        #expect(resolve([]) == "10.0.0.1")
        #expect(resolve([""]) == "10.0.0.1")
        #expect(resolve(["1.1.1.1, nope"]) == "10.0.0.1")
        #expect(resolve(["1.1.1.1:443"]) == "10.0.0.1")
        #expect(resolve(["1.1.1.1,,2.2.2.2"]) == "10.0.0.1")
        #expect(resolve(["[2001:db8::1]"]) == "10.0.0.1")
    }

    @Test("addresses from the header come back in canonical form")
    func canonical() {
        #expect(resolve(["::ffff:1.2.3.4"]) == "1.2.3.4")
        #expect(resolve(["2001:DB8:0:0:0:0:0:1"]) == "2001:db8::1")
        #expect(resolve(["::ffff:10.0.0.3, 1.1.1.1"]) == "1.1.1.1")
        #expect(resolve(["5.5.5.5, ::ffff:10.0.0.3"]) == "5.5.5.5")
    }
}

@Suite("RequestID")
struct RequestIDTests {
    @Test("generated ids are 32 lower-case hex characters and differ")
    func generate() {
        var seen: Set<String> = []
        for _ in 0..<1000 {
            let id = RequestID.generate()
            #expect(id.count == 32)
            #expect(id.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) })
            #expect(RequestID.isAcceptable(id))
            seen.insert(id)
        }
        #expect(seen.count == 1000)
        // Every digit turns up at every place: no nibble is stuck or mapped twice.
        for place in 0..<32 {
            let used = Set(seen.map { Array($0.utf8)[place] })
            #expect(used == Set("0123456789abcdef".utf8), "place \(place)")
        }
    }

    @Test("ids made on many threads at once (each with its own pool, past several refills) are all different")
    func concurrent() {
        let ids = Locked<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            var mine: [String] = []
            for _ in 0..<700 { mine.append(RequestID.generate()) }
            ids.withLock { $0.append(contentsOf: mine) }
        }
        let all = ids.withLock { $0 }
        #expect(all.count == 5600)
        #expect(Set(all).count == 5600)
    }

    @Test("acceptable client ids")
    func acceptable() {
        #expect(RequestID.isAcceptable("a"))
        #expect(RequestID.isAcceptable("A.b_c-9"))
        #expect(RequestID.isAcceptable(String(repeating: "x", count: 128)))
        #expect(!RequestID.isAcceptable(String(repeating: "x", count: 129)))
        #expect(!RequestID.isAcceptable(""))
        #expect(!RequestID.isAcceptable("a b"))
        #expect(!RequestID.isAcceptable("a\nb"))
        #expect(!RequestID.isAcceptable("é"))
        #expect(!RequestID.isAcceptable("a,b"))
    }
}
