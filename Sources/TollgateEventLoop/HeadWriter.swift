/// Serialises heads tollgate writes; values come from parsed fields, so they are already free of CR/LF/NUL.
package enum HeadWriter {
    /// `METHOD target HTTP/1.1` + headers + framing + blank line.
    package static func request(_ r: UpstreamRequest, contentLength: Int64?, chunked: Bool) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256 + r.headers.count * 48)
        appendUTF8(r.method, to: &out)
        out.append(32)
        appendUTF8(r.target, to: &out)
        out.append(contentsOf: " HTTP/1.1\r\n".utf8)
        appendHeaders(r.headers, to: &out)
        if chunked {
            out.append(contentsOf: "Transfer-Encoding: chunked\r\n".utf8)
        } else if let contentLength {
            appendField("Content-Length", String(contentLength), to: &out)
        }
        out.append(13)
        out.append(10)
        return out
    }

    /// Status line + headers (framing and Connection included by the caller) + blank line.
    static func response(status: Int, reason: String, headerLines: [UInt8] = [], headers: HTTPHeaderList) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(128 + headerLines.count + headers.count * 48)
        out.append(contentsOf: "HTTP/1.1 ".utf8)
        appendStatus(status, to: &out)
        out.append(32)
        appendUTF8(reason, to: &out)
        out.append(13)
        out.append(10)
        out.append(contentsOf: headerLines)
        appendHeaders(headers, to: &out)
        out.append(13)
        out.append(10)
        return out
    }

    /// Three digits (a status is 100…999 once validated), without making a String.
    @inline(__always)
    static func appendStatus(_ status: Int, to out: inout [UInt8]) {
        let s = min(max(status, 100), 999)
        out.append(UInt8(48 + s / 100))
        out.append(UInt8(48 + (s / 10) % 10))
        out.append(UInt8(48 + s % 10))
    }

    static func appendHeaders(_ headers: HTTPHeaderList, to out: inout [UInt8]) {
        for h in headers { appendField(h.name, h.value, to: &out) }
    }

    /// Appends a string's UTF-8 bytes with one copy (a generic `append(contentsOf: s.utf8)` walks them), reading
    /// the string in place: no copy of it, so no retain and release per field.
    @inline(__always)
    static func appendUTF8(_ s: String, to out: inout [UInt8]) {
        if s.utf8.withContiguousStorageIfAvailable({ out.append(contentsOf: $0) }) == nil {
            out.append(contentsOf: s.utf8)
        }
    }

    @inline(__always)
    static func appendField(_ name: String, _ value: String, to out: inout [UInt8]) {
        appendUTF8(name, to: &out)
        out.append(58)
        out.append(32)
        appendUTF8(value, to: &out)
        out.append(13)
        out.append(10)
    }

    /// `<hex size>\r\n` for a chunk of `count` bytes.
    static func chunkHeader(_ count: Int) -> [UInt8] {
        Array(String(count, radix: 16).utf8) + [13, 10]
    }
}
