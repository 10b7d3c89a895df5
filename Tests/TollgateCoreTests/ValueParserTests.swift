import Testing

@testable import TollgateCore

@Suite("DurationParser")
struct DurationParserTests {
    @Test("units")
    func units() {
        #expect(DurationParser.parse("500ms") == 0.5)
        #expect(DurationParser.parse("10s") == 10)
        #expect(DurationParser.parse("5m") == 300)
        #expect(DurationParser.parse("2h") == 7200)
        #expect(DurationParser.parse("30d") == 2_592_000)
        #expect(DurationParser.parse("0s") == 0)
        #expect(DurationParser.parse("1.5s") == 1.5)
        #expect(DurationParser.parse("360d") == 31_104_000)
    }

    @Test(
        "rejected",
        arguments: [
            "", "10", "0", "-5s", "+5s", "5", "s", "5x", "5 s", " 5s", "5S", "1h30m", "1.s", ".5s",
            "5sec", "1e3s", "9999999999999999s", "five seconds", "5ms5",
        ])
    func rejected(text: String) {
        #expect(DurationParser.parse(text) == nil)
    }
}

@Suite("ListenAddress")
struct ListenAddressTests {
    @Test("valid addresses")
    func valid() {
        #expect(ListenAddress("0.0.0.0:8080") == ListenAddress(host: "0.0.0.0", port: 8080))
        #expect(ListenAddress("[::]:8080") == ListenAddress(host: "::", port: 8080))
        #expect(ListenAddress("127.0.0.1:0") == ListenAddress(host: "127.0.0.1", port: 0))
        #expect(ListenAddress("localhost:8080") == ListenAddress(host: "localhost", port: 8080))
        #expect(ListenAddress("[fe80::1]:65535")?.port == 65535)
    }

    @Test("description adds brackets for IPv6")
    func description() {
        #expect(ListenAddress(host: "::", port: 8080).description == "[::]:8080")
        #expect(ListenAddress(host: "0.0.0.0", port: 1).description == "0.0.0.0:1")
        #expect(ListenAddress("[::1]:9")?.description == "[::1]:9")
    }

    @Test(
        "invalid addresses",
        arguments: [
            "", "8080", ":8080", "0.0.0.0", "0.0.0.0:", "0.0.0.0:65536", "::1:8080",
            "[::1]8080", "[::1", "[1.2.3.4]:80", "host name:80", "0.0.0.0:80x", "0.0.0.0:-1", "999.1.1.1:80", "-a:80",
            "a..b:80", "[::1]:",
        ])
    func invalid(text: String) {
        #expect(ListenAddress(text) == nil)
    }

    @Test("errors explain themselves")
    func messages() {
        guard case .failure(let error) = ListenAddress.parse("::1:8080") else {
            Issue.record("should fail")
            return
        }
        #expect(error.message.contains("brackets"))
    }
}

@Suite("UpstreamTarget")
struct UpstreamTargetTests {
    @Test("valid URLs")
    func valid() throws {
        #expect(
            try UpstreamTarget.parse("http://127.0.0.1:8081").get()
                == UpstreamTarget(host: "127.0.0.1", port: 8081, hostHeader: "127.0.0.1:8081"))
        #expect(
            try UpstreamTarget.parse("http://backend/").get()
                == UpstreamTarget(host: "backend", port: 80, hostHeader: "backend"))
        #expect(
            try UpstreamTarget.parse("HTTP://[::1]:9000/").get()
                == UpstreamTarget(host: "::1", port: 9000, hostHeader: "[::1]:9000"))
        #expect(try UpstreamTarget.parse("http://svc.ns.svc.cluster.local:80").get().port == 80)
    }

    @Test("https is not supported yet")
    func https() {
        guard case .failure(let error) = UpstreamTarget.parse("https://127.0.0.1:8443") else {
            Issue.record("should fail")
            return
        }
        #expect(error.message == "https upstreams are not supported yet")
    }

    @Test(
        "invalid URLs",
        arguments: [
            "127.0.0.1:8081", "http://", "http://:80", "http://h/api", "http://h?x", "http://h#f",
            "http://u:p@h", "ftp://h", "http://h:0", "http://h:99999", "http://::1:80", "http://h:80/x/",
        ])
    func invalid(text: String) {
        #expect((try? UpstreamTarget.parse(text).get()) == nil)
    }
}

@Suite("CIDR")
struct CIDRTests {
    @Test("IPv4 networks")
    func ipv4() throws {
        let net = try #require(CIDR("10.0.0.0/8"))
        #expect(net.contains("10.0.0.1"))
        #expect(net.contains("10.255.255.255"))
        #expect(!net.contains("11.0.0.0"))
        #expect(!net.contains("9.255.255.255"))
        #expect(net.description == "10.0.0.0/8")
        #expect(CIDR("192.168.1.77/24")?.description == "192.168.1.0/24")
        #expect(CIDR("0.0.0.0/0")?.contains("203.0.113.9") == true)
        #expect(CIDR("1.2.3.4")?.contains("1.2.3.4") == true)
        #expect(CIDR("1.2.3.4")?.contains("1.2.3.5") == false)
        #expect(CIDR("1.2.3.4")?.prefixLength == 32)
    }

    @Test("IPv6 networks")
    func ipv6() throws {
        let net = try #require(CIDR("fd00::/8"))
        #expect(net.contains("fd12:3456::1"))
        #expect(!net.contains("fe80::1"))
        #expect(CIDR("::1")?.contains("::1") == true)
        #expect(CIDR("::1")?.contains("0:0:0:0:0:0:0:1") == true)
        #expect(CIDR("::1")?.prefixLength == 128)
        #expect(CIDR("2001:db8::/32")?.contains("2001:db8:ffff::1") == true)
        #expect(CIDR("2001:db8::/33")?.contains("2001:db8:8000::1") == false)
        #expect(CIDR("2001:db8::/64")?.contains("2001:db8::ffff:ffff:ffff:ffff") == true)
        #expect(CIDR("2001:db8::/65")?.contains("2001:db8::8000:0:0:0") == false)
        #expect(CIDR("2001:db8::1/64")?.description == "2001:db8::/64")
    }

    @Test("IPv4-mapped IPv6 counts as IPv4; IPv6 networks never contain IPv4")
    func mapped() {
        #expect(CIDR("10.0.0.0/8")?.contains("::ffff:10.1.2.3") == true)
        #expect(CIDR("10.0.0.0/8")?.contains("::ffff:11.1.2.3") == false)
        #expect(CIDR("::ffff:10.0.0.0/104")?.contains("10.9.9.9") == true)
        #expect(CIDR("::ffff:10.0.0.0/104")?.description == "10.0.0.0/8")
        #expect(CIDR("::ffff:1.2.3.4")?.contains("1.2.3.4") == true)
        #expect(CIDR("::/0")?.contains("1.2.3.4") == false)
        #expect(CIDR("0.0.0.0/0")?.contains("::1") == false)
    }

    @Test(
        "invalid",
        arguments: [
            "", "10.0.0.0/33", "::/129", "10.0.0.0/", "10.0.0.0/-1", "10.0.0.0/+8", "10.0.0/8",
            "a.b.c.d", "10.0.0.0/8/8", "fe80::1%eth0", "[::1]", "::ffff:1.2.3.4/95", " 10.0.0.0/8", "10.0.0.0/0x8",
        ])
    func invalid(text: String) {
        #expect(CIDR(text) == nil)
    }

    @Test("contains never matches garbage")
    func garbage() {
        #expect(CIDR("0.0.0.0/0")?.contains("") == false)
        #expect(CIDR("0.0.0.0/0")?.contains("localhost") == false)
        #expect(CIDR("0.0.0.0/0")?.contains("1.2.3.4:80") == false)
    }

    @Test("a list checks any network")
    func list() {
        let list = ["10.0.0.0/8", "fd00::/8"].compactMap(CIDR.init)
        #expect(list.containsAddress("10.1.1.1"))
        #expect(list.containsAddress("fd00::5"))
        #expect(!list.containsAddress("192.0.2.1"))
        #expect(![CIDR]().containsAddress("10.1.1.1"))
    }
}
