import Glibc
import TollgateHeaders

/// Why a request head was refused before the C parser saw it.
public enum HeadError: Error, Sendable, Equatable {
    case bareLF, bareCR, obsFold, emptyHeaderName, invalidHeaderName, spaceBeforeColon, missingColon
    case invalidValueChar, badRequestLine, invalidMethod, invalidTarget, fragmentInTarget, badVersion
    case missingHost, duplicateHost, invalidHost
    case duplicateContentLength, invalidContentLength, contentLengthWithTransferEncoding, unsupportedTransferEncoding
    case tooManyHeaders, tooLarge, parser
    /// Content-Length above `max_body_bytes` (refused before any body byte is read).
    case bodyTooLarge

    /// The status code tollgate answers with; the connection is always closed afterwards.
    public var status: Int {
        switch self {
        case .tooLarge, .tooManyHeaders: return 431
        case .bodyTooLarge: return 413
        default: return 400
        }
    }
}

/// Facts about a head that framing decisions rely on, taken from tollgate's own scan.
public struct HeadFacts: Sendable, Equatable {
    /// 0 or 1.
    public var versionMinor: Int
    /// The single Content-Length, if any.
    public var contentLength: Int64?
    /// `Transfer-Encoding: chunked` was sent.
    public var chunked: Bool
    /// Number of header fields.
    public var headerCount: Int
    /// A `Connection` field lists the `close` token.
    public var connectionClose = false
    /// A `Connection` field lists the `keep-alive` token.
    public var connectionKeepAlive = false
    /// An `Expect: 100-continue` field was sent.
    public var expectsContinue = false
    /// A response's status code (0 for requests).
    public var status = 0

    /// Whether the connection may stay open after this message, by its version and `Connection` tokens: HTTP/1.1
    /// unless `close` is listed, HTTP/1.0 only when `keep-alive` is (RFC 9112 §9.3). Framing that ends at the
    /// close (a response without length) is the caller's to add.
    public var keepAlive: Bool { versionMinor >= 1 ? !connectionClose : connectionKeepAlive }
}

/// A request head read by `HeadScanner.parseRequest`: the strict checks of `validate` passed; the method and
/// target are Strings and the fields a `HeaderBlock`.
public struct ScannedRequest: Sendable {
    /// The method token, one http-parser knows (`HeadScanner.isKnownMethod`).
    public var method: String
    /// The request-target as sent.
    public var target: String
    /// Framing and connection facts.
    public var facts: HeadFacts
    /// Fields in wire order, values without surrounding blanks.
    public var fields: HeaderBlock

    /// The fields as Strings.
    public var headers: HTTPHeaderList { fields.list }
}

/// Receives each field of a head while it is validated; returns an error to refuse the head.
protocol FieldVisitor {
    /// One validated field; `known`: what the scanner already recognised its name as.
    mutating func field(name: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer, known: KnownField) -> HeadError?
}

/// Field names the scanner itself checks (letter case aside), so a visitor need not compare them again.
enum KnownField {
    case contentLength, transferEncoding, host, connection, expect, other
}

/// Validation alone: nothing is kept. Not empty: ThreadSanitizer's check of an `inout` access to a zero-sized
/// value in an unspecialised generic read a bogus address (SEGV in the debug + TSan build).
private struct NoFields: FieldVisitor {
    private var unused: UInt8 = 0

    @inline(__always)
    mutating func field(name: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer, known: KnownField)
        -> HeadError?
    { nil }
}

/// Keeps every field in a `HeaderBlock`; a value that is not UTF-8 refuses the head.
private struct CollectFields: FieldVisitor {
    var block: HeaderBlock

    mutating func field(name: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer, known: KnownField)
        -> HeadError?
    {
        if !HeadScanner.isASCII(value) {  // ASCII is UTF-8: nothing to check
            guard String(validating: value, as: UTF8.self) != nil else { return .invalidValueChar }
        }
        block.append(name: name, value: value)
        return nil
    }
}

/// Strict checks on the raw bytes of a request head, in front of http-parser, which is lenient about obs-fold,
/// bare LF, a space before the colon and more (NOTES-libevent.md). Pure: no allocation on the success path.
public enum HeadScanner {
    /// Result of looking for the end of a head.
    public enum Search: Equatable {
        /// The head spans `bytes[start..<end]` (end is just past the blank line); `start` skips leading CRLFs.
        case complete(start: Int, end: Int)
        /// Not yet complete; later scans may resume at `resumeAt`.
        case incomplete(resumeAt: Int)
        /// A framing error seen before the end (bare LF, bare CR, NUL in the line).
        case invalid(HeadError)
    }

    /// Looks for CRLF CRLF in `bytes`, starting at `from` (a value returned by an earlier `.incomplete`).
    /// Leading empty lines (CRLF) before a request line are skipped, as RFC 9112 §2.2 allows.
    public static func findEnd(_ bytes: UnsafeRawBufferPointer, from: Int = 0) -> Search {
        let n = bytes.count
        var start = 0
        // Skip leading CRLFs (between pipelined requests some clients send an extra one).
        while start + 1 < n && bytes[start] == 13 && bytes[start + 1] == 10 { start += 2 }
        if start + 1 == n && bytes[start] == 13 { return .incomplete(resumeAt: 0) }
        var i = max(from, start)
        while i < n {
            // Eight bytes at a time while none is LF, CR or NUL (all below 14).
            if i + 8 <= n && !hasByteBelow(word(bytes, i), 14) {
                i += 8
                continue
            }
            let b = bytes[i]
            // Most bytes are printable: one comparison (LF, CR and NUL are all below 14).
            if b > 13 {
                i += 1
                continue
            }
            if b == 10 {
                if i == start || bytes[i - 1] != 13 { return .invalid(.bareLF) }
                // CRLF at i-1..i; an empty line follows when the previous line also ended here.
                if i >= start + 3 && bytes[i - 2] == 10 && bytes[i - 3] == 13 {
                    return .complete(start: start, end: i + 1)
                }
            } else if b == 13 {
                if i + 1 < n && bytes[i + 1] != 10 { return .invalid(.bareCR) }
            } else if b == 0 {
                return .invalid(.invalidValueChar)
            }
            i += 1
        }
        // Resume a little before the end so that a CRLFCRLF split across reads is still seen.
        return .incomplete(resumeAt: max(start, n - 3))
    }

    /// Validates a complete head (`bytes` from the request line through the final blank line).
    public static func validate(_ bytes: UnsafeRawBufferPointer, maxHeaders: Int = 128) -> Result<HeadFacts, HeadError> {
        var none = NoFields()
        return scanRequest(bytes, maxHeaders: maxHeaders, fields: &none).map(\.facts)
    }

    /// Validates a complete request head like `validate` and reads it: method and target as Strings, the fields
    /// into a `HeaderBlock`.
    /// Also refuses a method http-parser does not know (`.invalidMethod`) and a field value that is not UTF-8
    /// (`.invalidValueChar`), as the server did when http-parser read its heads. One pass over the bytes.
    public static func parseRequest(_ bytes: UnsafeRawBufferPointer, maxHeaders: Int = 128)
        -> Result<ScannedRequest, HeadError>
    {
        // A field's line is at most one byte longer than it arrived (the space after the colon, where it had none;
        // blanks around values are dropped) and the request line and final CRLF are not kept: the head's size and
        // 32 bytes hold the lines of any usual head without growing.
        var fields = CollectFields(block: HeaderBlock(capacity: bytes.count + 32, fields: 16))
        let line: RequestLine
        switch scanRequest(bytes, maxHeaders: maxHeaders, fields: &fields) {
        case .failure(let error): return .failure(error)
        case .success(let l): line = l
        }
        guard let method = knownMethod(UnsafeRawBufferPointer(rebasing: bytes[0..<line.methodEnd])) else {
            return .failure(.invalidMethod)
        }
        let target = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[line.target]), as: UTF8.self)
        return .success(ScannedRequest(method: method, target: target, facts: line.facts, fields: fields.block))
    }

    /// Where the parts of a validated request line are.
    private struct RequestLine {
        var methodEnd: Int
        var target: Range<Int>
        var facts: HeadFacts
    }

    private static func scanRequest<V: FieldVisitor>(_ bytes: UnsafeRawBufferPointer, maxHeaders: Int,
                                                     fields: inout V) -> Result<RequestLine, HeadError> {
        let n = bytes.count
        // ---- request line: method SP target SP HTTP/1.x CRLF
        var i = 0
        while i < n && isTChar(bytes[i]) {
            if bytes[i] >= 97 && bytes[i] <= 122 { return .failure(.invalidMethod) }  // methods are case-sensitive
            i += 1
        }
        if i == 0 { return .failure(.invalidMethod) }
        let methodEnd = i
        guard i < n && bytes[i] == 32 else { return .failure(.badRequestLine) }
        i += 1
        let targetStart = i
        while i < n && bytes[i] != 32 && bytes[i] != 13 {
            let c = bytes[i]
            if c == 35 { return .failure(.fragmentInTarget) }
            if c <= 32 || c >= 127 { return .failure(.invalidTarget) }
            i += 1
        }
        if i == targetStart { return .failure(.invalidTarget) }
        let target = targetStart..<i
        guard i < n && bytes[i] == 32 else { return .failure(.badRequestLine) }
        i += 1
        // "HTTP/1.0" or "HTTP/1.1" then CRLF
        guard i + 10 <= n,
            bytes[i] == 72, bytes[i + 1] == 84, bytes[i + 2] == 84, bytes[i + 3] == 80, bytes[i + 4] == 47,
            bytes[i + 5] == 49, bytes[i + 6] == 46, bytes[i + 7] == 48 || bytes[i + 7] == 49,
            bytes[i + 8] == 13, bytes[i + 9] == 10
        else { return .failure(.badVersion) }
        var facts = HeadFacts(versionMinor: Int(bytes[i + 7] - 48), contentLength: nil, chunked: false, headerCount: 0)
        i += 10
        var hostCount = 0
        if let error = validateFields(bytes, from: i, maxHeaders: maxHeaders, facts: &facts, hostCount: &hostCount,
                                      fields: &fields) {
            return .failure(error)
        }
        if facts.chunked && facts.versionMinor == 0 { return .failure(.unsupportedTransferEncoding) }
        if facts.versionMinor == 1 && hostCount == 0 { return .failure(.missingHost) }
        return .success(RequestLine(methodEnd: methodEnd, target: target, facts: facts))
    }

    /// Validates an upstream response head (status line + fields) with the same field rules as requests, so a
    /// lenient upstream cannot smuggle `Content-Length : 5` or obs-fold past the relay.
    public static func validateResponse(_ bytes: UnsafeRawBufferPointer) -> Result<HeadFacts, HeadError> {
        var none = NoFields()
        return validateResponse(bytes, fields: &none)
    }

    /// `validateResponse`, noting in `lines` (up to its capacity) the header lines to copy for the client: one
    /// pass over the head instead of a second one in `ResponseHeaderFilter`.
    static func validateResponse(_ bytes: UnsafeRawBufferPointer, lines: inout ResponseLines)
        -> Result<HeadFacts, HeadError>
    {
        validateResponse(bytes, fields: &lines)
    }

    private static func validateResponse<V: FieldVisitor>(_ bytes: UnsafeRawBufferPointer, fields: inout V)
        -> Result<HeadFacts, HeadError>
    {
        // "HTTP/1.x SP 3DIGIT SP reason CRLF"; a status line that ends right after the code is taken too.
        let n = bytes.count
        guard n >= 14, bytes[0] == 72, bytes[1] == 84, bytes[2] == 84, bytes[3] == 80, bytes[4] == 47,
            bytes[5] == 49, bytes[6] == 46, bytes[7] == 48 || bytes[7] == 49, bytes[8] == 32,
            (48...57).contains(bytes[9]), (48...57).contains(bytes[10]), (48...57).contains(bytes[11]),
            bytes[12] == 32 || bytes[12] == 13
        else { return .failure(.badVersion) }
        var i = 12
        while i < n && bytes[i] != 13 {
            let c = bytes[i]
            if (c < 32 && c != 9) || c == 127 { return .failure(.badRequestLine) }
            i += 1
        }
        guard i + 1 < n, bytes[i + 1] == 10 else { return .failure(.bareCR) }
        var facts = HeadFacts(versionMinor: Int(bytes[7] - 48), contentLength: nil, chunked: false, headerCount: 0)
        facts.status = Int(bytes[9] - 48) * 100 + Int(bytes[10] - 48) * 10 + Int(bytes[11] - 48)
        var hostCount = 0
        if let error = validateFields(bytes, from: i + 2, maxHeaders: 256, facts: &facts, hostCount: &hostCount,
                                      fields: &fields) {
            return .failure(error)
        }
        return .success(facts)
    }

    /// Header lines from `start` through the blank line; fills `facts`; returns the first error.
    private static func validateFields<V: FieldVisitor>(
        _ bytes: UnsafeRawBufferPointer, from start: Int, maxHeaders: Int, facts: inout HeadFacts,
        hostCount: inout Int, fields: inout V
    ) -> HeadError? {
        let n = bytes.count
        var i = start
        var transferEncodingCount = 0
        let tchars = tcharTable
        while i < n {
            if bytes[i] == 13 {  // blank line: end of head
                guard i + 2 == n, bytes[i + 1] == 10 else { return .badRequestLine }
                break
            }
            if bytes[i] == 32 || bytes[i] == 9 { return .obsFold }
            let nameStart = i
            while i < n && tchars[Int(bytes[i])] { i += 1 }
            guard i < n else { return .missingColon }
            if bytes[i] != 58 {
                if bytes[i] == 32 || bytes[i] == 9 { return i == nameStart ? .invalidHeaderName : .spaceBeforeColon }
                if bytes[i] == 13 { return i == nameStart ? .invalidHeaderName : .missingColon }
                return .invalidHeaderName
            }
            if i == nameStart { return .emptyHeaderName }
            let nameEnd = i
            i += 1
            // value: OWS *(VCHAR / obs-text / SP / HTAB) OWS CRLF
            while i < n && (bytes[i] == 32 || bytes[i] == 9) { i += 1 }
            let valueStart = i
            // Eight bytes at a time while none is a control character (CR, HTAB included) or DEL; then byte by
            // byte up to the CR. Trailing blanks are trimmed afterwards.
            while i + 8 <= n {
                let x = word(bytes, i)
                if hasByteBelow(x, 0x20) || hasByte(x, 0x7f) { break }
                i += 8
            }
            while i < n && bytes[i] != 13 {
                let c = bytes[i]
                if (c < 32 && c != 9) || c == 127 { return .invalidValueChar }
                i += 1
            }
            var valueEnd = i
            while valueEnd > valueStart && (bytes[valueEnd - 1] == 32 || bytes[valueEnd - 1] == 9) { valueEnd -= 1 }
            guard i + 1 < n, bytes[i + 1] == 10 else { return .bareCR }
            i += 2
            facts.headerCount += 1
            if facts.headerCount > maxHeaders { return .tooManyHeaders }
            let name = UnsafeRawBufferPointer(rebasing: bytes[nameStart..<nameEnd])
            let value = UnsafeRawBufferPointer(rebasing: bytes[valueStart..<valueEnd])
            // Framing fields: a trailing HTAB is valid OWS (RFC 9112 §5) but http-parser, nginx and other parsers
            // refuse it or read it as part of the value; refused here so that no parser behind reads other framing.
            var known = KnownField.other
            if equalsLower(name, "content-length") {
                known = .contentLength
                if facts.contentLength != nil { return .duplicateContentLength }
                guard let length = parseDecimal(value), !hasTab(bytes, valueEnd..<(i - 2)) else {
                    return .invalidContentLength
                }
                facts.contentLength = length
            } else if equalsLower(name, "transfer-encoding") {
                known = .transferEncoding
                transferEncodingCount += 1
                if transferEncodingCount > 1 || !equalsLower(value, "chunked") || hasTab(bytes, valueEnd..<(i - 2)) {
                    return .unsupportedTransferEncoding
                }
                facts.chunked = true
            } else if equalsLower(name, "host") {
                known = .host
                hostCount += 1
                if hostCount > 1 { return .duplicateHost }
                if !isValidHost(value) { return .invalidHost }
            } else if name.count > 17 && startsWithLower(name, "transfer-encoding") {
                // http-parser (Debian's 2.9.4) takes `Transfer-Encodingb` for Transfer-Encoding and refuses the
                // head; an upstream parser of the same lineage may do so too, or worse: refused here as well.
                return .unsupportedTransferEncoding
            } else if equalsLower(name, "connection") {
                known = .connection
                connectionTokens(value, facts: &facts)
            } else if equalsLower(name, "expect") {
                known = .expect
                if equalsLower(value, "100-continue") { facts.expectsContinue = true }
            }
            if let error = fields.field(name: name, value: value, known: known) { return error }
        }
        if facts.chunked && facts.contentLength != nil { return .contentLengthWithTransferEncoding }
        return nil
    }

    /// Notes the `close` and `keep-alive` tokens of a `Connection` value (a comma-separated list, RFC 9110 §7.6.1;
    /// blanks around the commas, empty elements and letter case do not matter).
    static func connectionTokens(_ value: UnsafeRawBufferPointer, facts: inout HeadFacts) {
        forEachListElement(value, from: 0, to: value.count) { start, end in
            let token = UnsafeRawBufferPointer(rebasing: value[start..<end])
            if equalsLower(token, "close") {
                facts.connectionClose = true
            } else if equalsLower(token, "keep-alive") {
                facts.connectionKeepAlive = true
            }
        }
    }

    /// Each element of the comma-separated list in `bytes[from..<to]` as `start..<end`, without the blanks
    /// (SP, HTAB) around it; empty elements are skipped. The one reading of `Connection` lists on the wire, for
    /// requests and responses.
    @inline(__always)
    static func forEachListElement(_ bytes: UnsafeRawBufferPointer, from: Int, to: Int,
                                   _ body: (_ start: Int, _ end: Int) -> Void) {
        var i = from
        while i < to {
            while i < to && (bytes[i] == 32 || bytes[i] == 9 || bytes[i] == 44) { i += 1 }
            let start = i
            while i < to && bytes[i] != 44 { i += 1 }
            var end = i
            while end > start && (bytes[end - 1] == 32 || bytes[end - 1] == 9) { end -= 1 }
            if end > start { body(start, end) }
        }
    }

    /// The methods http-parser knows, each as one shared String, read from its own table (the server took only
    /// these when http-parser read its heads; tests and SmugglingCases pin that).
    private static let knownMethods = WireParser.knownMethods

    /// The shared String for a method http-parser knows, nil for any other token. GET and POST, the usual
    /// ones, are checked first by their bytes.
    static func knownMethod(_ bytes: UnsafeRawBufferPointer) -> String? {
        if bytes.count == 3 && bytes[0] == 71 && bytes[1] == 69 && bytes[2] == 84 { return "GET" }
        if bytes.count == 4 && bytes[0] == 80 && bytes[1] == 79 && bytes[2] == 83 && bytes[3] == 84 { return "POST" }
        for m in knownMethods where m.utf8.count == bytes.count {
            if m.utf8.elementsEqual(bytes) { return m }
        }
        return nil
    }

    /// True when http-parser knows `method`.
    public static func isKnownMethod(_ method: String) -> Bool { knownMethods.contains(method) }

    @inline(__always)
    static func startsWithLower(_ bytes: UnsafeRawBufferPointer, _ lower: StaticString) -> Bool {
        guard bytes.count >= lower.utf8CodeUnitCount else { return false }
        return equalsLower(UnsafeRawBufferPointer(rebasing: bytes[0..<lower.utf8CodeUnitCount]), lower)
    }

    @inline(__always)
    private static func hasTab(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> Bool {
        for k in range where bytes[k] == 9 { return true }
        return false
    }

    /// RFC 9110 tchar: one bit per ASCII byte (`HeadScannerTests` checks the masks against the RFC's list).
    @inline(__always)
    static func isTChar(_ c: UInt8) -> Bool {
        let low: UInt64 = 0x03ff_6cfa_0000_0000  // 0-63: ! # $ % & ' * + - . and digits
        let high: UInt64 = 0x57ff_ffff_c7ff_fffe  // 64-127: letters ^ _ ` | ~
        return c < 64 ? (low >> UInt64(c)) & 1 != 0 : c < 128 && (high >> UInt64(c & 63)) & 1 != 0
    }

    /// `isTChar` for every byte value, as a table: the field-name loop reads one byte per character.
    nonisolated(unsafe) static let tcharTable: UnsafePointer<Bool> = {
        let table = UnsafeMutablePointer<Bool>.allocate(capacity: 256)
        for c in 0..<256 { table[c] = isTChar(UInt8(c)) }
        return UnsafePointer(table)
    }()

    /// Eight bytes at `i` (the caller checked `i + 8 <= count`) as a little-endian word.
    @inline(__always)
    static func word(_ bytes: UnsafeRawBufferPointer, _ i: Int) -> UInt64 {
        UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self))
    }

    /// True when some byte of `x` is below `n` (n <= 128), eight at a time (the "haszero" bit trick).
    @inline(__always)
    static func hasByteBelow(_ x: UInt64, _ n: UInt8) -> Bool {
        (x &- 0x0101_0101_0101_0101 &* UInt64(n)) & ~x & 0x8080_8080_8080_8080 != 0
    }

    /// True when some byte of `x` equals `b`.
    @inline(__always)
    static func hasByte(_ x: UInt64, _ b: UInt8) -> Bool {
        hasByteBelow(x ^ (0x0101_0101_0101_0101 &* UInt64(b)), 1)
    }

    /// True when every byte is below 0x80, eight at a time.
    static func isASCII(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var i = 0
        var acc: UInt64 = 0
        while i + 8 <= bytes.count {
            acc |= word(bytes, i)
            i += 8
        }
        while i < bytes.count {
            acc |= UInt64(bytes[i])
            i += 1
        }
        return acc & 0x8080_8080_8080_8080 == 0
    }

    /// Compares bytes to an ASCII lower-case literal, case-insensitively.
    @inline(__always)
    static func equalsLower(_ bytes: UnsafeRawBufferPointer, _ lower: StaticString) -> Bool {
        guard bytes.count == lower.utf8CodeUnitCount else { return false }
        let p = lower.utf8Start
        for k in 0..<bytes.count {
            var c = bytes[k]
            if c >= 65 && c <= 90 { c |= 0x20 }
            if c != p[k] { return false }
        }
        return true
    }

    /// 1*DIGIT without sign, spaces or commas, at most 18 digits (so it fits Int64).
    static func parseDecimal(_ bytes: UnsafeRawBufferPointer) -> Int64? {
        guard !bytes.isEmpty, bytes.count <= 18 else { return nil }
        var v: Int64 = 0
        for c in bytes {
            guard c >= 48 && c <= 57 else { return nil }
            v = v * 10 + Int64(c - 48)
        }
        return v
    }

    /// uri-host [ ":" port ]: reg-name / IPv4 / IP-literal characters only; never `/`, `@`, `?`, `#` or spaces.
    static func isValidHost(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard !bytes.isEmpty, bytes.count <= 255 else { return false }
        for c in bytes {
            switch c {
            case 48...57, 65...90, 97...122: continue
            case 45, 46, 95, 126, 33, 36, 38, 39, 40, 41, 42, 43, 44, 59, 61, 37, 58, 91, 93: continue
            default: return false
            }
        }
        return true
    }
}

extension HeadScanner {
    /// The request-target of a refused head, for the access log: bytes outside printable ASCII are %-escaped.
    public static func rawTarget(_ bytes: UnsafeRawBufferPointer) -> String? {
        guard let firstSpace = bytes.firstIndex(of: 32) else { return nil }
        var end = firstSpace + 1
        while end < bytes.count && bytes[end] != 32 && bytes[end] != 13 && bytes[end] != 10 { end += 1 }
        if end - firstSpace - 1 > 2048 { end = firstSpace + 1 + 2048 }
        var out = ""
        for c in bytes[(firstSpace + 1)..<end] {
            if c > 32 && c < 127 && c != 34 && c != 92 {
                out.unicodeScalars.append(UnicodeScalar(c))
            } else {
                out += "%" + String(c, radix: 16, uppercase: true).leftPadded(2)
            }
        }
        return out
    }
}

extension String {
    fileprivate func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
