private import CLibevent

/// Feeds the chunked body bytes buffered in an evbuffer through tollgate's strict framing check and then
/// http-parser (whose sink receives the decoded bytes), draining what was consumed. Shared by the client side
/// (request bodies) and the upstream side (response bodies). Thread rule: the owning connection's loop.
enum ChunkedBodyPump {
    /// How far a pump got.
    enum Outcome {
        /// Everything buffered was consumed; the message continues.
        case needMore
        /// The message ended (the sink saw message-complete); bytes after it stay buffered.
        case complete
        /// Invalid framing.
        case invalid
        /// The chunk sizes announced so far add up to more than `limit`; nothing of the segment that announced
        /// it reached the parser.
        case tooLarge
    }

    /// Pumps until the buffer is empty, the message completes (`isComplete()` turns true), or framing fails.
    static func pump(_ input: OpaquePointer, check: inout ChunkedFramingValidator, parser: WireParser,
                     limit: UInt64 = .max, isComplete: () -> Bool) -> Outcome {
        var iov = iovec()
        while !isComplete(), evbuffer_peek(input, -1, nil, &iov, 1) > 0, iov.iov_len > 0 {
            var segment = UnsafeRawBufferPointer(start: iov.iov_base, count: iov.iov_len)
            switch check.feed(segment) {
            case .invalid:
                return .invalid
            case .complete(let count):
                // Only this message's bytes reach the parser, so the two never disagree on where it ends.
                segment = UnsafeRawBufferPointer(rebasing: segment[0..<count])
            case .needMore:
                break
            }
            if check.declaredBytes > limit { return .tooLarge }
            guard let used = parser.execute(segment) else { return .invalid }
            evbuffer_drain(input, used)
            if used < segment.count { break }
        }
        return isComplete() ? .complete : .needMore
    }
}
