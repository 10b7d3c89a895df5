/// RFC 9112 section 7.1 chunked framing, read by a straightforward recursive-descent reader over the whole body
/// (written from the RFC and `ChunkedFramingValidator`'s documented limits, not from its state machine):
///
///     chunked-body = *chunk last-chunk trailer-section CRLF
///     chunk        = chunk-size [ chunk-ext ] CRLF chunk-data CRLF     ; size: 1*16 HEXDIG
///     last-chunk   = 1*("0") [ chunk-ext ] CRLF
///     chunk-ext    = ";" *( VCHAR / obs-text / SP / HTAB )             ; as tollgate checks it
///     trailer      = *( field-name ":" *( VCHAR / obs-text / SP / HTAB ) CRLF )
///
/// A size line (with its extensions) or a trailer line may hold at most `maxLine` bytes, its CR included.
enum ChunkedReference {
    enum Outcome: Equatable {
        /// The message ends after `count` bytes; `body` is the decoded data.
        case complete(count: Int, body: [UInt8])
        /// Valid so far; more bytes are needed.
        case needMore
        /// Invalid framing.
        case invalid
    }

    static func read(_ input: [UInt8], maxLine: Int) -> Outcome {
        var reader = Reader(input: input, maxLine: maxLine)
        do {
            return try reader.chunkedBody()
        } catch .needMore {
            return .needMore
        } catch {
            return .invalid
        }
    }

    private enum Stop: Error { case needMore, invalid }

    private struct Reader {
        let input: [UInt8]
        let maxLine: Int
        var index = 0
        var body: [UInt8] = []

        mutating func chunkedBody() throws(Stop) -> Outcome {
            while true {
                let lineStart = index
                var size: UInt64 = 0
                var digits = 0
                while let byte = try peek(), let value = hex(byte) {
                    digits += 1
                    guard digits <= 16 else { throw .invalid }
                    size = size << 4 | UInt64(value)
                    try take(lineStart)
                }
                guard digits > 0 else { throw .invalid }
                if try peek() == UInt8(ascii: ";") {
                    try take(lineStart)
                    while let byte = try peek(), byte != 13 {
                        guard byte == 9 || (byte >= 0x20 && byte != 0x7f) else { throw .invalid }
                        try take(lineStart)
                    }
                }
                try lineEnd(lineStart)
                if size == 0 { break }
                // Data: all of it must be there before the CRLF after it can be checked.
                let available = UInt64(input.count - index)
                if available < size {
                    body += input[index...]
                    index = input.count
                    throw .needMore
                }
                body += input[index..<(index + Int(size))]
                index += Int(size)
                try expect(13)
                try expect(10)
            }
            // Trailer fields, then the final CRLF.
            while try peek() != 13 {
                let lineStart = index
                while let byte = try peek(), byte != UInt8(ascii: ":") {
                    guard HeadModel.isTChar(byte) else { throw .invalid }
                    try take(lineStart)
                }
                guard index > lineStart else { throw .invalid }
                try take(lineStart)
                while let byte = try peek(), byte != 13 {
                    guard byte == 9 || (byte >= 0x20 && byte != 0x7f) else { throw .invalid }
                    try take(lineStart)
                }
                try lineEnd(lineStart)
            }
            try expect(13)
            try expect(10)
            return .complete(count: index, body: body)
        }

        /// Takes one byte of a size or trailer line that started at `lineStart`. A line, its CR included, may hold
        /// `maxLine` bytes; one more is refused at once, before the line ends.
        private mutating func take(_ lineStart: Int) throws(Stop) {
            index += 1
            guard index - lineStart <= maxLine else { throw .invalid }
        }

        /// The CR LF ending a line that started at `lineStart`.
        private mutating func lineEnd(_ lineStart: Int) throws(Stop) {
            try expect(13)
            guard index - lineStart <= maxLine else { throw .invalid }
            try expect(10)
        }

        /// The next byte without taking it; needMore at the end of the input.
        private func peek() throws(Stop) -> UInt8? {
            guard index < input.count else { throw .needMore }
            return input[index]
        }

        private mutating func expect(_ byte: UInt8) throws(Stop) {
            guard index < input.count else { throw .needMore }
            guard input[index] == byte else { throw .invalid }
            index += 1
        }

        private func hex(_ byte: UInt8) -> UInt8? {
            switch byte {
            case 0x30...0x39: return byte - 0x30
            case 0x41...0x46: return byte - 0x41 + 10
            case 0x61...0x66: return byte - 0x61 + 10
            default: return nil
            }
        }
    }
}
