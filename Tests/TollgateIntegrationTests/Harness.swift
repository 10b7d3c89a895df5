import Foundation
import XCTest

/// Paths of the built binary and the fixtures.
enum Paths {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    /// The `tollgate` binary next to the test bundle (built by `swift build` before `swift test`).
    static var tollgate: String {
        let bundleDir = Bundle.main.bundleURL.deletingLastPathComponent()
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("tollgate").path,
            bundleDir.appendingPathComponent("tollgate").path,
            packageRoot.appendingPathComponent(".build/debug/tollgate").path,
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates[2]
    }
    static let upstreamScript = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/upstream.py").path
    /// Parses Prometheus text with the reference client's parser (prints JSON samples).
    static let promParser = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/promparse.py").path
}

/// A child process whose stderr is watched for a "listening on HOST:PORT" line; killed on `stop()`.
final class Child {
    let process = Process()
    let stdoutURL: URL
    let stderrURL: URL

    init(_ executable: String, _ args: [String], dir: URL) throws {
        stdoutURL = dir.appendingPathComponent("\(UUID().uuidString).out")
        stderrURL = dir.appendingPathComponent("\(UUID().uuidString).err")
        _ = FileManager.default.createFile(atPath: stdoutURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = args
        process.standardOutput = try FileHandle(forWritingTo: stdoutURL)
        process.standardError = try FileHandle(forWritingTo: stderrURL)
        try process.run()
    }

    var stderr: String { (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? "" }
    var stdout: String { (try? String(contentsOf: stdoutURL, encoding: .utf8)) ?? "" }

    /// The proxy's own "listening on" log message (not the admin's, echo's or forward-auth's).
    static let proxyMarker = "\"msg\":\"listening on "

    /// Waits for `marker` ("… listening on ADDR") in stderr and returns the port of the first address.
    func waitForPort(marker: String = "listening on ", timeout: Double = 20) throws -> Int {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let text = stderr
            if let r = text.range(of: marker) {
                let rest = text[r.upperBound...]
                let addr = rest.prefix { !$0.isWhitespace && $0 != "," && $0 != "\"" }
                if let colon = addr.lastIndex(of: ":"), let port = Int(addr[addr.index(after: colon)...]) {
                    return port
                }
            }
            if !process.isRunning { break }
            usleep(20_000)
        }
        throw NSError(domain: "harness", code: 1, userInfo: [NSLocalizedDescriptionKey: "no port; stderr: \(stderr)"])
    }

    func signal(_ sig: Int32) { kill(process.processIdentifier, sig) }

    func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    /// The kernel's names of the process's threads (Linux /proc: what `top -H` shows).
    var threadNames: [String] {
        let dir = "/proc/\(process.processIdentifier)/task"
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        return tasks.compactMap {
            (try? String(contentsOfFile: "\(dir)/\($0)/comm", encoding: .utf8))?
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }

    /// Resident set size in KiB (Linux /proc).
    var rssKiB: Int {
        guard let s = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8)
        else { return 0 }
        for line in s.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            return Int(line.split(separator: " ", omittingEmptySubsequences: true)[1]) ?? 0
        }
        return 0
    }
}

/// A running proxy in front of a chosen upstream, in a temp folder, torn down by the test case.
final class Stack {
    let dir: URL
    var children: [Child] = []
    var proxyPort = 0
    var upstreamPort = 0
    var adminPort = 0
    var proxy: Child!

    init() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-it-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    /// Starts `tollgate echo` and returns its port.
    func startEcho() throws -> Int {
        let c = try Child(Paths.tollgate, ["echo", "--listen", "127.0.0.1:0"], dir: dir)
        children.append(c)
        return try c.waitForPort()
    }

    /// Starts the Python fixture upstream and returns its port.
    func startFixture() throws -> Int {
        let c = try Child("/usr/bin/env", ["python3", Paths.upstreamScript], dir: dir)
        children.append(c)
        return try c.waitForPort()
    }

    /// Writes a config (YAML) with `upstreamPort` and extra top-level YAML, starts the proxy on port 0.
    func startProxy(upstreamPort: Int, workers: Int = 1, extra: String = "", limits: String = "",
                    routes: String? = nil, createAccounts: Bool = true) throws {
        self.upstreamPort = upstreamPort
        let config = """
            listen: "127.0.0.1:0"
            upstream: "http://127.0.0.1:\(upstreamPort)"
            workers: \(workers)
            accounts_file: accounts.yaml
            realm: "test"
            limits:
              max_header_bytes: 8192
            \(limits.contains("max_body_bytes") ? "" : "  max_body_bytes: 1048576")
            \(limits.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n"))
            \(extra)
            routes:
            \(routes ?? "  - path: /\n    public: true")

            """
        let path = dir.appendingPathComponent("tollgate.yaml")
        try config.write(to: path, atomically: true, encoding: .utf8)
        let accounts = dir.appendingPathComponent("accounts.yaml")
        if createAccounts && (try? accounts.checkResourceIsReachable()) != true {
            try "accounts: []\n".write(to: accounts, atomically: true, encoding: .utf8)
        }
        proxy = try Child(Paths.tollgate, ["serve", "--config", path.path], dir: dir)
        children.append(proxy)
        proxyPort = try proxy.waitForPort(marker: Child.proxyMarker)
        if extra.contains("admin_listen") { adminPort = try proxy.waitForPort(marker: "admin listening on ") }
    }

    /// Writes accounts.yaml with one account, `ci-bot` (group `readers` → role `reader`), token `tg_ci` (id ci-1).
    func writeReaderAccounts() throws {
        let accounts = """
            groups:
              readers: { roles: [reader] }
            accounts:
              - name: ci-bot
                groups: [readers]
                tokens:
                  - id: ci-1
                    hash: "\(AuthTests.sha("tg_ci"))"
                    expires: never
            """
        try accounts.write(to: dir.appendingPathComponent("accounts.yaml"), atomically: true, encoding: .utf8)
    }

    func stop() {
        for c in children { c.stop() }
        // Under `swift test --sanitize=thread` the children are sanitizer builds too: a report fails the test.
        for c in children where c.stderr.contains("WARNING: ThreadSanitizer") || c.stderr.contains("ERROR: AddressSanitizer") {
            XCTFail("sanitizer report from \(c.process.arguments?.first ?? "?"): \(c.stderr.prefix(4000))")
        }
        try? FileManager.default.removeItem(at: dir)
    }
}

/// Runs a command and returns (exit code, stdout, stderr).
@discardableResult
func shell(_ args: [String], stdin: Data? = nil) throws -> (code: Int32, out: String, err: String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = args
    let out = Pipe()
    let err = Pipe()
    p.standardOutput = out
    p.standardError = err
    let input = Pipe()
    p.standardInput = input
    try p.run()
    if let stdin { input.fileHandleForWriting.write(stdin) }
    try input.fileHandleForWriting.close()
    let o = out.fileHandleForReading.readDataToEndOfFile()
    let e = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
}

/// A blocking TCP client for raw-bytes tests.
final class RawClient {
    let fd: Int32

    init(port: Int, timeout: Double = 5) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = UInt16(port).bigEndian
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else { throw NSError(domain: "raw", code: Int(errno)) }
        var tv = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - Double(Int(timeout))) * 1e6))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close(fd) }

    func send(_ s: String) { send(Array(s.utf8)) }

    func send(_ bytes: [UInt8]) {
        var off = 0
        while off < bytes.count {
            let n = bytes[off...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return }
            off += n
        }
    }

    /// Reads until the peer closes or the timeout passes; returns what arrived and whether it closed.
    func readAll() -> (data: String, closed: Bool) {
        var out = [UInt8]()
        var buf = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = recv(fd, &buf, buf.count, 0)
            if n > 0 {
                out += buf[0..<n]
            } else {
                return (String(decoding: out, as: UTF8.self), n == 0 || errno == ECONNRESET)
            }
        }
    }

    /// Reads until `count` complete HTTP responses (Content-Length framed) have arrived, or timeout.
    func readResponses(_ count: Int) -> [String] {
        var data = [UInt8]()
        var buf = [UInt8](repeating: 0, count: 65536)
        var responses: [String] = []
        while responses.count < count {
            // Try to cut complete responses out of `data`.
            while let r = Self.cutResponse(&data) { responses.append(r) }
            if responses.count >= count { break }
            let n = recv(fd, &buf, buf.count, 0)
            if n <= 0 { break }
            data += buf[0..<n]
        }
        while responses.count < count, let r = Self.cutResponse(&data) { responses.append(r) }
        return responses
    }

    private static func cutResponse(_ data: inout [UInt8]) -> String? {
        let sep: [UInt8] = [13, 10, 13, 10]
        guard data.count >= 4, let end = (0...(data.count - 4)).first(where: { Array(data[$0..<$0 + 4]) == sep })
        else { return nil }
        let head = String(decoding: data[0..<end], as: UTF8.self)
        var length = 0
        for line in head.split(separator: "\r\n") where line.lowercased().hasPrefix("content-length:") {
            length = Int(line.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) ?? 0
        }
        if head.hasPrefix("HTTP/1.1 100") { length = 0 }
        let total = end + 4 + length
        guard data.count >= total else { return nil }
        let text = String(decoding: data[0..<total], as: UTF8.self)
        data.removeFirst(total)
        return text
    }
}

extension String {
    /// The status code of an HTTP response text.
    var statusCode: Int { Int(split(separator: " ").dropFirst().first ?? "") ?? 0 }
    /// The body of an HTTP response text.
    var body: String { components(separatedBy: "\r\n\r\n").dropFirst().joined(separator: "\r\n\r\n") }
}
