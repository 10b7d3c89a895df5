import TollgateEventLoop

/// Properties of the request-head path of `ServerConnection` (findEnd -> validate -> http-parser agreeing on
/// the framing) and of chunked bodies (`ChunkedFramingValidator` in front of http-parser), over any bytes a
/// client could send; the same for upstream response heads:
/// - `findEnd` finds the first blank line (after leading CRLFs), whole or fed in pieces alike;
/// - an accepted head has no NUL, bare CR or bare LF, no empty or non-token header name, no obs-fold, no control
///   byte in a value, at most one Content-Length (1-18 digits), at most one Transfer-Encoding and only
///   `chunked`, never both, no chunked HTTP/1.0, exactly one valid Host on HTTP/1.1, and a request line of
///   upper-case method, visible-ASCII target without `#`, and HTTP/1.0 or 1.1 (SECURITY-LESSONS "Framing and
///   smuggling"); the scanner's facts say what the head says;
/// - when tollgate accepts a head, http-parser saw the same method, target, version and header fields, and the
///   head re-serialised (as read, and as `HeadWriter` writes it upstream) is accepted again with the same facts;
/// - chunked framing: the validator's verdict (where the message ends, or invalid) agrees with
///   `ChunkedReference`, does not depend on how the bytes are split, and http-parser fed what the validator
///   passed ends the message at the same byte with the same decoded body, and never earlier.
enum HeadProperties {
    static func check(_ data: UnsafeRawBufferPointer) throws(PropertyViolation) {
        let bytes = Array(data)
        let search = HeadScanner.findEnd(data)
        try checkSearch(bytes, search)
        try checkIncremental(bytes, search)
        guard case .complete(let start, let end) = search else { return }
        let head = Array(bytes[start..<end])
        let rest = Array(bytes[end...])
        if let target = head.withUnsafeBytes({ HeadScanner.rawTarget($0) }) {
            try require(
                target.utf8.allSatisfy { $0 > 32 && $0 < 127 && $0 != 34 && $0 != 92 },
                "rawTarget of \(show(head)) is \(target.debugDescription)")
        }
        try RequestHeadProperties.check(head, rest: rest)
        try ResponseHeadProperties.check(head, rest: rest)
    }

    /// What one `findEnd` over all the bytes says, checked against the bytes.
    private static func checkSearch(_ bytes: [UInt8], _ search: HeadScanner.Search) throws(PropertyViolation) {
        var start = 0
        while start + 1 < bytes.count && bytes[start] == 13 && bytes[start + 1] == 10 { start += 2 }
        // The first CRLF CRLF after the leading CRLFs, counting the CRLF that ends the request line.
        var blank: Int?
        var firstBad: Int?
        var index = start
        while index < bytes.count {
            let byte = bytes[index]
            if byte == 0 || (byte == 10 && (index == start || bytes[index - 1] != 13))
                || (byte == 13 && index + 1 < bytes.count && bytes[index + 1] != 10)
            {
                firstBad = index
                break
            }
            if byte == 10 && index >= start + 3 && bytes[index - 3] == 13 && bytes[index - 2] == 10 {
                blank = index + 1
                break
            }
            index += 1
        }
        let label = show(bytes)
        switch search {
        case .complete(let foundStart, let end):
            try require(
                foundStart == start && end == blank,
                "findEnd gave \(foundStart)..<\(end) for \(label), "
                    + "expected \(start)..<\(blank.map(String.init) ?? "none")")
        case .invalid:
            try require(
                firstBad != nil, "findEnd refused \(label), which has no NUL, bare CR or bare LF before its end")
        case .incomplete(let resume):
            try require(blank == nil && firstBad == nil, "findEnd wants more of \(label)")
            try require(resume >= 0 && resume <= bytes.count, "resume point \(resume) outside \(label)")
        }
    }

    /// The server reads a head in pieces and resumes each scan where the last one stopped: the first piece that
    /// is not incomplete must give what one scan of that many bytes gives, and one scan of the bytes before that
    /// piece must still be incomplete.
    private static func checkIncremental(_ bytes: [UInt8], _ whole: HeadScanner.Search) throws(PropertyViolation) {
        var resume = 0
        var length = 0
        // Piece sizes from the input itself, 1-8 bytes, so that many splits get tried over a corpus.
        var step = 0
        while length < bytes.count {
            let previous = length
            length = min(bytes.count, length + 1 + Int(bytes[step % bytes.count] & 7))
            step += 1
            let search = bytes.withUnsafeBytes {
                HeadScanner.findEnd(UnsafeRawBufferPointer(rebasing: $0[..<length]), from: resume)
            }
            guard case .incomplete(let next) = search else {
                let oneShot = bytes.withUnsafeBytes {
                    HeadScanner.findEnd(UnsafeRawBufferPointer(rebasing: $0[..<length]))
                }
                try require(
                    search == oneShot,
                    "findEnd over \(length) bytes resuming at \(resume) gave \(search), "
                        + "one scan \(oneShot): \(show(bytes))")
                let before = bytes.withUnsafeBytes {
                    HeadScanner.findEnd(UnsafeRawBufferPointer(rebasing: $0[..<previous]))
                }
                guard case .incomplete = before else {
                    throw PropertyViolation("pieces went past \(before) at \(previous) bytes: \(show(bytes))")
                }
                return
            }
            resume = next
        }
        guard case .incomplete = whole else {
            throw PropertyViolation("pieces never finished, one scan gave \(whole): \(show(bytes))")
        }
    }
}
