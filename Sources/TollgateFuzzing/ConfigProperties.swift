import TollgateCore

/// Properties of `ConfigLoader.parse` over any UTF-8 text (SPEC section 2, STYLE rule 6):
/// - it returns (libFuzzer's `-timeout` catches a hang) without crashing;
/// - a refusal lists at least one error, every error names the file, and every error has a line and column
///   inside the text, except a YAML reader error (a control character or broken encoding) and "the file is
///   empty", which have no position; the errors come in document order;
/// - an accepted config holds only what the loader promises: listeners, distinct unless port 0; an upstream
///   whose Host header value is a valid host; 1-256 workers; durations above 0; limits in range; a realm of
///   printable ASCII without `"` or `\`; identity and api-key header names that are tokens, not managed by
///   tollgate, and distinct; absolute file paths without NUL; routes with normalised paths and valid roles,
///   protected ones with roles; forward_auth only with trusted proxies.
enum ConfigProperties {
    static let path = "/fuzz/conf/tollgate.yaml"

    static func check(_ data: UnsafeRawBufferPointer) throws(PropertyViolation) {
        // `ConfigLoader.load` refuses a file that is not UTF-8 before parsing.
        guard let text = String(validating: data, as: UTF8.self) else { return }
        switch ConfigLoader.parse(yaml: text, path: path) {
        case .failure(let errors):
            try checkErrors(errors, text: text, path: path)
        case .success(let config):
            try checkAccepted(config, text)
        }
    }

    /// Errors: at least one, each with the file, a position unless it is a reader error, in document order.
    static func checkErrors(_ errors: ConfigErrors, text: String, path: String) throws(PropertyViolation) {
        let label = show(text.utf8)
        try require(!errors.errors.isEmpty, "refused without an error: \(label)")
        // Lines a position may name: libyaml counts CR LF, CR, LF, NEL, LS and PS as line breaks, and moves to a
        // new line at the end of the stream (so an error there names the line after the last).
        let lines = lineBreaks(text) + 2
        var last = 0
        for error in errors.errors {
            try require(error.file == path, "error without the file: \(error)")
            try require(!error.message.isEmpty, "error without a message: \(error)")
            guard let line = error.line else {
                try require(isPositionless(error), "error without a line: \(error) in \(label)")
                last = Int.max
                continue
            }
            try require(error.column != nil, "error with a line but no column: \(error) in \(label)")
            try require((1...lines).contains(line), "error line \(line) outside 1...\(lines): \(error) in \(label)")
            try require(line >= last, "errors out of document order: \(errors) in \(label)")
            last = line
        }
    }

    /// Line breaks as libyaml counts them.
    private static func lineBreaks(_ text: String) -> Int {
        var count = 0
        var previous: Unicode.Scalar?
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n" where previous == "\r": break
            case "\n", "\r", "\u{85}", "\u{2028}", "\u{2029}": count += 1
            default: break
            }
            previous = scalar
        }
        return count
    }

    /// The errors that have no position by design: a reader error (no mark) and the empty file.
    private static func isPositionless(_ error: ConfigError) -> Bool {
        error.message.hasPrefix("the file is empty") || readerProblems.contains { error.message.contains($0) }
    }

    /// libyaml's reader (encoding) problems: `yaml_parser_set_reader_error` messages in reader.c.
    static let readerProblems = [
        "control characters are not allowed", "invalid leading UTF-8 octet", "incomplete UTF-8 octet sequence",
        "invalid trailing UTF-8 octet", "invalid length of a UTF-8 sequence", "invalid Unicode character",
        "input stream produced an invalid", "incomplete UTF-16", "unexpected low surrogate area",
        "expected low surrogate area", "input is too long",
    ]

    private static func checkAccepted(_ config: TollgateConfig, _ text: String) throws(PropertyViolation) {
        let label = show(text.utf8)
        try require(!config.listen.isEmpty, "accepted without a listener: \(label)")
        var seen: Set<ListenAddress> = []
        let all = config.listen + (config.adminListen.map { [$0] } ?? []) + (config.forwardAuth?.listen ?? [])
        for address in all where address.port != 0 {
            try require(seen.insert(address).inserted, "accepted \(address) twice: \(label)")
        }
        try require(
            config.forwardAuth == nil || !config.trustedProxies.isEmpty,
            "forward_auth without trusted proxies: \(label)")
        let host = Array(config.upstream.hostHeader.utf8)
        try require(
            !host.isEmpty && host.allSatisfy(HeadModel.isHostByte) && config.upstream.port != 0,
            "accepted upstream \(config.upstream): \(label)")
        if let workers = config.workers { try require((1...256).contains(workers), "workers \(workers): \(label)") }
        let limits = config.limits
        for (name, seconds) in [
            ("sync_interval", config.syncInterval), ("header_timeout", limits.headerTimeout),
            ("idle_timeout", limits.idleTimeout), ("upstream_connect_timeout", limits.upstreamConnectTimeout),
            ("upstream_timeout", limits.upstreamTimeout), ("failed_auth.window", config.failedAuth.window),
        ] {
            try require(seconds > 0 && seconds.isFinite, "\(name) \(seconds): \(label)")
        }
        try require(limits.drainTimeout >= 0 && limits.drainTimeout.isFinite, "drain_timeout: \(label)")
        try require(
            limits.maxHeaderBytes >= 1024 && limits.maxBodyBytes >= 1 && limits.maxConnections >= 1
                && config.failedAuth.limit >= 1, "limits \(limits): \(label)")
        try require(LogConfig.levels.contains(config.log.level), "log level: \(label)")
        let realm = Array(config.realm.utf8)
        try require(
            !realm.isEmpty && realm.allSatisfy { $0 >= 0x20 && $0 < 0x7f && $0 != 34 && $0 != 92 },
            "accepted realm \(config.realm.debugDescription): \(label)")

        let managed: Set<String> = [
            "authorization", "host", "content-length", "transfer-encoding", "expect", "connection", "keep-alive",
            "proxy-connection", "te", "trailer", "upgrade", "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host",
            "x-request-id", "cookie", "content-type",
        ]
        var names: Set<String> = []
        for name in config.identityHeaders.all + (config.apiKeyHeader.map { [$0] } ?? []) {
            let key = String(
                decoding: name.utf8.map { $0 == 95 ? 45 : ($0 >= 65 && $0 <= 90 ? $0 | 0x20 : $0) }, as: UTF8.self)
            try require(
                !name.isEmpty && name.utf8.allSatisfy(HeadModel.isTChar),
                "header name \(name.debugDescription): \(label)")
            try require(!managed.contains(key), "managed header \(name) configured: \(label)")
            try require(names.insert(key).inserted, "header name \(name) used twice: \(label)")
        }
        for file in [
            config.accountsFile, config.stateFile ?? "", config.tls?.certPath ?? "", config.tls?.keyPath ?? "",
        ]
        where !file.isEmpty {
            try require(file.hasPrefix("/") && !file.utf8.contains(0), "file path \(file.debugDescription): \(label)")
        }

        for route in config.routes {
            let path = route.match.value
            try require(
                PathNormalizer.normalize(target: path) == .success(NormalizedTarget(path: path)),
                "route path \(path.debugDescription) is not normalised: \(label)")
            try require(
                route.isPublic || !(route.roles.isEmpty && route.rolesAll.isEmpty),
                "protected route without "
                    + "roles: \(label)")
            try require(
                !(route.isPublic && !(route.roles.isEmpty && route.rolesAll.isEmpty)),
                "public route with "
                    + "roles: \(label)")
            for role in route.roles + route.rolesAll {
                try require(RoleName.isValid(role), "role \(role.debugDescription): \(label)")
            }
            if let methods = route.methods {
                try require(
                    !methods.isEmpty && methods.allSatisfy { HTTPToken.isValid($0) && $0 == $0.uppercased() },
                    "route methods \(methods): \(label)")
            }
            try require(
                !route.name.isEmpty && route.name.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value != 0x7f },
                "route name \(route.name.debugDescription): \(label)")
            try require(route.line >= 1, "route without its line: \(label)")
        }
    }
}
