import TollgateEventLoop

/// A complete request head as `ServerConnection.acceptHead` takes it, checked (see `HeadProperties`).
enum RequestHeadProperties {
    static func check(_ head: [UInt8], rest: [UInt8]) throws(PropertyViolation) {
        let validated = head.withUnsafeBytes { HeadScanner.validate($0) }
        guard case .success(let facts) = validated else { return }
        let model = try HeadModel(head)
        try checkFacts(model, facts, head)

        // The server reads heads with parseRequest; http-parser, which it used before, is the reference: where
        // http-parser reads the head with the same framing (and as UTF-8), parseRequest must read the same.
        let scanned = head.withUnsafeBytes { HeadScanner.parseRequest($0) }
        let sink = WireParserRecorder()
        let parser = WireParser(isRequest: true)
        parser.reset()
        parser.record(into: sink)
        let consumed = head.withUnsafeBytes { parser.execute($0) }
        let referenceAgrees = consumed == head.count && parser.headComplete
            && parser.head.contentLength == facts.contentLength && parser.head.chunked == facts.chunked
            && !parser.head.invalidUTF8
        try checkScanned(scanned, model, facts, head, referenceAgrees: referenceAgrees)
        guard referenceAgrees else { return }
        try checkParsed(parser.head, model, facts, head)
        if case .success(let read) = scanned { try checkSameReading(read, parser.head, head) }
        try checkReserialised(parser.head, facts, head)
        if facts.chunked {
            try ChunkedProperties.check(head: head, body: rest, isRequest: true)
        }
    }

    /// parseRequest accepts what validate accepts except unknown methods and non-UTF-8 values; where it accepts a
    /// head http-parser refuses, the target is not origin-form (which the proxy refuses later). Its connection
    /// facts match the model's reading of the `Connection` and `Expect` fields.
    private static func checkScanned(_ scanned: Result<ScannedRequest, HeadError>, _ model: HeadModel,
                                     _ facts: HeadFacts, _ head: [UInt8], referenceAgrees: Bool)
        throws(PropertyViolation)
    {
        let label = show(head)
        let method = String(decoding: model.startLine.prefix { $0 != 32 }, as: UTF8.self)
        switch scanned {
        case .failure(let error):
            try require(!referenceAgrees, "parseRequest refused (\(error)) what http-parser reads alike: \(label)")
            try require(
                error == .invalidMethod && !HeadScanner.isKnownMethod(method)
                    || error == .invalidValueChar
                        && model.fields.contains { String(validating: $0.value, as: UTF8.self) == nil },
                "parseRequest refused (\(error)) a head validate accepted: \(label)")
        case .success(let read):
            try require(read.facts == facts, "parseRequest facts \(read.facts), validate \(facts): \(label)")
            try require(HeadScanner.isKnownMethod(read.method), "parseRequest took method \(read.method): \(label)")
            if !referenceAgrees {
                try require(!read.target.hasPrefix("/"), "parseRequest took what http-parser refuses: \(label)")
            }
            let keepAlive = model.keepAlive(versionMinor: facts.versionMinor)
            try require(read.facts.keepAlive == keepAlive, "keepAlive \(read.facts.keepAlive): \(label)")
            let expects = model.values("expect").contains { HeadModel.lowercased($0) == Array("100-continue".utf8) }
            try require(read.facts.expectsContinue == expects, "expectsContinue \(expects): \(label)")
        }
    }

    /// Method, target and fields as parseRequest read them are http-parser's (values without trailing blanks).
    private static func checkSameReading(_ read: ScannedRequest, _ parsed: ParsedHead, _ head: [UInt8])
        throws(PropertyViolation)
    {
        let label = show(head)
        try require(read.method == parsed.method && read.target == parsed.url, "request line differs: \(label)")
        try require(read.headers.count == parsed.headers.count, "field count differs: \(label)")
        for (mine, theirs) in zip(read.headers, parsed.headers) {
            let kept = theirs.value.utf8.reversed().drop(while: HeadModel.isBlank).reversed()
            let trimmed = String(decoding: Array(kept), as: UTF8.self)
            try require(
                mine.name == theirs.name && mine.value == trimmed,
                "parseRequest read \(mine.name): \(mine.value.debugDescription), http-parser "
                    + "\(theirs.name): \(theirs.value.debugDescription): \(label)")
        }
    }

    /// The scanner's facts against the independent reading of the same head.
    private static func checkFacts(_ model: HeadModel, _ facts: HeadFacts, _ head: [UInt8]) throws(PropertyViolation) {
        let label = show(head)
        let parts = model.startLine.split(separator: 32, omittingEmptySubsequences: false)
        try require(parts.count == 3, "request line is not method SP target SP version: \(label)")
        let method = parts[0]
        let target = parts[1]
        try require(
            !method.isEmpty && method.allSatisfy { HeadModel.isTChar($0) && !(97...122).contains($0) },
            "accepted method \(show(method)): \(label)")
        try require(
            !target.isEmpty && target.allSatisfy { $0 > 32 && $0 < 127 && $0 != UInt8(ascii: "#") },
            "accepted target \(show(target)): \(label)")
        let version = Array(parts[2])
        try require(
            version == Array("HTTP/1.0".utf8) || version == Array("HTTP/1.1".utf8), "accepted version \(show(version))")
        try require(facts.versionMinor == Int(version[7] - 48), "versionMinor \(facts.versionMinor): \(label)")
        try require(
            facts.headerCount == model.fields.count && facts.headerCount <= 128,
            "headerCount \(facts.headerCount) "
                + "for \(model.fields.count) fields: \(label)")

        let lengths = model.values("content-length")
        let encodings = model.values("transfer-encoding")
        let hosts = model.values("host")
        try require(lengths.count <= 1, "accepted \(lengths.count) Content-Length fields: \(label)")
        try require(encodings.count <= 1, "accepted \(encodings.count) Transfer-Encoding fields: \(label)")
        try require(lengths.isEmpty || encodings.isEmpty, "accepted Content-Length with Transfer-Encoding: \(label)")
        if let length = lengths.first {
            try require(
                (1...18).contains(length.count) && length.allSatisfy { (48...57).contains($0) },
                "accepted Content-Length \(show(length)): \(label)")
            try require(
                facts.contentLength == Int64(String(decoding: length, as: UTF8.self)),
                "contentLength "
                    + "\(String(describing: facts.contentLength)) for \(show(length)): \(label)")
        } else {
            try require(facts.contentLength == nil, "contentLength without the field: \(label)")
        }
        if let encoding = encodings.first {
            try require(
                HeadModel.lowercased(encoding) == Array("chunked".utf8), "accepted Transfer-Encoding \(show(encoding))")
            try require(facts.versionMinor == 1, "accepted chunked HTTP/1.0: \(label)")
        }
        try require(facts.chunked == !encodings.isEmpty, "chunked \(facts.chunked): \(label)")
        try require(hosts.count <= 1, "accepted \(hosts.count) Host fields: \(label)")
        if facts.versionMinor == 1 { try require(hosts.count == 1, "accepted HTTP/1.1 without Host: \(label)") }
        if let host = hosts.first {
            try require(
                (1...255).contains(host.count) && host.allSatisfy(HeadModel.isHostByte),
                "accepted Host \(show(host)): \(label)")
        }
    }

    /// What http-parser read is what the scanner checked: the request line and every field, in order.
    private static func checkParsed(_ parsed: ParsedHead, _ model: HeadModel, _ facts: HeadFacts, _ head: [UInt8])
        throws(PropertyViolation)
    {
        let label = show(head)
        let parts = model.startLine.split(separator: 32, omittingEmptySubsequences: false)
        try require(
            Array(parsed.method.utf8) == Array(parts[0]),
            "http-parser read method \(parsed.method.debugDescription): \(label)")
        try require(
            Array(parsed.url.utf8) == Array(parts[1]),
            "http-parser read target \(parsed.url.debugDescription): \(label)")
        try require(
            parsed.versionMinor == facts.versionMinor, "http-parser read HTTP/1.\(parsed.versionMinor): \(label)")
        let names = parsed.headers.map { Array($0.name.utf8) }
        try require(
            names == model.fields.map(\.name), "http-parser read header names \(parsed.headers.map(\.name)): \(label)")
        for (field, expected) in zip(parsed.headers, model.fields) {
            // http-parser keeps trailing blanks inside the value it reports; the field value is without them.
            let value = Array(field.value.utf8)
            let trimmed = Array(value.reversed().drop(while: HeadModel.isBlank).reversed())
            try require(
                trimmed == expected.value,
                "http-parser read \(field.name): \(field.value.debugDescription), "
                    + "the head has \(show(expected.value)): \(label)")
        }
    }

    /// The head written again from what was parsed is accepted with the same facts and fields; so is the request
    /// `HeadWriter` makes for the upstream from the same fields (framing fields replaced by its own).
    private static func checkReserialised(_ parsed: ParsedHead, _ facts: HeadFacts, _ head: [UInt8])
        throws(PropertyViolation)
    {
        var again = Array("\(parsed.method) \(parsed.url) HTTP/1.\(parsed.versionMinor)\r\n".utf8)
        for field in parsed.headers { again += Array("\(field.name): \(field.value)\r\n".utf8) }
        again += [13, 10]
        let revalidated = again.withUnsafeBytes { HeadScanner.validate($0) }
        try require(
            revalidated == .success(facts),
            "re-serialised \(show(again)) gives \(revalidated), the original "
                + "\(facts): \(show(head))")
        let reparsed = try parse(again)
        try require(
            reparsed.headers.elementsEqual(parsed.headers, by: sameField),
            "re-serialised \(show(again)) parses to "
                + "other fields: \(show(head))")

        let framing = ["content-length", "transfer-encoding"]
        let kept = parsed.headers.filter { !framing.contains($0.name.lowercased()) }
        guard kept.contains(where: { $0.name.lowercased() == "host" }) else { return }
        let upstream = HeadWriter.request(
            UpstreamRequest(method: parsed.method, target: parsed.url, headers: kept),
            contentLength: facts.contentLength, chunked: facts.chunked)
        let upstreamFacts = upstream.withUnsafeBytes { HeadScanner.validate($0) }
        guard case .success(let written) = upstreamFacts else {
            throw PropertyViolation("HeadWriter wrote \(show(upstream)), refused: \(upstreamFacts); from \(show(head))")
        }
        try require(
            written.contentLength == facts.contentLength && written.chunked == facts.chunked,
            "HeadWriter wrote \(show(upstream)) with other framing (\(written)): \(show(head))")
        let upstreamParsed = try parse(upstream)
        try require(
            upstreamParsed.headers.prefix(kept.count).elementsEqual(kept, by: sameField)
                && upstreamParsed.method == parsed.method
                && upstreamParsed.url == parsed.url,
            "HeadWriter wrote \(show(upstream)), which parses to other fields: \(show(head))")
    }

    private static func sameField(_ a: (name: String, value: String), _ b: (name: String, value: String)) -> Bool {
        a.name == b.name && a.value == b.value
    }

    private static func parse(_ head: [UInt8]) throws(PropertyViolation) -> ParsedHead {
        let parser = WireParser(isRequest: true)
        parser.reset()
        let consumed = head.withUnsafeBytes { parser.execute($0) }
        try require(consumed == head.count && parser.headComplete, "http-parser refused \(show(head))")
        return parser.head
    }
}
