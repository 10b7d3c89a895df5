/// Strict RFC 9112 §7.1 chunked-framing checks, run over the same bytes before http-parser sees them:
/// Debian's libhttp-parser is built without its strict mode and accepts `5\r\nhelloXX`, a bare CR or LF,
/// junk after the size without `;`, and control bytes in extensions. Streaming and allocation-free; data bytes
/// are skipped in bulk, so the cost is per chunk, not per byte. Thread rule: owned by one connection.
package struct ChunkedFramingValidator: Equatable {
    package enum State: Equatable {
        case sizeStart, size, ext, sizeLF, data, dataCR, dataLF
        case trailerStart, trailerName, trailerValue, trailerLF, finalLF, done
    }

    package private(set) var state: State = .sizeStart
    private var digits = 0
    private var remaining: UInt64 = 0
    private var lastChunk = false
    /// Longest chunk-size line (with extensions) or trailer line accepted.
    package static let maxLine = 4096
    private var lineLength = 0
    /// Sum of every chunk-size read so far in this message (saturating): what the client announced it will send,
    /// known before the data arrives, so an over-limit body is refused up front as Content-Length is.
    package private(set) var declaredBytes: UInt64 = 0

    /// Outcome of feeding bytes.
    package enum Outcome: Equatable {
        /// All bytes are valid framing so far; the message is not complete.
        case needMore
        /// The message ends after `count` bytes of this input (the rest belongs to the next message).
        case complete(count: Int)
        /// Invalid framing.
        case invalid
    }

    /// A validator at the start of a chunked message.
    package init() {}

    /// Starts a new chunked message.
    package mutating func reset() { self = ChunkedFramingValidator() }

    /// Checks `bytes`, which continue the body from where the previous call stopped.
    package mutating func feed(_ bytes: UnsafeRawBufferPointer) -> Outcome {
        var i = 0
        let n = bytes.count
        while i < n {
            let c = bytes[i]
            switch state {
            case .sizeStart, .size:
                if let v = Self.hexValue(c) {
                    digits += 1
                    if digits > 16 { return .invalid }
                    remaining = remaining << 4 | UInt64(v)
                    state = .size
                } else if state == .size && c == 59 {  // ';'
                    state = .ext
                } else if state == .size && c == 13 {
                    state = .sizeLF
                } else {
                    return .invalid
                }
                lineLength += 1
            case .ext:
                // chunk-ext: printable ASCII and HTAB only (token, '=', quoted-string); no CTL, no bare CR/LF.
                if c == 13 {
                    state = .sizeLF
                } else if (c < 32 && c != 9) || c == 127 {
                    return .invalid
                }
                lineLength += 1
            case .sizeLF:
                guard c == 10 else { return .invalid }
                lineLength = 0
                digits = 0
                let (sum, overflow) = declaredBytes.addingReportingOverflow(remaining)
                declaredBytes = overflow ? .max : sum
                if remaining == 0 {
                    lastChunk = true
                    state = .trailerStart
                } else {
                    state = .data
                }
            case .data:
                let take = Int(min(UInt64(n - i), remaining))
                remaining -= UInt64(take)
                i += take
                if remaining == 0 { state = .dataCR }
                continue
            case .dataCR:
                guard c == 13 else { return .invalid }
                state = .dataLF
            case .dataLF:
                guard c == 10 else { return .invalid }
                state = .sizeStart
            case .trailerStart:
                if c == 13 {
                    state = .finalLF
                } else if HeadScanner.isTChar(c) {
                    state = .trailerName
                    lineLength = 1
                } else {
                    return .invalid
                }
            case .trailerName:
                if c == 58 {
                    state = .trailerValue
                } else if !HeadScanner.isTChar(c) {
                    return .invalid
                }
                lineLength += 1
            case .trailerValue:
                if c == 13 {
                    state = .trailerLF
                } else if (c < 32 && c != 9) || c == 127 {
                    return .invalid
                }
                lineLength += 1
            case .trailerLF:
                guard c == 10 else { return .invalid }
                state = .trailerStart
            case .finalLF:
                guard c == 10 else { return .invalid }
                state = .done
                return .complete(count: i + 1)
            case .done:
                return .complete(count: i)
            }
            if lineLength > Self.maxLine { return .invalid }
            i += 1
        }
        return state == .done ? .complete(count: n) : .needMore
    }

    @inline(__always)
    private static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case 48...57: return c - 48
        case 65...70: return c - 55
        case 97...102: return c - 87
        default: return nil
        }
    }
}
