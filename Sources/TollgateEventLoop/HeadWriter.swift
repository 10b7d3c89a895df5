private import CLibevent

/// Serialises heads tollgate writes; values come from parsed fields, so they are already free of CR/LF/NUL.
package enum HeadWriter {
    /// `METHOD target HTTP/1.1` + headers + framing + blank line.
    package static func request(_ r: UpstreamRequest, contentLength: Int64?, chunked: Bool) -> [UInt8] {
        var bytes: [UInt8] = []
        request(r, contentLength: contentLength, chunked: chunked, into: &bytes)
        return bytes
    }

    /// The same written over `bytes`, whose storage is reused when it is large enough (a connection keeps one
    /// array for its upstream request heads: no allocation per request once it has grown).
    package static func request(_ r: UpstreamRequest, contentLength: Int64?, chunked: Bool,
                                into bytes: inout [UInt8]) {
        let capacity = r.method.utf8.count + r.target.utf8.count + 64 + r.fields.byteCount
        ByteSink.fill(&bytes, capacity: capacity) { out in
            out.string(r.method)
            out.byte(32)
            out.string(r.target)
            out.literal(" HTTP/1.1\r\n")
            r.fields.withLines { out.bytes($0) }  // the fields' lines, already in wire form
            out.framing(contentLength: contentLength, chunked: chunked)
            out.crlf()
        }
    }

    /// What `Connection` header a response head carries.
    package enum ConnectionField { case none, close, keepAlive }

    /// A proxied response head: status line, the upstream's kept header lines (filtered from `upstreamHead` by
    /// `ResponseHeaderFilter`, which must have passed `HeadScanner.validateResponse`), the framing tollgate
    /// chose and its `Connection` field, blank line. One buffer of the right size, no Strings.
    static func proxiedResponse(status: Int, reason: String, upstreamHead: UnsafeRawBufferPointer,
                                lines: ResponseLines? = nil, contentLength: Int64?, chunked: Bool,
                                connection: ConnectionField) -> [UInt8] {
        ByteSink.make(capacity: proxiedResponseCapacity(reason: reason, upstreamHead: upstreamHead)) { out in
            proxiedResponse(status: status, reason: reason, upstreamHead: upstreamHead, lines: lines,
                            contentLength: contentLength, chunked: chunked, connection: connection, to: &out)
        }
    }

    /// The same appended to an evbuffer in place (reserved space, no array in between); false when libevent
    /// could not reserve the space.
    static func appendProxiedResponse(to buffer: OpaquePointer, status: Int, reason: String,
                                      upstreamHead: UnsafeRawBufferPointer, lines: ResponseLines?,
                                      contentLength: Int64?, chunked: Bool, connection: ConnectionField) -> Bool {
        ByteSink.append(to: buffer, capacity: proxiedResponseCapacity(reason: reason, upstreamHead: upstreamHead)) {
            proxiedResponse(status: status, reason: reason, upstreamHead: upstreamHead, lines: lines,
                            contentLength: contentLength, chunked: chunked, connection: connection, to: &$0)
        }
    }

    private static func proxiedResponseCapacity(reason: String, upstreamHead: UnsafeRawBufferPointer) -> Int {
        96 + reason.utf8.count + upstreamHead.count
    }

    private static func proxiedResponse(status: Int, reason: String, upstreamHead: UnsafeRawBufferPointer,
                                        lines: ResponseLines?, contentLength: Int64?, chunked: Bool,
                                        connection: ConnectionField, to out: inout ByteSink) {
        out.literal("HTTP/1.1 ")
        out.status(status)
        out.byte(32)
        out.string(reason)
        out.crlf()
        if let lines {
            ResponseHeaderFilter.copy(upstreamHead, lines: lines, to: &out)
        } else {
            ResponseHeaderFilter.copy(upstreamHead, to: &out)
        }
        out.framing(contentLength: contentLength, chunked: chunked)
        switch connection {
        case .none: break
        case .close: out.literal("Connection: close\r\n")
        case .keepAlive: out.literal("Connection: keep-alive\r\n")
        }
        out.crlf()
    }

    /// Status line + headers (framing and Connection included by the caller) + blank line: tollgate's own answers.
    static func response(status: Int, reason: String, headers: HTTPHeaderList) -> [UInt8] {
        ByteSink.make(capacity: 64 + reason.utf8.count + fieldsSize(headers)) { out in
            out.literal("HTTP/1.1 ")
            out.status(status)
            out.byte(32)
            out.string(reason)
            out.crlf()
            out.fields(headers)
            out.crlf()
        }
    }

    /// Bytes `ByteSink.fields` writes for `headers`: the buffer is made the right size at once.
    static func fieldsSize(_ headers: HTTPHeaderList) -> Int {
        headers.withUnsafeBufferPointer { fields in
            var total = 0
            for i in fields.indices { total += fields[i].name.utf8.count + fields[i].value.utf8.count + 4 }
            return total
        }
    }

    /// `<hex size>\r\n` for a chunk of `count` bytes.
    static func chunkHeader(_ count: Int) -> [UInt8] {
        Array(String(count, radix: 16).utf8) + [13, 10]
    }
}

/// Writes a head into storage sized beforehand: one allocation, a memcpy per piece (appending to an Array piece
/// by piece cost more than the bytes themselves). Writing past `capacity` is a programming error and traps.
struct ByteSink {
    private let base: UnsafeMutablePointer<UInt8>
    private let capacity: Int
    private(set) var count = 0

    private init(base: UnsafeMutablePointer<UInt8>, capacity: Int) {
        self.base = base
        self.capacity = capacity
    }

    /// An array of at most `capacity` bytes, filled by `body`.
    static func make(capacity: Int, _ body: (inout ByteSink) -> Void) -> [UInt8] {
        var bytes: [UInt8] = []
        fill(&bytes, capacity: capacity, body)
        return bytes
    }

    /// Replaces `bytes` with at most `capacity` bytes filled by `body`, in its own storage when that is unique
    /// and large enough. (Not `[UInt8](unsafeUninitializedCapacity:)`: that path is generic in the standard
    /// library and looked up the array's type metadata at run time on every call, about 500 instructions.)
    static func fill(_ bytes: inout [UInt8], capacity: Int, _ body: (inout ByteSink) -> Void) {
        bytes.removeAll(keepingCapacity: true)
        // Written into the array's spare capacity: nothing is zeroed first.
        bytes.append(addingCapacity: capacity) { output in
            output.withUnsafeMutableBufferPointer { buffer, initialized in
                var sink = ByteSink(base: buffer.baseAddress!, capacity: capacity)
                body(&sink)
                initialized = sink.count
            }
        }
    }

    /// Appends at most `capacity` bytes filled by `body` to an evbuffer, written in place into space reserved
    /// in one extent. False (nothing added) when the space cannot be reserved.
    static func append(to buffer: OpaquePointer, capacity: Int, _ body: (inout ByteSink) -> Void) -> Bool {
        var vec = iovec()
        guard evbuffer_reserve_space(buffer, capacity, &vec, 1) == 1, let base = vec.iov_base else { return false }
        var sink = ByteSink(base: base.assumingMemoryBound(to: UInt8.self), capacity: capacity)
        body(&sink)
        vec.iov_len = sink.count
        return evbuffer_commit_space(buffer, &vec, 1) == 0
    }

    @inline(__always)
    mutating func bytes(_ p: UnsafeRawPointer, _ n: Int) {
        precondition(n <= capacity - count, "ByteSink overflow")
        (base + count).update(from: p.assumingMemoryBound(to: UInt8.self), count: n)
        count += n
    }

    @inline(__always)
    mutating func bytes(_ b: UnsafeRawBufferPointer) {
        if let p = b.baseAddress { bytes(p, b.count) }
    }

    @inline(__always)
    mutating func byte(_ b: UInt8) {
        precondition(count < capacity, "ByteSink overflow")
        base[count] = b
        count += 1
    }

    @inline(__always)
    mutating func crlf() {
        byte(13)
        byte(10)
    }

    @inline(__always)
    mutating func literal(_ s: StaticString) { bytes(s.utf8Start, s.utf8CodeUnitCount) }

    /// A String's UTF-8, read in place.
    @inline(__always)
    mutating func string(_ s: String) {
        if s.utf8.withContiguousStorageIfAvailable({ bytes(UnsafeRawBufferPointer($0)) }) == nil {
            for b in s.utf8 { byte(b) }
        }
    }

    /// `Transfer-Encoding: chunked` or `Content-Length: n` (nothing when neither applies).
    mutating func framing(contentLength: Int64?, chunked: Bool) {
        if chunked {
            literal("Transfer-Encoding: chunked\r\n")
        } else if let contentLength {
            literal("Content-Length: ")
            decimal(contentLength)
            crlf()
        }
    }

    /// `Name: value\r\n` per field.
    mutating func fields(_ headers: HTTPHeaderList) {
        headers.withUnsafeBufferPointer { fields in
            for i in fields.indices {
                string(fields[i].name)
                byte(58)
                byte(32)
                string(fields[i].value)
                crlf()
            }
        }
    }

    /// Three digits (a status is 100…999 once validated).
    @inline(__always)
    mutating func status(_ status: Int) {
        let s = min(max(status, 100), 999)
        byte(UInt8(48 + s / 100))
        byte(UInt8(48 + (s / 10) % 10))
        byte(UInt8(48 + s % 10))
    }

    /// A non-negative decimal, without making a String.
    mutating func decimal(_ value: Int64) {
        precondition(value >= 0)
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: room for any Int64
        withUnsafeMutableBytes(of: &digits) { buf in
            var v = value
            var i = buf.count
            repeat {
                i -= 1
                buf[i] = UInt8(48 + v % 10)
                v /= 10
            } while v > 0
            bytes(UnsafeRawBufferPointer(rebasing: buf[i...]))
        }
    }
}
