import Foundation
import XCTest

/// TLS termination on `listen` (SPEC §2 `tls`, §8 reload), checked with curl and openssl s_client. Certificates
/// are made per test by openssl, never committed.
final class TLSTests: XCTestCase {
    var stack: Stack!

    override func setUpWithError() throws { stack = try Stack() }
    override func tearDown() { stack.stop() }

    /// Makes a CA `name`-ca.crt and a server certificate `name`.crt/.key for localhost and 127.0.0.1.
    private func makeCertificate(_ name: String) throws {
        let d = stack.dir.path
        let steps: [[String]] = [
            ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
             "-keyout", "\(d)/\(name)-ca.key", "-out", "\(d)/\(name)-ca.crt", "-days", "2", "-subj", "/CN=\(name) CA"],
            ["openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
             "-keyout", "\(d)/\(name).key", "-out", "\(d)/\(name).csr", "-subj", "/CN=localhost"],
            ["openssl", "x509", "-req", "-in", "\(d)/\(name).csr", "-CA", "\(d)/\(name)-ca.crt",
             "-CAkey", "\(d)/\(name)-ca.key", "-CAcreateserial", "-out", "\(d)/\(name).crt", "-days", "2",
             "-extfile", "\(d)/san.ext"],
        ]
        try "subjectAltName=DNS:localhost,IP:127.0.0.1\n".write(toFile: "\(d)/san.ext", atomically: true, encoding: .utf8)
        for step in steps {
            let r = try shell(step)
            XCTAssertEqual(r.code, 0, r.err)
        }
    }

    /// Copies `name`'s certificate and key over the files the config names (what a cert-manager renewal does).
    private func install(_ name: String) throws {
        for ext in ["crt", "key"] {
            let target = stack.dir.appendingPathComponent("tls.\(ext)")
            try? FileManager.default.removeItem(at: target)
            try FileManager.default.copyItem(at: stack.dir.appendingPathComponent("\(name).\(ext)"), to: target)
        }
    }

    private func curl(_ ca: String, _ path: String = "/x", _ extra: [String] = []) throws -> (code: Int32, out: String) {
        let r = try shell(["curl", "-s", "--cacert", stack.dir.appendingPathComponent("\(ca)-ca.crt").path,
                           "-w", "%{http_code}", "-o", "/dev/null"] + extra
                          + ["https://127.0.0.1:\(stack.proxyPort)\(path)"])
        return (r.code, r.out)
    }

    private func startTLSProxy() throws {
        try makeCertificate("one")
        try makeCertificate("two")
        try install("one")
        try stack.startProxy(upstreamPort: try stack.startEcho(),
                             extra: "admin_listen: \"127.0.0.1:0\"\ntls:\n  cert: tls.crt\n  key: tls.key")
    }

    func testTLSRequestAndCertificateSwapOnSighup() throws {
        try startTLSProxy()
        XCTAssertEqual(try curl("one").out, "200")
        // The upstream is told the client came over TLS.
        let echoed = try shell(["curl", "-s", "--cacert", stack.dir.appendingPathComponent("one-ca.crt").path,
                                "https://localhost:\(stack.proxyPort)/x"])
        XCTAssertTrue(echoed.out.lowercased().contains("[\"x-forwarded-proto\",\"https\"]"), echoed.out)

        // A keep-alive connection opened with the old certificate keeps working across the swap: curl sends
        // its second request a second later on the same connection (num_connects 0).
        let held = Process()
        held.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        held.arguments = ["curl", "-s", "--cacert", stack.dir.appendingPathComponent("one-ca.crt").path,
                          "--rate", "1/s", "-o", "/dev/null", "-o", "/dev/null",
                          "-w", "%{http_code}:%{num_connects}\n",
                          "https://127.0.0.1:\(stack.proxyPort)/a", "https://127.0.0.1:\(stack.proxyPort)/b"]
        let out = Pipe()
        held.standardOutput = out
        try held.run()
        usleep(300_000)
        try install("two")
        stack.proxy.signal(SIGHUP)
        held.waitUntilExit()
        let lines = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .split(separator: "\n")
        XCTAssertEqual(lines, ["200:1", "200:0"], "the open connection survives the certificate reload")

        // New connections get the new certificate: trusted by CA two, refused by CA one.
        try waitFor { try self.curl("two").out == "200" }
        XCTAssertNotEqual(try curl("one").code, 0, "the old certificate is no longer served to new connections")

        // A bad new certificate is refused and the running one kept.
        try "not a certificate\n".write(to: stack.dir.appendingPathComponent("tls.crt"), atomically: true,
                                        encoding: .utf8)
        stack.proxy.signal(SIGHUP)
        try waitFor { self.stack.proxy.stderr.contains("reload refused") }
        XCTAssertTrue(stack.proxy.stderr.contains("tls.crt"), stack.proxy.stderr)
        XCTAssertEqual(try curl("two").out, "200")
        let metrics = try shell(["curl", "-s", "http://127.0.0.1:\(stack.adminPort)/metrics"]).out
        XCTAssertTrue(metrics.contains("tollgate_reloads_total{result=\"error\"} 1"), metrics)
    }

    func testOnlyTLS12AndUpAndALPNHTTP11() throws {
        try startTLSProxy()
        XCTAssertNotEqual(try curl("one", "/x", ["--tlsv1.0", "--tls-max", "1.1"]).code, 0, "TLS 1.1 is refused")
        XCTAssertEqual(try curl("one", "/x", ["--tlsv1.2", "--tls-max", "1.2"]).out, "200")
        XCTAssertEqual(try curl("one", "/x", ["--tlsv1.3"]).out, "200")
        let connect = "127.0.0.1:\(stack.proxyPort)"
        let alpn = try shell(["openssl", "s_client", "-connect", connect, "-alpn", "h2,http/1.1"],
                             stdin: Data())
        XCTAssertTrue((alpn.out + alpn.err).contains("ALPN protocol: http/1.1"), alpn.out + alpn.err)
        let h2only = try shell(["openssl", "s_client", "-connect", connect, "-alpn", "h2"], stdin: Data())
        XCTAssertTrue((h2only.out + h2only.err).contains("no application protocol"), h2only.out + h2only.err)
        let weak = try shell(["openssl", "s_client", "-connect", connect, "-tls1_2", "-cipher", "AES128-SHA"],
                             stdin: Data())
        XCTAssertTrue((weak.out + weak.err).contains("handshake failure"), "a non-ECDHE, non-AEAD suite is refused")
        // Plain HTTP on the TLS port is not answered as HTTP.
        let plain = try shell(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "http://\(connect)/x"])
        XCTAssertNotEqual(plain.out, "200")
    }

    func testLargeBodiesCrossTLSByteExact() throws {
        try makeCertificate("one")
        try install("one")
        try stack.startProxy(upstreamPort: try stack.startFixture(),
                             extra: "tls:\n  cert: tls.crt\n  key: tls.key", limits: "max_body_bytes: 16777216")
        let ca = stack.dir.appendingPathComponent("one-ca.crt").path
        let base = "https://127.0.0.1:\(stack.proxyPort)"
        let expected = try shell(["curl", "-s", "--cacert", ca, base + "/big-sha?mb=24"]).out
        let got = try shell(["sh", "-c", "curl -s --cacert \(ca) '\(base)/big?mb=24' | sha256sum | cut -d' ' -f1"]).out
        XCTAssertEqual(got.trimmingCharacters(in: .whitespacesAndNewlines),
                       expected.trimmingCharacters(in: .whitespacesAndNewlines))
        let body = stack.dir.appendingPathComponent("upload.bin")
        try Data((0..<(6 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) }).write(to: body)
        let local = try shell(["sh", "-c", "sha256sum \(body.path) | cut -d' ' -f1"]).out
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let echoed = try shell(["curl", "-s", "--cacert", ca, "--data-binary", "@\(body.path)", base + "/sha256"]).out
        XCTAssertTrue(echoed.contains(local), "upload over TLS: \(echoed) vs \(local)")
    }

    func testCheckRefusesAMismatchedKey() throws {
        try makeCertificate("one")
        try makeCertificate("two")
        let config = stack.dir.appendingPathComponent("c.yaml").path
        try "listen: \"127.0.0.1:8443\"\nupstream: \"http://127.0.0.1:1\"\ntls:\n  cert: one.crt\n  key: two.key\n"
            .write(toFile: config, atomically: true, encoding: .utf8)
        let bad = try shell([Paths.tollgate, "check", "--config", config])
        XCTAssertEqual(bad.code, 1)
        XCTAssertTrue(bad.err.contains("two.key"), bad.err)
        try "listen: \"127.0.0.1:8443\"\nupstream: \"http://127.0.0.1:1\"\ntls:\n  cert: one.crt\n  key: one.key\n"
            .write(toFile: config, atomically: true, encoding: .utf8)
        XCTAssertEqual(try shell([Paths.tollgate, "check", "--config", config]).code, 0)
    }

    private func waitFor(_ timeout: Double = 5, _ condition: () throws -> Bool) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try condition() { return }
            usleep(100_000)
        }
        XCTFail("condition not met within \(timeout)s")
    }
}
