import Foundation
import XCTest

/// Bytes of a string whose characters are all below U+0100, one byte each (latin-1). Test tables write raw
/// bytes this way, so that `\u{E9}` is the single byte 0xE9 (invalid UTF-8) and `\u{C3}\u{A9}` is "é" in UTF-8.
func latin1Bytes(_ s: String) -> [UInt8] {
    s.unicodeScalars.map {
        precondition($0.value < 256, "not latin-1: \($0)")
        return UInt8($0.value)
    }
}

/// Printable form of raw bytes for failure messages.
func printable(_ bytes: some Sequence<UInt8>, limit: Int = 400) -> String {
    var out = ""
    for (i, b) in bytes.enumerated() {
        if i == limit {
            out += "…"
            break
        }
        switch b {
        case 13: out += "\\r"
        case 10: out += "\\n"
        case 9: out += "\\t"
        case 32..<127: out.unicodeScalars.append(UnicodeScalar(b))
        default: out += String(format: "\\x%02x", b)
        }
    }
    return out
}

/// One request as the fixture upstream recorded it (`GET /__log`, see Fixtures/upstream.py).
struct UpstreamRequestRecord {
    var conn: Int
    var seq: Int
    var requestLine: String
    var method: String?
    var target: String?
    var version: String?
    var parseOK: Bool
    var headers: [(name: String, value: String)]
    var body: [UInt8]
    var bodyLength: Int
    var complete: Bool
    var trailers: [(name: String, value: String)]
    /// The exact bytes this request took from its connection (head and body as framed on the wire).
    var raw: [UInt8]

    /// Values of every header whose name equals `name`, case-insensitively (spelling exact otherwise).
    func values(_ name: String) -> [String] {
        headers.filter { $0.name.lowercased() == name.lowercased() }.map(\.value)
    }

    var summary: String {
        "\(method ?? "?") \(target ?? requestLine) body=\(printable(body, limit: 60)) complete=\(complete)"
    }
}

/// Everything one upstream connection read off its socket since the last reset.
struct UpstreamConnectionRecord {
    var id: Int
    var raw: [UInt8]
    var eof: Bool
}

/// Client of the fixture upstream's record endpoints (`/__log`, `/__log/connections`, `/__log/reset`), spoken
/// directly to the upstream (never through the proxy).
struct UpstreamLog {
    let port: Int

    func reset() throws { _ = try call("POST", "/__log/reset") }

    /// Requests received since the last reset, in arrival order, once the upstream is quiet.
    func requests() throws -> [UpstreamRequestRecord] {
        let list = try json(try call("GET", "/__log?settle=1"))
        return list.map { o in
            UpstreamRequestRecord(
                conn: o["conn"] as? Int ?? 0, seq: o["seq"] as? Int ?? 0,
                requestLine: o["request_line"] as? String ?? "", method: o["method"] as? String,
                target: o["target"] as? String, version: o["version"] as? String,
                parseOK: o["parse_ok"] as? Bool ?? false, headers: Self.pairs(o["headers"]),
                body: latin1Bytes(o["body"] as? String ?? ""), bodyLength: o["body_len"] as? Int ?? 0,
                complete: o["complete"] as? Bool ?? false, trailers: Self.pairs(o["trailers"]),
                raw: latin1Bytes(o["raw"] as? String ?? ""))
        }
    }

    /// The raw byte stream of every upstream connection that received something since the last reset.
    func connections() throws -> [UpstreamConnectionRecord] {
        let list = try json(try call("GET", "/__log/connections?settle=1"))
        return list.map {
            UpstreamConnectionRecord(
                id: $0["id"] as? Int ?? 0, raw: latin1Bytes($0["raw"] as? String ?? ""),
                eof: $0["eof"] as? Bool ?? false)
        }
    }

    private static func pairs(_ any: Any?) -> [(name: String, value: String)] {
        (any as? [[String]] ?? []).map { (name: $0[0], value: $0.count > 1 ? $0[1] : "") }
    }

    private func json(_ body: String) throws -> [[String: Any]] {
        guard let list = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [[String: Any]] else {
            throw NSError(domain: "upstream-log", code: 1, userInfo: [NSLocalizedDescriptionKey: body])
        }
        return list
    }

    private func call(_ method: String, _ path: String) throws -> String {
        let c = try RawClient(port: port, timeout: 5)
        c.send("\(method) \(path) HTTP/1.1\r\nHost: upstream\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        let (data, _) = c.readAll()
        guard data.hasPrefix("HTTP/1.") && data.statusCode == 200 else {
            throw NSError(domain: "upstream-log", code: 2, userInfo: [NSLocalizedDescriptionKey: data])
        }
        return data.body
    }
}

/// One message cut out of an upstream connection's byte stream by `WireSplitter`.
struct WireMessage {
    var requestLine: String
    var headers: [(name: String, value: String)]
    var body: [UInt8]
    var complete: Bool
    var chunked: Bool
}

/// A strict HTTP/1.1 request splitter, independent of both tollgate and Python's lenient BaseHTTPRequestHandler:
/// it reads what the upstream's socket delivered and says how many requests that is. Anything a strict
/// server would not read as exactly these messages (bare CR/LF, obs-fold, a missing colon, CL with TE, a TE
/// other than `chunked`, chunk extensions or trailers from the proxy, bytes after the last message) is an error.
enum WireSplitter {
    static func split(_ b: [UInt8]) -> (messages: [WireMessage], error: String?) {
        var messages: [WireMessage] = []
        var pos = 0
        let n = b.count
        func fail(_ why: String) -> ([WireMessage], String?) {
            (messages, "\(why) at byte \(pos): \(printable(b[pos...], limit: 120))")
        }
        while pos < n {
            guard let end = find(b, [13, 10, 13, 10], from: pos) else { return fail("unterminated head") }
            let lines = splitLines(Array(b[pos..<end]))
            guard let lines else { return fail("bare CR or LF in head") }
            let requestLine = String(decoding: lines[0], as: UTF8.self)
            let parts = lines[0].split(separator: 32, omittingEmptySubsequences: false)
            guard parts.count == 3, !parts[0].isEmpty, parts[0].allSatisfy(isTChar),
                parts[1].first == 47 || parts[1].first == 42, parts[1].allSatisfy({ $0 > 32 && $0 < 127 }),
                Array(parts[2]) == Array("HTTP/1.1".utf8)
            else { return fail("bad request line \(printable(lines[0]))") }
            var headers: [(name: String, value: String)] = []
            for line in lines.dropFirst() {
                guard let colon = line.firstIndex(of: 58), colon > 0, line[..<colon].allSatisfy(isTChar),
                    line[(colon + 1)...].allSatisfy({ $0 == 9 || ($0 >= 32 && $0 != 127) })
                else { return fail("bad header line \(printable(line))") }
                let value = String(decoding: line[(colon + 1)...], as: UTF8.self).trimmingCharacters(in: .whitespaces)
                headers.append((String(decoding: line[..<colon], as: UTF8.self), value))
            }
            let cl = headers.filter { $0.name.lowercased() == "content-length" }
            let te = headers.filter { $0.name.lowercased() == "transfer-encoding" }
            if cl.count > 1 || te.count > 1 || (!cl.isEmpty && !te.isEmpty) { return fail("ambiguous framing") }
            if let t = te.first, t.value != "chunked" { return fail("transfer-encoding \(t.value)") }
            pos = end + 4
            var message = WireMessage(
                requestLine: requestLine, headers: headers, body: [], complete: true,
                chunked: !te.isEmpty)
            if let c = cl.first {
                guard let length = Int(c.value), c.value.allSatisfy(\.isASCII), c.value.allSatisfy(\.isNumber)
                else { return fail("content-length \(c.value)") }
                let take = min(length, n - pos)
                message.body = Array(b[pos..<(pos + take)])
                message.complete = take == length
                pos += take
            } else if !te.isEmpty {
                // chunk = 1*HEXDIG CRLF data CRLF; last-chunk "0" CRLF; then CRLF (no extensions, no trailers).
                while true {
                    guard let eol = find(b, [13, 10], from: pos) else {
                        message.complete = false
                        pos = n
                        break
                    }
                    let sizeText = String(decoding: b[pos..<eol], as: UTF8.self)
                    guard !sizeText.isEmpty, sizeText.allSatisfy(\.isHexDigit), let size = Int(sizeText, radix: 16)
                    else { return fail("chunk size line \(printable(b[pos..<eol]))") }
                    pos = eol + 2
                    if size == 0 {
                        if n - pos < 2 {
                            message.complete = false
                            pos = n
                            break
                        }
                        guard b[pos] == 13, b[pos + 1] == 10 else { return fail("trailer from the proxy") }
                        pos += 2
                        break
                    }
                    let take = min(size, n - pos)
                    message.body += b[pos..<(pos + take)]
                    pos += take
                    if take < size || n - pos < 2 {
                        message.complete = false
                        pos = n
                        break
                    }
                    guard b[pos] == 13, b[pos + 1] == 10 else { return fail("chunk data not followed by CRLF") }
                    pos += 2
                }
            }
            messages.append(message)
        }
        return (messages, nil)
    }

    private static func isTChar(_ c: UInt8) -> Bool {
        switch c {
        case 48...57, 65...90, 97...122, 33, 35, 36, 37, 38, 39, 42, 43, 45, 46, 94, 95, 96, 124, 126: return true
        default: return false
        }
    }

    private static func find(_ b: [UInt8], _ pattern: [UInt8], from: Int) -> Int? {
        guard b.count >= pattern.count else { return nil }
        var i = from
        while i <= b.count - pattern.count {
            if b[i] == pattern[0] && Array(b[i..<(i + pattern.count)]) == pattern { return i }
            i += 1
        }
        return nil
    }

    /// Lines of a head without its final CRLFCRLF; nil when a CR or LF appears outside a CRLF pair.
    private static func splitLines(_ head: [UInt8]) -> [[UInt8]]? {
        var lines: [[UInt8]] = []
        var current: [UInt8] = []
        var i = 0
        while i < head.count {
            let c = head[i]
            if c == 13 {
                guard i + 1 < head.count, head[i + 1] == 10 else { return nil }
                lines.append(current)
                current = []
                i += 2
                continue
            }
            if c == 10 { return nil }
            current.append(c)
            i += 1
        }
        lines.append(current)
        return lines
    }
}
