import Yams

/// The nested sections: tls, identity_headers, limits, failed_auth, log, forward_auth.
extension ConfigBuilder {
    mutating func tls(_ field: ConfigField) -> TLSConfig? {
        guard let fields = reader.fields(of: field.value, path: "tls", allowed: ["cert", "key"]) else { return nil }
        var cert: String?
        var key: String?
        for item in fields {
            switch item.key {
            case "cert": cert = filePath(item)
            default: key = filePath(item)
            }
        }
        for name in ["cert", "key"] where !fields.contains(where: { $0.key == name }) {
            reader.fail(field.value, "tls needs '\(name)' (a PEM file path)")
        }
        guard let cert, let key else { return nil }
        return TLSConfig(certPath: cert, keyPath: key)
    }

    mutating func identityHeaders(_ field: ConfigField) -> IdentityHeaderNames {
        var names = IdentityHeaderNames()
        let allowed = ["user", "groups", "roles", "token_id"]
        guard let fields = reader.fields(of: field.value, path: "identity_headers", allowed: allowed) else {
            return names
        }
        for item in fields {
            guard let name = headerName(item) else { continue }
            switch item.key {
            case "user": names.user = name
            case "groups": names.groups = name
            case "roles": names.roles = name
            default: names.tokenID = name
            }
        }
        return names
    }

    mutating func limits(_ field: ConfigField) -> Limits {
        var limits = Limits()
        let allowed = [
            "max_header_bytes", "max_body_bytes", "header_timeout", "idle_timeout", "upstream_connect_timeout",
            "upstream_timeout", "max_connections", "drain_timeout",
        ]
        guard let fields = reader.fields(of: field.value, path: "limits", allowed: allowed) else { return limits }
        for item in fields {
            switch item.key {
            case "max_header_bytes":
                limits.maxHeaderBytes = reader.int(item, in: 1024...Int.max) ?? limits.maxHeaderBytes
            case "max_body_bytes":
                limits.maxBodyBytes = reader.int(item, in: 1...Int.max).map(Int64.init) ?? limits.maxBodyBytes
            case "header_timeout": limits.headerTimeout = reader.duration(item) ?? limits.headerTimeout
            case "idle_timeout": limits.idleTimeout = reader.duration(item) ?? limits.idleTimeout
            case "upstream_connect_timeout":
                limits.upstreamConnectTimeout = reader.duration(item) ?? limits.upstreamConnectTimeout
            case "upstream_timeout": limits.upstreamTimeout = reader.duration(item) ?? limits.upstreamTimeout
            case "max_connections": limits.maxConnections = reader.int(item, in: 1...Int.max) ?? limits.maxConnections
            default: limits.drainTimeout = reader.duration(item, allowZero: true) ?? limits.drainTimeout
            }
        }
        return limits
    }

    mutating func failedAuth(_ field: ConfigField) -> FailedAuthConfig {
        var result = FailedAuthConfig()
        let allowed = ["limit", "window", "max_tracked"]
        guard let fields = reader.fields(of: field.value, path: "failed_auth", allowed: allowed) else {
            return result
        }
        for item in fields {
            switch item.key {
            case "limit": result.limit = reader.int(item, in: 1...Int.max) ?? result.limit
            case "max_tracked": result.maxTracked = reader.int(item, in: 1...100_000_000) ?? result.maxTracked
            default: result.window = reader.duration(item) ?? result.window
            }
        }
        return result
    }

    mutating func log(_ field: ConfigField) -> LogConfig {
        var result = LogConfig()
        guard let fields = reader.fields(of: field.value, path: "log", allowed: ["access", "level"]) else {
            return result
        }
        for item in fields {
            switch item.key {
            case "access": result.access = reader.bool(item) ?? result.access
            default:
                guard let level = reader.string(item) else { continue }
                if LogConfig.levels.contains(level) {
                    result.level = level
                } else {
                    reader.fail(
                        item.value, "log.level '\(level)' is not one of \(LogConfig.levels.joined(separator: ", "))")
                }
            }
        }
        return result
    }

    mutating func forwardAuth(_ field: ConfigField) -> ForwardAuthConfig? {
        guard let fields = reader.fields(of: field.value, path: "forward_auth", allowed: ["listen"]) else { return nil }
        guard let listenField = fields.first else {
            reader.fail(field.value, "forward_auth needs 'listen' (e.g. listen: \"0.0.0.0:8082\")")
            return nil
        }
        return listenAddresses(listenField).map(ForwardAuthConfig.init(listen:))
    }
}
