import TollgateEventLoop

/// A chunked body after an accepted head, as `ChunkedBodyPump` handles it: the validator first, then http-parser
/// fed only what the validator passed.
enum ChunkedProperties {
    static func check(head: [UInt8], body: [UInt8], isRequest: Bool) throws(PropertyViolation) {
        let label = "\(show(head)) + \(show(body))"
        var whole = ChunkedFramingValidator()
        let outcome = body.withUnsafeBytes { whole.feed($0) }
        let reference = ChunkedReference.read(body, maxLine: ChunkedFramingValidator.maxLine)
        switch (outcome, reference) {
        case (.invalid, .invalid), (.needMore, .needMore): break
        case (.complete(let count), .complete(let expected, _)) where count == expected: break
        default: throw PropertyViolation("validator says \(outcome), the reference \(reference): \(label)")
        }
        try checkSplit(body, outcome, label)

        // http-parser, fed what the server would feed it, in the pieces `checkSplit` used.
        let sink = WireParserRecorder()
        let parser = WireParser(isRequest: isRequest, collectHeaders: isRequest)
        parser.reset()
        parser.record(into: sink)
        let consumed = head.withUnsafeBytes { parser.execute($0) }
        try require(consumed == head.count, "http-parser did not take the head: \(label)")
        if sink.completes > 0 {
            // A response that has no body whatever its fields say (1xx, 204, 304): nothing to frame.
            try require(!isRequest, "http-parser ended a chunked request at its head: \(label)")
            return
        }
        let passed: Int
        switch outcome {
        case .invalid: return
        case .needMore: passed = body.count
        case .complete(let count): passed = count
        }
        var offset = 0
        for piece in pieces(body.count, body) where offset < passed {
            let end = min(passed, offset + piece)
            let used = body.withUnsafeBytes { parser.execute(UnsafeRawBufferPointer(rebasing: $0[offset..<end])) }
            // http-parser refusing what the validator passed makes the server answer 400: safe, so not checked.
            guard let used else { return }
            if used < end - offset || sink.completes > 0 {
                try require(
                    offset + used == passed && sink.completes == 1,
                    "http-parser ended the message after \(offset + used) bytes, the validator after \(outcome): "
                        + label)
            }
            offset = end
        }
        if case .complete(_, let decoded) = reference {
            try require(sink.completes == 1, "http-parser did not end the message the validator ended: \(label)")
            try require(
                sink.body == decoded, "http-parser decoded \(show(sink.body)), the reference \(show(decoded)): \(label)"
            )
        } else {
            try require(sink.completes == 0, "http-parser ended a message the validator wants more of: \(label)")
        }
    }

    /// Fed in pieces, the validator ends the message at the same byte, or refuses it, or wants more, as when it
    /// sees the whole body at once.
    private static func checkSplit(_ body: [UInt8], _ whole: ChunkedFramingValidator.Outcome, _ label: String)
        throws(PropertyViolation)
    {
        var validator = ChunkedFramingValidator()
        var offset = 0
        var outcome = ChunkedFramingValidator.Outcome.needMore
        for piece in pieces(body.count, body) {
            let end = offset + piece
            switch body.withUnsafeBytes({ validator.feed(UnsafeRawBufferPointer(rebasing: $0[offset..<end])) }) {
            case .needMore: break
            case .invalid: outcome = .invalid
            case .complete(let count): outcome = .complete(count: offset + count)
            }
            if outcome != .needMore { break }
            offset = end
        }
        try require(outcome == whole, "fed in pieces the validator says \(outcome), whole \(whole): \(label)")
    }

    /// Piece sizes adding up to `count`, 1-16 bytes each, chosen by the bytes themselves.
    private static func pieces(_ count: Int, _ bytes: [UInt8]) -> [Int] {
        var result: [Int] = []
        var total = 0
        var index = 0
        while total < count {
            let size = min(count - total, 1 + Int(bytes[index % bytes.count] % 16))
            result.append(size)
            total += size
            index += 7
        }
        return result
    }
}
