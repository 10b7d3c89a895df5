private import CHTTPParser

/// What http-parser reported for one message head.
package struct ParsedHead {
    package var method = ""
    package var url = ""
    package var status = 0
    package var versionMinor = 1
    package var headers: HTTPHeaderList = []
    package var contentLength: Int64? = nil
    package var chunked = false
    package var keepAlive = true
    package var invalidUTF8 = false
}

/// Receives body bytes and the end of a message from a `WireParser`.
protocol WireParserSink: AnyObject {
    /// Decoded body bytes (chunk framing removed). Only valid during the call.
    func wireParserBody(_ bytes: UnsafeRawBufferPointer)
    /// The whole message (including any chunked trailer) has been parsed.
    func wireParserMessageComplete()
}

/// A `WireParserSink` that keeps what it is told, for code outside this module that drives a `WireParser` itself
/// (the fuzz harness in `TollgateFuzzing`). Set it with `WireParser.record(into:)`; the parser holds it weakly.
package final class WireParserRecorder: WireParserSink {
    /// Every decoded body byte so far.
    package private(set) var body: [UInt8] = []
    /// How many messages completed.
    package private(set) var completes = 0

    /// An empty recorder.
    package init() {}

    func wireParserBody(_ bytes: UnsafeRawBufferPointer) { body.append(contentsOf: bytes) }
    func wireParserMessageComplete() { completes += 1 }
}

/// A thin owner of one nodejs/http-parser instance (Debian's libhttp-parser), used for heads and chunked bodies.
/// Thread rule: used only by the connection that owns it, on that connection's loop.
package final class WireParser {
    private let parser: UnsafeMutablePointer<http_parser>
    private var settings = http_parser_settings()
    private let kind: http_parser_type
    /// The head being collected.
    package var head = ParsedHead()
    private var currentField: String? = nil
    /// Where decoded bodies go; weak so the parser never keeps its connection alive.
    weak var sink: WireParserSink?
    /// Set by the response parser's user: the request was HEAD, so the response has no body.
    package var skipBody = false
    /// True once on_headers_complete ran for the current message.
    package private(set) var headComplete = false

    /// Creates a request (`isRequest`) or response parser. Without `collectHeaders`, `head` gets the framing
    /// facts only (status, version, length, chunked, keep-alive), and no header becomes a String.
    package init(isRequest: Bool, collectHeaders: Bool = true) {
        kind = isRequest ? HTTP_REQUEST : HTTP_RESPONSE
        parser = .allocate(capacity: 1)
        http_parser_init(parser, kind)
        http_parser_settings_init(&settings)
        if collectHeaders { setHeaderCallbacks() }
        settings.on_headers_complete = { p in
            let me = WireParser.from(p)
            return me.headersComplete()
        }
        settings.on_body = { p, at, len in
            let me = WireParser.from(p)
            me.sink?.wireParserBody(UnsafeRawBufferPointer(start: at, count: len))
            return 0
        }
        settings.on_message_complete = { p in
            let me = WireParser.from(p)
            me.sink?.wireParserMessageComplete()
            // Pause so that bytes of a pipelined next message stay unparsed until the owner asks for them.
            http_parser_pause(p, 1)
            return 0
        }
    }

    private func setHeaderCallbacks() {
        settings.on_url = { p, at, len in
            WireParser.from(p).head.url += WireParser.string(at, len)
            return 0
        }
        settings.on_header_field = { p, at, len in
            let me = WireParser.from(p)
            // A name may arrive in pieces (split across reads); usually it is one.
            if me.currentField == nil {
                me.currentField = WireParser.string(at, len)
            } else {
                me.currentField! += WireParser.string(at, len)
            }
            return 0
        }
        settings.on_header_value = { p, at, len in
            let me = WireParser.from(p)
            let bytes = UnsafeRawBufferPointer(start: at, count: len)
            if let value = String(validating: bytes, as: UTF8.self) {
                me.flushField(value)
            } else {
                me.head.invalidUTF8 = true
                me.flushField("")
            }
            return 0
        }
    }

    deinit { parser.deallocate() }

    /// Sends body bytes and message ends to `recorder` (held weakly, as any sink).
    package func record(into recorder: WireParserRecorder) { sink = recorder }

    /// Starts a new message (after the previous one completed or a head was given up).
    package func reset() {
        http_parser_init(parser, kind)
        head = ParsedHead()
        currentField = nil
        headComplete = false
        skipBody = false
        parser.pointee.data = nil
    }

    /// Feeds bytes; returns how many were consumed, or nil on a parse error. A paused parser (message
    /// complete) consumes up to the end of that message; call `reset()` before the next one.
    package func execute(_ bytes: UnsafeRawBufferPointer) -> Int? {
        parser.pointee.data = Unmanaged.passUnretained(self).toOpaque()
        let consumed = http_parser_execute(
            parser, &settings, bytes.baseAddress?.assumingMemoryBound(to: CChar.self), bytes.count)
        let err = tollgate_http_parser_errno(parser)
        if err == HPE_OK || err == HPE_PAUSED { return consumed }
        return nil
    }

    /// Tells the parser the peer closed: completes a read-until-close response body. Returns false on error.
    package func finish() -> Bool {
        parser.pointee.data = Unmanaged.passUnretained(self).toOpaque()
        _ = http_parser_execute(parser, &settings, nil, 0)
        let err = tollgate_http_parser_errno(parser)
        return err == HPE_OK || err == HPE_PAUSED
    }

    /// The parser's error name, for debug logs.
    var errorName: String {
        String(cString: http_errno_name(tollgate_http_parser_errno(parser)))
    }

    private func flushField(_ value: String?) {
        guard let value else { return }
        if let name = currentField {
            head.headers.append((name: name, value: value))
            currentField = nil
        }
    }

    private func headersComplete() -> Int32 {
        let p = parser.pointee
        head.versionMinor = Int(p.http_minor)
        if kind == HTTP_REQUEST {
            head.method = WireParser.methodName(Int(p.method))
        } else {
            head.status = Int(p.status_code)
        }
        head.chunked = (p.flags & UInt32(F_CHUNKED.rawValue)) != 0
        head.contentLength = (p.flags & UInt32(F_CONTENTLENGTH.rawValue)) != 0 ? Int64(p.content_length) : nil
        head.keepAlive = http_should_keep_alive(parser) != 0
        headComplete = true
        // 1 tells http-parser that this response has no body (HEAD request, handled by the owner).
        return skipBody ? 1 : 0
    }

    /// The parser's view of whether the response is framed by the connection closing.
    var bodyEndsAtClose: Bool {
        let p = parser.pointee
        if head.chunked || head.contentLength != nil || skipBody { return false }
        let s = head.status
        if kind == HTTP_RESPONSE && (s / 100 == 1 || s == 204 || s == 304) { return false }
        return p.http_major > 0 || kind == HTTP_RESPONSE
    }

    /// http-parser's method names, made into Strings once rather than per request.
    private static let methodNames: [String] = (0..<64).map {
        String(cString: http_method_str(http_method(rawValue: UInt32($0))))
    }

    /// Every method http-parser knows, from its own table (codes past the last one read `<unknown>`).
    package static let knownMethods: [String] = methodNames.filter { $0 != "<unknown>" }

    private static func methodName(_ code: Int) -> String {
        code >= 0 && code < methodNames.count ? methodNames[code]
            : String(cString: http_method_str(http_method(rawValue: UInt32(code))))
    }

    private static func from(_ p: UnsafeMutablePointer<http_parser>?) -> WireParser {
        Unmanaged<WireParser>.fromOpaque(p!.pointee.data!).takeUnretainedValue()
    }

    private static func string(_ at: UnsafePointer<CChar>?, _ len: Int) -> String {
        String(decoding: UnsafeRawBufferPointer(start: at, count: len), as: UTF8.self)
    }
}
