import Yams

/// Builds a `TollgateConfig` from a composed YAML tree, one section at a time, collecting every error.
struct ConfigBuilder {
    /// Top-level keys, in the order of the documented example.
    static let topLevelKeys = [
        "listen", "upstream", "workers", "accounts_file", "sync_interval", "realm", "admin_listen",
        "trusted_proxies", "state_file", "tls", "identity_headers", "forward_authorization", "api_key_header",
        "limits", "failed_auth", "log", "routes", "forward_auth",
    ]

    var reader: ConfigReader
    /// Absolute path of the config file.
    let configPath: String
    /// Its folder, against which relative paths resolve.
    let directory: String
    /// Every listener address with its node, to catch one port used twice.
    var listeners: [(address: ListenAddress, node: Node)] = []

    init(path: String) {
        reader = ConfigReader(file: path)
        configPath = FilePath.absolute(path, relativeTo: FilePath.currentDirectory)
        directory = FilePath.directory(of: configPath)
    }

    /// The config, or nil when a required part is missing or broken (errors are in `reader`).
    mutating func build(_ root: Node) -> TollgateConfig? {
        guard let fields = reader.fields(of: root, path: "", allowed: Self.topLevelKeys) else { return nil }
        var listen: [ListenAddress]?
        var upstream: UpstreamTarget?
        var config = TollgateConfig(
            configPath: configPath, listen: [], upstream: UpstreamTarget(host: "", port: 0, hostHeader: ""))
        var apiKeyField: ConfigField?
        var identityField: ConfigField?
        var forwardAuthField: ConfigField?
        for field in fields {
            switch field.key {
            case "listen": listen = listenAddresses(field)
            case "upstream": upstream = upstreamTarget(field)
            case "workers": config.workers = workers(field)
            case "accounts_file": config.accountsFile = filePath(field) ?? ""
            case "sync_interval": config.syncInterval = reader.duration(field) ?? config.syncInterval
            case "realm": config.realm = realm(field) ?? config.realm
            case "admin_listen": config.adminListen = listenAddresses(field, single: true)?.first
            case "trusted_proxies": config.trustedProxies = trustedProxies(field)
            case "state_file": config.stateFile = stateFile(field)
            case "tls": config.tls = tls(field)
            case "identity_headers":
                identityField = field
                config.identityHeaders = identityHeaders(field)
            case "forward_authorization":
                config.forwardAuthorization = reader.bool(field) ?? config.forwardAuthorization
            case "api_key_header":
                apiKeyField = field
                config.apiKeyHeader = headerName(field)
            case "limits": config.limits = limits(field)
            case "failed_auth": config.failedAuth = failedAuth(field)
            case "log": config.log = log(field)
            case "routes": config.routes = routes(field)
            case "forward_auth":
                forwardAuthField = field
                config.forwardAuth = forwardAuth(field)
            default: break  // `fields(of:)` already rejected unknown keys
            }
        }

        if listen == nil && !fields.contains(where: { $0.key == "listen" }) {
            reader.fail(root, "missing required key 'listen' (e.g. listen: \"0.0.0.0:8080\")")
        }
        if upstream == nil && !fields.contains(where: { $0.key == "upstream" }) {
            reader.fail(root, "missing required key 'upstream' (e.g. upstream: \"http://127.0.0.1:8081\")")
        }
        if let forwardAuthField, config.trustedProxies.isEmpty {
            reader.fail(
                forwardAuthField.keyNode,
                "forward_auth needs trusted_proxies: the path to judge is only "
                    + "taken from a trusted proxy's headers")
        }
        if let apiKeyField, let apiKey = config.apiKeyHeader {
            let key = HeaderName.key(apiKey)
            if config.identityHeaders.all.contains(where: { HeaderName.key($0) == key }) {
                reader.fail(apiKeyField.value, "api_key_header '\(apiKey)' is also an identity header name")
            }
        }
        if let identityField {
            checkDistinct(config.identityHeaders, field: identityField)
        }
        checkListenersDistinct()

        guard let listen, let upstream else { return nil }
        config.listen = listen
        config.upstream = upstream
        return config
    }

    /// Reports two listeners on the same address (port 0 excepted: the system picks a different port each time).
    private mutating func checkListenersDistinct() {
        var seen: [ListenAddress: Node] = [:]
        for (address, node) in listeners where address.port != 0 {
            if let first = seen[address] {
                let line = first.mark.map { " (first at line \($0.line))" } ?? ""
                reader.fail(node, "address \(address) is used by two listeners\(line)")
            } else {
                seen[address] = node
            }
        }
    }

    private mutating func checkDistinct(_ names: IdentityHeaderNames, field: ConfigField) {
        var seen: Set<String> = []
        for name in names.all where !seen.insert(HeaderName.key(name)).inserted {
            reader.fail(field.value, "identity_headers: '\(name)' is used for two identity headers")
        }
    }
}
