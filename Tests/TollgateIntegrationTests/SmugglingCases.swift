import Foundation

/// The case tables of SmugglingTests: raw bytes, statuses, close or not, and exactly what the upstream may have
/// received. Expectations follow SPEC §5 (400 + close for framing errors, 431/413 for limits, 400 with the
/// connection kept for absolute-form and `*`), RFC 9112 where SPEC is silent, and nginx's strictness otherwise.
extension SmugglingTests {
    static var contentLengthAndTransferEncodingConflictsCases: [SmugglingCase] {
        let hello = Self.chunked("hello")
        return [
            SmugglingCase(
                name: "CL.TE",
                raw: Self.post(
                    "/pub", "Content-Length: 6\r\nTransfer-Encoding: chunked\r\n",
                    "0\r\n\r\n" + Self.hidden),
                statuses: [400], close: true, seen: []),
            SmugglingCase(
                name: "TE.CL",
                raw: Self.post(
                    "/pub", "Transfer-Encoding: chunked\r\nContent-Length: 3\r\n",
                    "22\r\n" + Self.hidden + "\r\n0\r\n\r\n"),
                statuses: [400], close: true, seen: []),
            SmugglingCase(
                name: "CL.TE lower-case names",
                raw: Self.post(
                    "/pub",
                    "content-length: 5\r\ntransfer-encoding: chunked\r\n", hello),
                statuses: [400], close: true, seen: []),
            SmugglingCase(
                name: "TE space before colon",
                raw: Self.post(
                    "/pub",
                    "Content-Length: 5\r\nTransfer-Encoding : chunked\r\n", hello),
                statuses: [400], close: true, seen: []),
            SmugglingCase(
                name: "TE chunked, identity",
                raw: Self.post(
                    "/pub", "Transfer-Encoding: chunked, identity\r\n",
                    hello),
                statuses: [400], close: true, seen: []),
            SmugglingCase(
                name: "TE identity, chunked",
                raw: Self.post(
                    "/pub", "Transfer-Encoding: identity, chunked\r\n",
                    hello),
                statuses: [400], close: true, seen: []),
            SmugglingCase(
                name: "TE gzip, chunked", raw: Self.post("/pub", "Transfer-Encoding: gzip, chunked\r\n", hello),
                statuses: [400], close: true, seen: []),
            SmugglingCase(
                name: "TE chunked,chunked",
                raw: Self.post(
                    "/pub", "Transfer-Encoding: chunked,chunked\r\n",
                    hello),
                statuses: [400], close: true, seen: []),
            SmugglingCase(
                name: "TE xchunked", raw: Self.post("/pub", "Transfer-Encoding: xchunked\r\n", hello),
                statuses: [400], close: true, seen: []),
            SmugglingCase(
                name: "TE chunkedx", raw: Self.post("/pub", "Transfer-Encoding: chunkedx\r\n", hello),
                statuses: [400], close: true, seen: []),
            SmugglingCase(
                name: "TE identity", raw: Self.post("/pub", "Transfer-Encoding: identity\r\n", "hello"),
                statuses: [400], close: true, seen: []),
            SmugglingCase(
                name: "TE empty", raw: Self.post("/pub", "Transfer-Encoding: \r\n", hello),
                statuses: [400], close: true, seen: []),
            SmugglingCase(
                name: "TE quoted", raw: Self.post("/pub", "Transfer-Encoding: \"chunked\"\r\n", hello),
                statuses: [400], close: true, seen: []),
            SmugglingCase(
                name: "TE with VT", raw: Self.post("/pub", "Transfer-Encoding: chunked\u{0B}\r\n", hello),
                statuses: [400], close: true, seen: []),
            SmugglingCase(
                name: "TE twice",
                raw: Self.post(
                    "/pub",
                    "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n", hello),
                statuses: [400], close: true, seen: []),
            SmugglingCase(
                name: "TE chunked + TE identity",
                raw: Self.post(
                    "/pub",
                    "Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n", hello),
                statuses: [400], close: true, seen: []),
            SmugglingCase(
                name: "TE name folded", raw: Self.post("/pub", "Transfer-Encoding\r\n : chunked\r\n", hello),
                statuses: [400], close: true, seen: []),
            SmugglingCase(
                name: "TE value folded", raw: Self.post("/pub", "Transfer-Encoding: \r\n chunked\r\n", hello),
                statuses: [400], close: true, seen: []),
            SmugglingCase(
                name: "TE on HTTP/1.0", raw: "POST /pub HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n" + hello,
                statuses: [400], close: true, seen: []),
            // Legitimately chunked (RFC 9112: transfer-coding names are case-insensitive; OWS is SP or HTAB).
            SmugglingCase(
                name: "TE tab before value", raw: Self.post("/pub", "Transfer-Encoding:\tchunked\r\n", hello),
                statuses: [200], close: false, seen: [Self.pub("hello")]),
            SmugglingCase(
                name: "TE CHUNKED", raw: Self.post("/pub", "Transfer-Encoding: CHUNKED\r\n", hello),
                statuses: [200], close: false, seen: [Self.pub("hello")]),
            SmugglingCase(
                name: "TE Chunked", raw: Self.post("/pub", "Transfer-Encoding: Chunked\r\n", hello),
                statuses: [200], close: false, seen: [Self.pub("hello")]),
            SmugglingCase(
                name: "TE name upper-case", raw: Self.post("/pub", "TRANSFER-ENCODING: chunked\r\n", hello),
                statuses: [200], close: false, seen: [Self.pub("hello")]),
            SmugglingCase(
                name: "TE trailing spaces", raw: Self.post("/pub", "Transfer-Encoding:  chunked  \r\n", hello),
                statuses: [200], close: false, seen: [Self.pub("hello")]),
            // Valid OWS per RFC 9112, but http-parser does not take `chunked<HTAB>` as chunked; tollgate's scanner
            // refuses a trailing HTAB in a framing field (nginx refuses it too, with 501).
            SmugglingCase(
                name: "TE trailing tab", raw: Self.post("/pub", "Transfer-Encoding: chunked\t\r\n", hello),
                statuses: [400], close: true, seen: []),
            // Not Transfer-Encoding either, but http-parser (and parsers like it upstream) take it for one: refused.
            SmugglingCase(
                name: "TE name with a suffix", raw: Self.post("/pub", "Transfer-Encodingb: chunked\r\n", hello),
                statuses: [400], close: true, seen: []),
            // `Transfer_Encoding` is not Transfer-Encoding: no body framing; the chunked bytes are the next "request".
            SmugglingCase(
                name: "Transfer_Encoding without CL",
                raw: Self.post(
                    "/pub", "Transfer_Encoding: chunked\r\n",
                    hello),
                statuses: [200, 400], close: true, seen: [Self.pub()]),
            SmugglingCase(
                name: "Transfer_Encoding with CL",
                raw: Self.post(
                    "/pub",
                    "Content-Length: 5\r\nTransfer_Encoding: chunked\r\n", "hello"),
                statuses: [200], close: false, seen: [Self.pub("hello")]),
            SmugglingCase(
                name: "Transfer_Encoding hides /admin",
                raw: Self.post(
                    "/pub", "Transfer_Encoding: chunked\r\n",
                    Self.hidden),
                statuses: [200, 401], close: false, seen: [Self.pub()]),
        ]
    }

    static var contentLengthFormsCases: [SmugglingCase] {
        let hidden = Self.hidden
        return [
            SmugglingCase(
                name: "CL duplicate differing",
                raw: Self.post(
                    "/pub",
                    "Content-Length: 5\r\nContent-Length: 10\r\n", "helloworld"),
                statuses: [400], close: true, seen: []),
            SmugglingCase(
                name: "CL duplicate equal",
                raw: Self.post(
                    "/pub",
                    "Content-Length: 5\r\nContent-Length: 5\r\n", "hello"),
                statuses: [400], close: true, seen: []),
            SmugglingCase(
                name: "CL list 5, 5", raw: Self.post("/pub", "Content-Length: 5, 5\r\n", "hello"),
                statuses: [400], close: true, seen: []),
            SmugglingCase(
                name: "CL empty", raw: Self.post("/pub", "Content-Length: \r\n", "hello"),
                statuses: [400], close: true, seen: []),
            SmugglingCase(
                name: "CL +5", raw: Self.post("/pub", "Content-Length: +5\r\n", "hello"),
                statuses: [400], close: true, seen: []),
            SmugglingCase(
                name: "CL -5", raw: Self.post("/pub", "Content-Length: -5\r\n", "hello"),
                statuses: [400], close: true, seen: []),
            SmugglingCase(
                name: "CL 0x5", raw: Self.post("/pub", "Content-Length: 0x5\r\n", "hello"),
                statuses: [400], close: true, seen: []),
            SmugglingCase(
                name: "CL 5.0", raw: Self.post("/pub", "Content-Length: 5.0\r\n", "hello"),
                statuses: [400], close: true, seen: []),
            SmugglingCase(
                name: "CL 5 5", raw: Self.post("/pub", "Content-Length: 5 5\r\n", "hello"),
                statuses: [400], close: true, seen: []),
            SmugglingCase(
                name: "CL overflowing 20 digits",
                raw: Self.post(
                    "/pub",
                    "Content-Length: 99999999999999999999\r\n", "hello"),
                statuses: [400], close: true, seen: []),
            SmugglingCase(
                name: "CL 2^64", raw: Self.post("/pub", "Content-Length: 18446744073709551616\r\n", "hello"),
                statuses: [400], close: true, seen: []),
            SmugglingCase(
                name: "CL 18 digits over max_body_bytes",
                raw: Self.post(
                    "/pub",
                    "Content-Length: 999999999999999999\r\n", "hello"),
                statuses: [413], close: true, seen: []),
            SmugglingCase(
                name: "CL max_body_bytes + 1", raw: Self.post("/pub", "Content-Length: 1048577\r\n", "hello"),
                statuses: [413], close: true, seen: []),
            SmugglingCase(
                name: "CL space before colon", raw: Self.post("/pub", "Content-Length : 5\r\n", "hello"),
                statuses: [400], close: true, seen: []),
            SmugglingCase(
                name: "CL leading zeros", raw: Self.post("/pub", "Content-Length: 005\r\n", "hello"),
                statuses: [200], close: false, seen: [Self.pub("hello")]),
            SmugglingCase(
                name: "CL without OWS", raw: Self.post("/pub", "Content-Length:5\r\n", "hello"),
                statuses: [200], close: false, seen: [Self.pub("hello")]),
            SmugglingCase(
                name: "CL trailing spaces", raw: Self.post("/pub", "Content-Length: 5  \r\n", "hello"),
                statuses: [200], close: false, seen: [Self.pub("hello")]),
            // As for TE: http-parser refuses a trailing HTAB after the digits; so does tollgate's scanner.
            SmugglingCase(
                name: "CL trailing tab", raw: Self.post("/pub", "Content-Length: 5\t\r\n", "hello"),
                statuses: [400], close: true, seen: []),
            SmugglingCase(
                name: "CL body cut by EOF", raw: Self.post("/pub", "Content-Length: 10\r\n", "hello"),
                statuses: [], close: true, seen: [Self.aborted()], halfClose: true),
            SmugglingCase(
                name: "Connection lists the framing headers",
                raw: Self.post(
                    "/pub",
                    "Connection: Content-Length, Host, Transfer-Encoding\r\nContent-Length: 5\r\n", "hello"),
                statuses: [200], close: false, seen: [Self.pub("hello")]),
            // A short Content-Length: the rest is read as the next request and decided on its own.
            SmugglingCase(
                name: "CL 5, 10 bytes, then a request",
                raw: Self.post(
                    "/pub", "Content-Length: 5\r\n",
                    "helloworld" + Self.get("/pub/second")),
                statuses: [200, 400], close: true, seen: [Self.pub("hello")]),
            SmugglingCase(
                name: "CL short, tail is /admin without credential",
                raw: Self.post(
                    "/pub",
                    "Content-Length: 5\r\n", "hello" + hidden),
                statuses: [200, 401], close: false, seen: [Self.pub("hello")]),
            SmugglingCase(
                name: "CL short, tail is /admin as reader",
                raw: Self.post(
                    "/pub",
                    "Content-Length: 5\r\n", "hello" + Self.get("/admin", Self.auth)),
                statuses: [200, 403], close: false, seen: [Self.pub("hello")]),
            SmugglingCase(
                name: "CL short, tail is an authorised /api request",
                raw: Self.post(
                    "/pub",
                    "Content-Length: 5\r\n", "hello" + Self.get("/api/x", Self.auth)),
                statuses: [200, 200], close: false,
                seen: [Self.pub("hello"), Seen(method: "GET", target: "/api/x", user: "ci-bot")]),
            SmugglingCase(
                name: "CL 0 then a request", raw: Self.post("/pub", "Content-Length: 0\r\n", Self.get("/pub/2")),
                statuses: [200, 200], close: false, seen: [Self.pub(), Self.pub(method: "GET", target: "/pub/2")]),
            SmugglingCase(
                name: "Content_Length is not framing",
                raw: Self.post(
                    "/pub",
                    "Content_Length: \(hidden.utf8.count)\r\n", hidden),
                statuses: [200, 401], close: false, seen: [Self.pub()]),
            // A whole request inside a body arrives as body bytes only.
            SmugglingCase(
                name: "POST body holds a request",
                raw: Self.post(
                    "/pub", "Content-Length: \(hidden.utf8.count)\r\n",
                    hidden),
                statuses: [200], close: false, seen: [Self.pub(hidden)]),
            SmugglingCase(
                name: "GET body holds a request",
                raw: "GET /pub HTTP/1.1\r\nHost: a\r\nContent-Length: "
                    + "\(hidden.utf8.count)\r\n\r\n" + hidden,
                statuses: [200], close: false, seen: [Self.pub(hidden, method: "GET")]),
            // A refused request's unread body must never be parsed as a request.
            SmugglingCase(
                name: "401 with a request in its unread body",
                raw: Self.post(
                    "/admin",
                    "Content-Length: \(Self.get("/pub/hidden").utf8.count)\r\n", Self.get("/pub/hidden")),
                statuses: [401], close: true, seen: []),
            SmugglingCase(
                name: "403 (no route) with a request in its unread body",
                raw: Self.post(
                    "/nowhere",
                    "Content-Length: \(Self.hidden.utf8.count)\r\n", Self.hidden),
                statuses: [403], close: true, seen: []),
            SmugglingCase(
                name: "403 with a request in its unread chunked body",
                raw: Self.post(
                    "/admin",
                    Self.auth + "Transfer-Encoding: chunked\r\n", Self.chunked(Self.get("/pub/hidden"))),
                statuses: [403], close: true, seen: []),
        ]
    }

    static var chunkFramingCases: [SmugglingCase] {
        let hidden = Self.hidden
        let te = "Transfer-Encoding: chunked\r\n"
        return [
            SmugglingCase(
                name: "chunk size 18 hex digits",
                raw: Self.post(
                    "/pub", te,
                    "ffffffffffffffffff\r\nhello\r\n0\r\n\r\n"),
                statuses: [400], close: true, seen: [Self.aborted()]),
            // 16 hex digits fit the validator; the announced size is over max_body_bytes, so 413 before its data.
            SmugglingCase(
                name: "chunk size 2^64-1", raw: Self.post("/pub", te, "ffffffffffffffff\r\nhello\r\n0\r\n\r\n"),
                statuses: [413], close: true, seen: [Self.aborted()]),
            SmugglingCase(
                name: "chunk size 17 digits with leading zero",
                raw: Self.post(
                    "/pub", te,
                    "00000000000000005\r\nhello\r\n0\r\n\r\n"),
                statuses: [400], close: true, seen: [Self.aborted()]),
            SmugglingCase(
                name: "chunk size leading zeros", raw: Self.post("/pub", te, "0005\r\nhello\r\n0\r\n\r\n"),
                statuses: [200], close: false, seen: [Self.pub("hello")]),
            SmugglingCase(
                name: "chunk size upper-case hex",
                raw: Self.post(
                    "/pub", te,
                    "A\r\nhelloworld\r\n0\r\n\r\n"),
                statuses: [200], close: false, seen: [Self.pub("helloworld")]),
            SmugglingCase(
                name: "chunk extension", raw: Self.post("/pub", te, "5;ext=1\r\nhello\r\n0;last\r\n\r\n"),
                statuses: [200], close: false, seen: [Self.pub("hello")]),
            SmugglingCase(
                name: "chunk extension quoted",
                raw: Self.post(
                    "/pub", te,
                    "5;a=\"b;c=d\"\r\nhello\r\n0\r\n\r\n"),
                statuses: [200], close: false, seen: [Self.pub("hello")]),
            SmugglingCase(
                name: "chunk extension with bare LF",
                raw: Self.post(
                    "/pub", te,
                    "5;ext\nhello\r\n0\r\n\r\n"),
                statuses: [400], close: true, seen: [Self.aborted()]),
            SmugglingCase(
                name: "chunk extension with NUL",
                raw: Self.post(
                    "/pub", te,
                    "5;e\u{0}x\r\nhello\r\n0\r\n\r\n"),
                statuses: [400], close: true, seen: [Self.aborted()]),
            SmugglingCase(
                name: "chunk size leading space", raw: Self.post("/pub", te, " 5\r\nhello\r\n0\r\n\r\n"),
                statuses: [400], close: true, seen: [Self.aborted()]),
            SmugglingCase(
                name: "chunk size trailing space", raw: Self.post("/pub", te, "5 \r\nhello\r\n0\r\n\r\n"),
                statuses: [400], close: true, seen: [Self.aborted()]),
            SmugglingCase(
                name: "chunk size 0x5", raw: Self.post("/pub", te, "0x5\r\nhello\r\n0\r\n\r\n"),
                statuses: [400], close: true, seen: [Self.aborted()]),
            SmugglingCase(
                name: "chunk size -5", raw: Self.post("/pub", te, "-5\r\nhello\r\n0\r\n\r\n"),
                statuses: [400], close: true, seen: [Self.aborted()]),
            SmugglingCase(
                name: "chunk size +5", raw: Self.post("/pub", te, "+5\r\nhello\r\n0\r\n\r\n"),
                statuses: [400], close: true, seen: [Self.aborted()]),
            SmugglingCase(
                name: "chunk size empty", raw: Self.post("/pub", te, "\r\nhello\r\n0\r\n\r\n"),
                statuses: [400], close: true, seen: [Self.aborted()]),
            SmugglingCase(
                name: "chunk size line LF only", raw: Self.post("/pub", te, "5\nhello\n0\n\n"),
                statuses: [400], close: true, seen: [Self.aborted()]),
            SmugglingCase(
                name: "chunk data longer than its size",
                raw: Self.post(
                    "/pub", te,
                    "3\r\nhello\r\n0\r\n\r\n"),
                statuses: [400], close: true, seen: [Self.aborted()]),
            SmugglingCase(
                name: "chunk data shorter than its size",
                raw: Self.post(
                    "/pub", te,
                    "8\r\nhello\r\n0\r\n\r\n" + Self.get("/pub/2")),
                statuses: [400], close: true, seen: [Self.aborted()]),
            SmugglingCase(
                name: "chunk data then bare LF", raw: Self.post("/pub", te, "5\r\nhello\n0\r\n\r\n"),
                statuses: [400], close: true, seen: [Self.aborted()]),
            SmugglingCase(
                name: "last chunk without final CRLF, then a request",
                raw: Self.post(
                    "/pub", te,
                    "5\r\nhello\r\n0\r\n" + hidden),
                statuses: [400], close: true, seen: [Self.aborted()]),
            SmugglingCase(
                name: "last chunk without final CRLF, then EOF",
                raw: Self.post(
                    "/pub", te,
                    "5\r\nhello\r\n0\r\n"),
                statuses: [], close: true, seen: [Self.aborted()], halfClose: true),
            SmugglingCase(
                name: "chunked body never ends, EOF", raw: Self.post("/pub", te, "5\r\nhello\r\n"),
                statuses: [], close: true, seen: [Self.aborted()], halfClose: true),
            // A chunk size announcing more than max_body_bytes gets 413 before its data is read (it used to
            // stream upstream, then wait silently for the idle timeout).
            SmugglingCase(
                name: "huge valid chunk size", raw: Self.post("/pub", te, "fffffffffffffff\r\nhello"),
                statuses: [413], close: true, seen: [Self.aborted()]),
            SmugglingCase(
                name: "chunk size over max_body_bytes", raw: Self.post("/pub", te, "100001\r\nhello"),
                statuses: [413], close: true, seen: [Self.aborted()]),
            SmugglingCase(
                name: "chunk sizes adding up over max_body_bytes",
                raw: Self.post(
                    "/pub", te,
                    "80000\r\n" + String(repeating: "a", count: 0x80000) + "\r\n80001\r\nhello"),
                statuses: [413], close: true, seen: [Self.aborted()]),
            SmugglingCase(
                name: "chunks exactly max_body_bytes",
                raw: Self.post(
                    "/pub", te,
                    "80000\r\n" + String(repeating: "a", count: 0x80000) + "\r\n"
                        + Self.chunked(String(repeating: "b", count: 0x80000))),
                statuses: [200], close: false,
                seen: [Self.pub(String(repeating: "a", count: 0x80000) + String(repeating: "b", count: 0x80000))]),
            SmugglingCase(
                name: "chunk extension over 4 KiB",
                raw: Self.post(
                    "/pub", te,
                    "5;x=" + String(repeating: "e", count: 5000) + "\r\nhello\r\n0\r\n\r\n"),
                statuses: [400], close: true, seen: [Self.aborted()]),
            // Trailers are parsed and dropped: never forwarded, never headers.
            SmugglingCase(
                name: "trailer with framing and identity fields",
                raw: Self.post(
                    "/pub", te,
                    "5\r\nhello\r\n0\r\nContent-Length: 50\r\nTransfer-Encoding: chunked\r\n"
                        + "X-Forwarded-User: root\r\nHost: evil\r\n\r\n"),
                statuses: [200], close: false, seen: [Self.pub("hello")]),
            SmugglingCase(
                name: "trailer obs-fold", raw: Self.post("/pub", te, "5\r\nhello\r\n0\r\nX-A: b\r\n c\r\n\r\n"),
                statuses: [400], close: true, seen: [Self.aborted()]),
            SmugglingCase(
                name: "trailer without colon", raw: Self.post("/pub", te, "5\r\nhello\r\n0\r\nX-A\r\n\r\n"),
                statuses: [400], close: true, seen: [Self.aborted()]),
            SmugglingCase(
                name: "trailer with NUL", raw: Self.post("/pub", te, "5\r\nhello\r\n0\r\nX-A: b\u{0}\r\n\r\n"),
                statuses: [400], close: true, seen: [Self.aborted()]),
            SmugglingCase(
                name: "chunked body holds a request", raw: Self.post("/pub", te, Self.chunked(hidden)),
                statuses: [200], close: false, seen: [Self.pub(hidden)]),
            SmugglingCase(
                name: "chunked then a pipelined request",
                raw: Self.post(
                    "/pub", te,
                    Self.chunked("hello") + Self.get("/pub/2")),
                statuses: [200, 200], close: false,
                seen: [Self.pub("hello"), Self.pub(method: "GET", target: "/pub/2")]),
            SmugglingCase(
                name: "chunked then a pipelined /admin", raw: Self.post("/pub", te, Self.chunked("hello") + hidden),
                statuses: [200, 401], close: false, seen: [Self.pub("hello")]),
        ]
    }

    static var headerFieldOdditiesCases: [SmugglingCase] {
        let longName = String(repeating: "N", count: 6000)
        return [
            SmugglingCase(
                name: "obs-fold", raw: Self.get("/pub", "X-A: b\r\n c\r\n"),
                statuses: [400], close: true, seen: []),
            SmugglingCase(
                name: "obs-fold with tab", raw: Self.get("/pub", "X-A: b\r\n\tc\r\n"),
                statuses: [400], close: true, seen: []),
            SmugglingCase(
                name: "first header line folded", raw: "GET /pub HTTP/1.1\r\n Host: a\r\n\r\n",
                statuses: [400], close: true, seen: []),
            SmugglingCase(
                name: "bare CR in value", raw: Self.get("/pub", "X-A: b\rc\r\n"),
                statuses: [400], close: true, seen: []),
            SmugglingCase(
                name: "bare CR ends a header", raw: "GET /pub HTTP/1.1\r\nHost: a\rX-A: b\r\n\r\n",
                statuses: [400], close: true, seen: []),
            SmugglingCase(
                name: "bare LF ends a header", raw: "GET /pub HTTP/1.1\r\nHost: a\nX-A: b\r\n\r\n",
                statuses: [400], close: true, seen: []),
            SmugglingCase(
                name: "bare LF everywhere", raw: "GET /pub HTTP/1.1\nHost: a\n\n",
                statuses: [400], close: true, seen: []),
            SmugglingCase(
                name: "LF LF ends the head", raw: "GET /pub HTTP/1.1\r\nHost: a\r\n\n",
                statuses: [400], close: true, seen: []),
            SmugglingCase(
                name: "NUL in name", raw: Self.get("/pub", "X-\u{0}A: b\r\n"),
                statuses: [400], close: true, seen: []),
            SmugglingCase(
                name: "NUL in value", raw: Self.get("/pub", "X-A: b\u{0}c\r\n"),
                statuses: [400], close: true, seen: []),
            SmugglingCase(
                name: "DEL in value", raw: Self.get("/pub", "X-A: b\u{7F}c\r\n"),
                statuses: [400], close: true, seen: []),
            SmugglingCase(
                name: "ESC in value", raw: Self.get("/pub", "X-A: b\u{1B}c\r\n"),
                statuses: [400], close: true, seen: []),
            SmugglingCase(
                name: "invalid UTF-8 in value", raw: Self.get("/pub", "X-A: caf\u{E9}\r\n"),
                statuses: [400], close: true, seen: []),
            SmugglingCase(
                name: "UTF-8 in value", raw: Self.get("/pub", "X-A: caf\u{C3}\u{A9}\r\n"),
                statuses: [200], close: false, seen: [Self.pub(method: "GET")]),
            SmugglingCase(
                name: "space in name", raw: Self.get("/pub", "X A: b\r\n"),
                statuses: [400], close: true, seen: []),
            SmugglingCase(
                name: "tab before colon", raw: Self.get("/pub", "X-A\t: b\r\n"),
                statuses: [400], close: true, seen: []),
            SmugglingCase(
                name: "( in name", raw: Self.get("/pub", "X(A): b\r\n"),
                statuses: [400], close: true, seen: []),
            SmugglingCase(
                name: "@ in name", raw: Self.get("/pub", "X@A: b\r\n"),
                statuses: [400], close: true, seen: []),
            SmugglingCase(
                name: "/ in name", raw: Self.get("/pub", "X/A: b\r\n"),
                statuses: [400], close: true, seen: []),
            SmugglingCase(
                name: "non-ASCII name", raw: Self.get("/pub", "X-\u{C3}\u{A9}: b\r\n"),
                statuses: [400], close: true, seen: []),
            SmugglingCase(
                name: "empty name", raw: Self.get("/pub", ": b\r\n"),
                statuses: [400], close: true, seen: []),
            SmugglingCase(
                name: "no colon", raw: Self.get("/pub", "X-A b\r\n"),
                statuses: [400], close: true, seen: []),
            SmugglingCase(
                name: "long name within the head limit", raw: Self.get("/pub", "\(longName): v\r\n"),
                statuses: [200], close: false, seen: [Self.pub(method: "GET")]),
            SmugglingCase(
                name: "name over the head limit", raw: Self.get("/pub", "\(longName)\(longName): v\r\n"),
                statuses: [431], close: true, seen: []),
            SmugglingCase(
                name: "129 fields", raw: Self.get("/pub", String(repeating: "X-A: b\r\n", count: 128)),
                statuses: [431], close: true, seen: []),
            SmugglingCase(
                name: "no Host on HTTP/1.1", raw: "GET /pub HTTP/1.1\r\nX-A: b\r\n\r\n",
                statuses: [400], close: true, seen: []),
            SmugglingCase(
                name: "two Host fields", raw: "GET /pub HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
                statuses: [400], close: true, seen: []),
            SmugglingCase(
                name: "two Host fields, different case", raw: "GET /pub HTTP/1.1\r\nHost: a\r\nhost: a\r\n\r\n",
                statuses: [400], close: true, seen: []),
            SmugglingCase(
                name: "Host list a, b", raw: "GET /pub HTTP/1.1\r\nHost: a, b\r\n\r\n",
                statuses: [400], close: true, seen: []),
            // One reg-name to RFC 3986 (`,` is a sub-delim), accepted by nginx too: forwarded as one Host value.
            SmugglingCase(
                name: "Host list a,b", raw: "GET /pub HTTP/1.1\r\nHost: a,b\r\n\r\n",
                statuses: [200], close: false, seen: [Self.pub(method: "GET")]),
            SmugglingCase(
                name: "Host empty", raw: "GET /pub HTTP/1.1\r\nHost: \r\n\r\n",
                statuses: [400], close: true, seen: []),
            SmugglingCase(
                name: "Host with path", raw: "GET /pub HTTP/1.1\r\nHost: a/admin\r\n\r\n",
                statuses: [400], close: true, seen: []),
            SmugglingCase(
                name: "Host with userinfo", raw: "GET /pub HTTP/1.1\r\nHost: u@a\r\n\r\n",
                statuses: [400], close: true, seen: []),
            SmugglingCase(
                name: "HTTP/1.0 without Host", raw: "GET /pub HTTP/1.0\r\n\r\n",
                statuses: [200], close: true, seen: [Self.pub(method: "GET")]),
        ]
    }

    static var requestLineOdditiesCases: [SmugglingCase] {
        return [
            SmugglingCase(
                name: "absolute-form", raw: Self.get("http://a/pub"),
                statuses: [400], close: false, seen: []),
            SmugglingCase(
                name: "absolute-form to /admin", raw: Self.get("http://a/admin", Self.auth),
                statuses: [400], close: false, seen: []),
            SmugglingCase(
                name: "asterisk-form", raw: "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n",
                statuses: [400], close: false, seen: []),
            SmugglingCase(
                name: "CONNECT authority-form", raw: "CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n",
                statuses: [400], close: false, seen: []),
            // A refusal that leaves a body unread closes, so the body is never read as a request.
            SmugglingCase(
                name: "absolute-form with a request in its body",
                raw: "POST http://a/pub HTTP/1.1\r\n"
                    + "Host: a\r\nContent-Length: \(Self.hidden.utf8.count)\r\n\r\n" + Self.hidden,
                statuses: [400], close: true, seen: []),
            SmugglingCase(
                name: "asterisk-form with a chunked body",
                raw: "OPTIONS * HTTP/1.1\r\nHost: a\r\n"
                    + "Transfer-Encoding: chunked\r\n\r\n" + Self.chunked(Self.hidden),
                statuses: [400], close: true, seen: []),
            SmugglingCase(
                name: "CONNECT with a request in its body",
                raw: "CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n"
                    + "Content-Length: \(Self.hidden.utf8.count)\r\n\r\n" + Self.hidden,
                statuses: [400], close: true, seen: []),
            SmugglingCase(
                name: "CONNECT then tunnel bytes",
                raw: "CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n"
                    + Self.hidden,
                statuses: [400, 401], close: false, seen: []),
            SmugglingCase(
                name: "two spaces before target", raw: "GET  /pub HTTP/1.1\r\nHost: a\r\n\r\n",
                statuses: [400], close: true, seen: []),
            SmugglingCase(
                name: "two spaces before version", raw: "GET /pub  HTTP/1.1\r\nHost: a\r\n\r\n",
                statuses: [400], close: true, seen: []),
            SmugglingCase(
                name: "tab separators", raw: "GET\t/pub\tHTTP/1.1\r\nHost: a\r\n\r\n",
                statuses: [400], close: true, seen: []),
            SmugglingCase(
                name: "space in target", raw: "GET /pub /admin HTTP/1.1\r\nHost: a\r\n\r\n",
                statuses: [400], close: true, seen: []),
            SmugglingCase(
                name: "trailing space after version", raw: "GET /pub HTTP/1.1 \r\nHost: a\r\n\r\n",
                statuses: [400], close: true, seen: []),
            SmugglingCase(
                name: "missing version", raw: "GET /pub\r\nHost: a\r\n\r\n",
                statuses: [400], close: true, seen: []),
            SmugglingCase(
                name: "HTTP/0.9 request", raw: "GET /pub\r\n\r\n",
                statuses: [400], close: true, seen: []),
            SmugglingCase(
                name: "HTTP/1.2", raw: "GET /pub HTTP/1.2\r\nHost: a\r\n\r\n",
                statuses: [400], close: true, seen: []),
            SmugglingCase(
                name: "HTTP/2.0 preface", raw: "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
                statuses: [400], close: true, seen: []),
            SmugglingCase(
                name: "lower-case version", raw: "GET /pub http/1.1\r\nHost: a\r\n\r\n",
                statuses: [400], close: true, seen: []),
            SmugglingCase(
                name: "lower-case method", raw: "get /pub HTTP/1.1\r\nHost: a\r\n\r\n",
                statuses: [400], close: true, seen: []),
            SmugglingCase(
                name: "mixed-case method", raw: "Get /pub HTTP/1.1\r\nHost: a\r\n\r\n",
                statuses: [400], close: true, seen: []),
            // http-parser knows a fixed method list; anything else is a parse error (400, closed).
            SmugglingCase(
                name: "unknown method", raw: "FOO /pub HTTP/1.1\r\nHost: a\r\n\r\n",
                statuses: [400], close: true, seen: []),
            SmugglingCase(
                name: "overlong method", raw: String(repeating: "GET", count: 40) + " /pub HTTP/1.1\r\nHost: a\r\n\r\n",
                statuses: [400], close: true, seen: []),
            SmugglingCase(
                name: "HEAD with a body", raw: "HEAD /pub HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello",
                statuses: [200], close: false, seen: [Self.pub("hello", method: "HEAD")]),
            SmugglingCase(
                name: "extension method http-parser knows", raw: "PROPFIND /pub HTTP/1.1\r\nHost: a\r\n\r\n",
                statuses: [200], close: false, seen: [Self.pub(method: "PROPFIND")]),
            SmugglingCase(
                name: "NUL in target", raw: "GET /pub\u{0}/x HTTP/1.1\r\nHost: a\r\n\r\n",
                statuses: [400], close: true, seen: []),
            SmugglingCase(
                name: "fragment in target", raw: "GET /pub#/../admin HTTP/1.1\r\nHost: a\r\n\r\n",
                statuses: [400], close: true, seen: []),
            SmugglingCase(
                name: "non-ASCII target", raw: "GET /pub/caf\u{C3}\u{A9} HTTP/1.1\r\nHost: a\r\n\r\n",
                statuses: [400], close: true, seen: []),
            SmugglingCase(
                name: "bare LF after request line", raw: "GET /pub HTTP/1.1\nHost: a\r\n\r\n",
                statuses: [400], close: true, seen: []),
            SmugglingCase(
                name: "bare CR after request line", raw: "GET /pub HTTP/1.1\rHost: a\r\n\r\n",
                statuses: [400], close: true, seen: []),
            SmugglingCase(
                name: "target over the head limit", raw: Self.get("/pub/" + String(repeating: "a", count: 9000)),
                statuses: [431], close: true, seen: []),
            SmugglingCase(
                name: "dot-segments to /admin", raw: Self.get("/pub/../admin"),
                statuses: [401], close: false, seen: []),
            SmugglingCase(
                name: "encoded dot-segments to /admin", raw: Self.get("/pub/%2e%2e/admin"),
                statuses: [401], close: false, seen: []),
            SmugglingCase(
                name: "double slash to /admin", raw: Self.get("//admin"),
                statuses: [401], close: false, seen: []),
            SmugglingCase(
                name: "absolute-form with userinfo", raw: Self.get("http://u@a/pub"),
                statuses: [400], close: false, seen: []),
            SmugglingCase(
                name: "leading empty lines", raw: "\r\n\r\n" + Self.get("/pub"),
                statuses: [200], close: false, seen: [Self.pub(method: "GET")]),
            SmugglingCase(
                name: "leading bare LF", raw: "\n" + Self.get("/pub"),
                statuses: [400], close: true, seen: []),
            SmugglingCase(
                name: "HTTP/1.0 keep-alive", raw: "GET /pub HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
                statuses: [200], close: false, seen: [Self.pub(method: "GET")]),
            SmugglingCase(
                name: "HTTP/1.0 then a pipelined request", raw: "GET /pub HTTP/1.0\r\n\r\n" + Self.get("/pub/2"),
                statuses: [200], close: true, seen: [Self.pub(method: "GET")]),
            SmugglingCase(
                name: "Connection: keep-alive, close then a pipelined request",
                raw: Self.get(
                    "/pub",
                    "Connection: keep-alive, close\r\n") + Self.get("/pub/2"),
                statuses: [200], close: true, seen: [Self.pub(method: "GET")]),
            SmugglingCase(
                name: "Connection: close then a pipelined request",
                raw: Self.get("/pub", "Connection: close\r\n")
                    + Self.get("/pub/2"),
                statuses: [200], close: true, seen: [Self.pub(method: "GET")]),
        ]
    }

    static var pipeliningAroundRefusalsCases: [SmugglingCase] {
        let bad = "GET /a b HTTP/1.1\r\nHost: a\r\n\r\n"
        return [
            SmugglingCase(
                name: "valid, malformed, valid", raw: Self.get("/pub/1") + bad + Self.get("/pub/3"),
                statuses: [200, 400], close: true, seen: [Self.pub(method: "GET", target: "/pub/1")]),
            SmugglingCase(
                name: "malformed, valid", raw: bad + Self.get("/pub/2"),
                statuses: [400], close: true, seen: []),
            SmugglingCase(
                name: "CL.TE, then valid",
                raw: Self.post(
                    "/pub",
                    "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n", "0\r\n\r\n") + Self.get("/pub/2"),
                statuses: [400], close: true, seen: []),
            SmugglingCase(
                name: "valid, oversized head, valid",
                raw: Self.get("/pub/1")
                    + Self.get("/pub/2", "X-Big: \(String(repeating: "b", count: 9000))\r\n") + Self.get("/pub/3"),
                statuses: [200, 431], close: true, seen: [Self.pub(method: "GET", target: "/pub/1")]),
            SmugglingCase(
                name: "valid, 401, valid", raw: Self.get("/pub/1") + Self.hidden + Self.get("/pub/3"),
                statuses: [200, 401, 200], close: false,
                seen: [Self.pub(method: "GET", target: "/pub/1"), Self.pub(method: "GET", target: "/pub/3")]),
            SmugglingCase(
                name: "valid, 403, authorised",
                raw: Self.get("/pub/1") + Self.get("/admin", Self.auth)
                    + Self.get("/api/3", Self.auth),
                statuses: [200, 403, 200], close: false,
                seen: [
                    Self.pub(method: "GET", target: "/pub/1"),
                    Seen(method: "GET", target: "/api/3", user: "ci-bot"),
                ]),
            SmugglingCase(
                name: "chunked, malformed chunked, valid",
                raw: Self.post(
                    "/pub", "Transfer-Encoding: chunked\r\n",
                    Self.chunked("one")) + Self.post("/pub/2", "Transfer-Encoding: chunked\r\n", "zz\r\n")
                    + Self.get("/pub/3"),
                statuses: [200, 400], close: true, seen: [Self.pub("one"), Self.aborted("/pub/2")]),
            SmugglingCase(
                name: "slow response, then 401, then valid",
                raw: Self.get("/slow?ms=150") + Self.hidden
                    + Self.get("/pub/3"),
                statuses: [200, 401, 200], close: false,
                seen: [Self.pub(method: "GET", target: "/slow?ms=150"), Self.pub(method: "GET", target: "/pub/3")]),
            // Read-ahead during a slow exchange must not be parsed (or refused) before the exchange ends.
            SmugglingCase(
                name: "slow response, then malformed",
                raw: Self.get("/slow?ms=150")
                    + "GET /a b HTTP/1.1\r\nHost: a\r\n\r\n",
                statuses: [200, 400], close: true, seen: [Self.pub(method: "GET", target: "/slow?ms=150")]),
            SmugglingCase(
                name: "three valid",
                raw: Self.get("/pub/1") + Self.post("/pub/2", "Content-Length: 3\r\n", "two")
                    + Self.get("/pub/3"),
                statuses: [200, 200, 200], close: false,
                seen: [
                    Self.pub(method: "GET", target: "/pub/1"), Self.pub("two", target: "/pub/2"),
                    Self.pub(method: "GET", target: "/pub/3"),
                ]),
        ]
    }

    static var expectUpgradeAndEarlyResponsesCases: [SmugglingCase] {
        let head = "POST /pub HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n"
        return [
            SmugglingCase(
                name: "Expect 100-continue", raw: head, statuses: [100, 200], close: false,
                seen: [Self.pub("hello")], then: "hello"),
            SmugglingCase(
                name: "Expect 100-continue, body sent at once", raw: head + "hello",
                statuses: [100, 200], close: false, seen: [Self.pub("hello")]),
            SmugglingCase(
                name: "Expect 100-continue refused by auth",
                raw: "POST /admin HTTP/1.1\r\nHost: a\r\n"
                    + "Expect: 100-continue\r\nContent-Length: \(Self.hidden.utf8.count)\r\n\r\n",
                statuses: [401], close: true, seen: []),
            // RFC 9110 §15.2: no 1xx to an HTTP/1.0 client, which would take `100 Continue` for the response
            // (it used to get one).
            SmugglingCase(
                name: "Expect 100-continue on HTTP/1.0",
                raw: "POST /pub HTTP/1.0\r\nConnection: keep-alive\r\n"
                    + "Expect: 100-continue\r\nContent-Length: 5\r\n\r\nhello",
                statuses: [200], close: false, seen: [Self.pub("hello")]),
            SmugglingCase(
                name: "Expect on a GET without body", raw: Self.get("/pub", "Expect: 100-continue\r\n"),
                statuses: [200], close: false, seen: [Self.pub(method: "GET")]),
            SmugglingCase(
                name: "Upgrade h2c",
                raw: Self.get(
                    "/pub",
                    "Connection: Upgrade, HTTP2-Settings\r\n"
                        + "Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n"),
                statuses: [200], close: false, seen: [Self.pub(method: "GET")]),
            SmugglingCase(
                name: "Upgrade h2c then a request",
                raw: Self.get("/pub", "Connection: Upgrade\r\nUpgrade: h2c\r\n")
                    + Self.hidden,
                statuses: [200, 401], close: false, seen: [Self.pub(method: "GET")]),
            SmugglingCase(
                name: "Upgrade websocket with a body",
                raw: Self.post(
                    "/pub",
                    "Connection: Upgrade\r\nUpgrade: websocket\r\nContent-Length: 5\r\n", "hello"),
                statuses: [200], close: false, seen: [Self.pub("hello")]),
            SmugglingCase(
                name: "Upgrade with a chunked body",
                raw: Self.post(
                    "/pub",
                    "Connection: Upgrade\r\nUpgrade: h2c\r\nTransfer-Encoding: chunked\r\n", Self.chunked("hello")),
                statuses: [200], close: false, seen: [Self.pub("hello")]),
            // The upstream answers before reading the body; the rest of it is still only body.
            SmugglingCase(
                name: "early response, body sent after it",
                raw: "POST /early HTTP/1.1\r\nHost: a\r\n"
                    + "Content-Length: \(Self.hidden.utf8.count)\r\n\r\n",
                statuses: [200], close: false, seen: [Self.pub(Self.hidden, target: "/early")], then: Self.hidden),
            SmugglingCase(
                name: "early response, body and a request sent after it",
                raw: "POST /early HTTP/1.1\r\n"
                    + "Host: a\r\nContent-Length: \(Self.hidden.utf8.count)\r\n\r\n",
                statuses: [200, 401], close: false, seen: [Self.pub(Self.hidden, target: "/early")],
                then: Self.hidden + Self.hidden),
            SmugglingCase(
                name: "early response, chunked body and a request sent after it",
                raw: "POST /early HTTP/1.1\r\n"
                    + "Host: a\r\nTransfer-Encoding: chunked\r\n\r\n",
                statuses: [200, 401], close: false, seen: [Self.pub(Self.hidden, target: "/early")],
                then: Self.chunked(Self.hidden) + Self.hidden),
            // The upstream answers early and closes: the rest of the body has nowhere to go, so the client
            // connection closes too, and the body is never read as a request.
            SmugglingCase(
                name: "early response with close, body sent after it",
                raw: "POST /early-close HTTP/1.1\r\n"
                    + "Host: a\r\nContent-Length: \(Self.hidden.utf8.count)\r\n\r\n",
                statuses: [200], close: true, seen: [Self.aborted("/early-close")], then: Self.hidden),
            SmugglingCase(
                name: "early response, body holds a request",
                raw: Self.post(
                    "/early",
                    "Content-Length: \(Self.hidden.utf8.count)\r\n", Self.hidden),
                statuses: [200], close: false, seen: [Self.pub(Self.hidden, target: "/early")]),
        ]
    }
}
