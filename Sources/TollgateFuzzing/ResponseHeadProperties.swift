import TollgateEventLoop

/// A complete upstream response head as `UpstreamConnection.parseHead` takes it: the same field rules as for
/// requests, http-parser agreeing on the framing, the header filter copying whole lines only, and chunked bodies
/// as for requests.
enum ResponseHeadProperties {
    static func check(_ head: [UInt8], rest: [UInt8]) throws(PropertyViolation) {
        let validated = head.withUnsafeBytes { HeadScanner.validateResponse($0) }
        guard case .success(let facts) = validated else { return }
        let label = show(head)
        let model = try HeadModel(head)
        let status = model.startLine
        try require(
            status.count >= 12 && status.starts(with: Array("HTTP/1.".utf8)) && (status[7] == 48 || status[7] == 49)
                && status[8] == 32 && status[9...11].allSatisfy { (48...57).contains($0) }
                && (status.count == 12 || status[12] == 32),
            "accepted status line \(show(status)): \(label)")
        try require(facts.headerCount == model.fields.count && facts.headerCount <= 256, "headerCount: \(label)")
        let lengths = model.values("content-length")
        let encodings = model.values("transfer-encoding")
        try require(
            lengths.count <= 1 && encodings.count <= 1 && (lengths.isEmpty || encodings.isEmpty),
            "accepted conflicting framing fields: \(label)")
        try require(facts.chunked == !encodings.isEmpty, "chunked \(facts.chunked): \(label)")
        if let encoding = encodings.first {
            try require(
                HeadModel.lowercased(encoding) == Array("chunked".utf8), "accepted Transfer-Encoding \(show(encoding))")
        }

        // The filtered lines are whole lines of the head, in order, without framing and hop-by-hop fields.
        var kept: [UInt8] = []
        head.withUnsafeBytes { ResponseHeaderFilter.copy($0, to: &kept) }
        // The one-pass route (lines noted during validation) copies the same bytes wherever it applies, with the
        // usual room for lines and with room for one (the overflow fallback).
        for capacity in [ResponseLines.capacity, 1] {
            if let onePass = head.withUnsafeBytes({ ResponseHeaderFilter.copyFromValidation($0, capacity: capacity) }) {
                try require(onePass == kept, "one-pass copy \(show(onePass)) != filter \(show(kept)): \(label)")
            }
        }
        let rebuilt = status + [13, 10] + kept + [13, 10]
        let refiltered = rebuilt.withUnsafeBytes { HeadScanner.validateResponse($0) }
        guard case .success(let keptFacts) = refiltered else {
            throw PropertyViolation("filtered head \(show(rebuilt)) is refused (\(refiltered)): \(label)")
        }
        try require(keptFacts.contentLength == nil && !keptFacts.chunked, "filtered head kept framing: \(label)")
        let keptModel = try HeadModel(rebuilt)
        let hopByHop = [
            "connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade",
            "content-length",
        ].map { Array($0.utf8) }
        var remaining = model.fields[...]
        for field in keptModel.fields {
            try require(
                !hopByHop.contains(HeadModel.lowercased(field.name)), "filter kept \(show(field.name)): \(label)")
            guard let found = remaining.firstIndex(where: { $0.name == field.name && $0.value == field.value }) else {
                throw PropertyViolation("filter made up or reordered \(show(field.name)): \(label)")
            }
            remaining = remaining[(found + 1)...]
        }

        // The relay takes status and keep-alive from these facts (http-parser decodes chunked bodies only).
        let code = Int(String(decoding: status[9...11], as: UTF8.self))
        try require(facts.status == code, "status \(facts.status): \(label)")
        let keepAlive = model.keepAlive(versionMinor: facts.versionMinor)
        try require(facts.keepAlive == keepAlive, "keepAlive \(facts.keepAlive): \(label)")

        let sink = WireParserRecorder()
        let parser = WireParser(isRequest: false, collectHeaders: false)
        parser.reset()
        parser.record(into: sink)
        let consumed = head.withUnsafeBytes { parser.execute($0) }
        guard consumed == head.count, parser.headComplete, parser.head.chunked == facts.chunked,
            parser.head.contentLength == facts.contentLength
        else { return }
        try require(parser.head.status == code, "http-parser read status \(parser.head.status): \(label)")
        if facts.chunked {
            try ChunkedProperties.check(head: head, body: rest, isRequest: false)
        }
    }
}
