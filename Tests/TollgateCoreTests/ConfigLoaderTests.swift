import Foundation
import Testing

@testable import TollgateCore

@Suite("ConfigLoader: valid files")
struct ConfigLoaderTests {
    @Test("a minimal file gets every documented default")
    func defaults() throws {
        let config = try #require(validConfig(minimalConfig))
        #expect(config.configPath == "/etc/tollgate/tollgate.yaml")
        #expect(config.listen == [ListenAddress(host: "127.0.0.1", port: 8080)])
        #expect(config.upstream == UpstreamTarget(host: "127.0.0.1", port: 8081, hostHeader: "127.0.0.1:8081"))
        #expect(config.workers == nil)
        #expect(config.accountsFile == "")
        #expect(config.syncInterval == 2)
        #expect(config.realm == "tollgate")
        #expect(config.adminListen == nil)
        #expect(config.trustedProxies.isEmpty)
        #expect(config.stateFile == nil)
        #expect(config.tls == nil)
        #expect(config.identityHeaders == IdentityHeaderNames())
        #expect(config.identityHeaders.user == "X-Forwarded-User")
        #expect(config.identityHeaders.tokenID == "X-Forwarded-Token-Id")
        #expect(config.forwardAuthorization == false)
        #expect(config.apiKeyHeader == nil)
        #expect(config.limits == Limits())
        #expect(config.limits.maxHeaderBytes == 16384)
        #expect(config.limits.maxBodyBytes == 16_777_216)
        #expect(config.limits.headerTimeout == 10)
        #expect(config.limits.idleTimeout == 60)
        #expect(config.limits.upstreamConnectTimeout == 2)
        #expect(config.limits.upstreamTimeout == 30)
        #expect(config.limits.drainTimeout == 20)
        #expect(config.limits.maxConnections == 10000)
        #expect(config.failedAuth == FailedAuthConfig(limit: 20, window: 60))
        #expect(config.log == LogConfig(access: true, level: "info"))
        #expect(config.routes.isEmpty)
        #expect(config.forwardAuth == nil)
    }

    @Test("every key is read")
    func everyKey() throws {
        let config = try #require(
            validConfig(
                """
                listen: ["0.0.0.0:8080", "[::]:8080"]
                upstream: "http://backend:9000/"
                workers: 4
                accounts_file: secrets/accounts.yaml
                sync_interval: 500ms
                realm: "internal-api"
                admin_listen: "127.0.0.1:9090"
                trusted_proxies: ["10.0.0.0/8", "fd00::/8", "192.0.2.1"]
                state_file: /var/lib/tollgate/state.json
                tls:
                  cert: tls/tls.crt
                  key: /abs/tls.key
                identity_headers:
                  user: X-User
                  groups: X-Groups
                  roles: X-Roles
                  token_id: X-Token
                forward_authorization: true
                api_key_header: X-Api-Key
                limits:
                  max_header_bytes: 8192
                  max_body_bytes: 1048576
                  header_timeout: 5s
                  idle_timeout: 2m
                  upstream_connect_timeout: 1500ms
                  upstream_timeout: 1h
                  max_connections: 50
                  drain_timeout: 0s
                failed_auth:
                  limit: 5
                  window: 1d
                log:
                  access: false
                  level: debug
                routes:
                  - path: /healthz
                    name: health
                    public: true
                  - exact: /
                    methods: [get, HEAD]
                    roles_all: [reader, "team:a"]
                    roles: [x.y_z-1]
                forward_auth:
                  listen: "0.0.0.0:8082"
                """))
        #expect(config.listen == [ListenAddress(host: "0.0.0.0", port: 8080), ListenAddress(host: "::", port: 8080)])
        #expect(config.upstream == UpstreamTarget(host: "backend", port: 9000, hostHeader: "backend:9000"))
        #expect(config.workers == 4)
        #expect(config.accountsFile == "/etc/tollgate/secrets/accounts.yaml")
        #expect(config.syncInterval == 0.5)
        #expect(config.realm == "internal-api")
        #expect(config.adminListen == ListenAddress(host: "127.0.0.1", port: 9090))
        #expect(config.trustedProxies.map(\.description) == ["10.0.0.0/8", "fd00::/8", "192.0.2.1/32"])
        #expect(config.stateFile == "/var/lib/tollgate/state.json")
        #expect(config.tls == TLSConfig(certPath: "/etc/tollgate/tls/tls.crt", keyPath: "/abs/tls.key"))
        #expect(
            config.identityHeaders
                == IdentityHeaderNames(
                    user: "X-User", groups: "X-Groups", roles: "X-Roles",
                    tokenID: "X-Token"))
        #expect(config.forwardAuthorization)
        #expect(config.apiKeyHeader == "X-Api-Key")
        #expect(
            config.limits
                == Limits(
                    maxHeaderBytes: 8192, maxBodyBytes: 1_048_576, headerTimeout: 5, idleTimeout: 120,
                    upstreamConnectTimeout: 1.5, upstreamTimeout: 3600, drainTimeout: 0, maxConnections: 50))
        #expect(config.failedAuth == FailedAuthConfig(limit: 5, window: 86400))
        #expect(config.log == LogConfig(access: false, level: "debug"))
        #expect(config.routes.count == 2)
        #expect(config.routes[0] == Route(match: .prefix("/healthz"), name: "health", isPublic: true, line: 36))
        #expect(
            config.routes[1]
                == Route(
                    match: .exact("/"), name: "/", methods: ["GET", "HEAD"], roles: ["x.y_z-1"],
                    rolesAll: ["reader", "team:a"], line: 39))
        #expect(config.forwardAuth == ForwardAuthConfig(listen: [ListenAddress(host: "0.0.0.0", port: 8082)]))
        #expect(config.strippedHeaderNames == ["X-User", "X-Groups", "X-Roles", "X-Token"])
    }

    @Test("strippedHeaderNames adds Authorization and the api-key header unless they are forwarded")
    func strippedNames() throws {
        let config = try #require(validConfig(minimalConfig + "\napi_key_header: X-Key"))
        #expect(
            config.strippedHeaderNames == [
                "X-Forwarded-User", "X-Forwarded-Groups", "X-Forwarded-Roles", "X-Forwarded-Token-Id", "Authorization",
                "X-Key",
            ])
    }

    @Test("workers: auto, an empty state_file and a null trusted_proxies")
    func optionalForms() throws {
        let config = try #require(
            validConfig(minimalConfig + "\nworkers: auto\nstate_file: \"\"\ntrusted_proxies:\nrealm: a b c"))
        #expect(config.workers == nil)
        #expect(config.stateFile == nil)
        #expect(config.trustedProxies.isEmpty)
        #expect(config.realm == "a b c")
    }

    @Test("a route name defaults to its path or exact value")
    func routeNames() throws {
        let config = try #require(
            validConfig(minimalConfig + "\nroutes:\n  - path: /api\n    roles: [r]\n  - exact: /x\n    roles: [r]"))
        #expect(config.routes.map(\.name) == ["/api", "/x"])
        #expect(config.routes.map(\.line) == [4, 6])
        #expect(config.routes[0].methods == nil)
    }

    @Test("relative paths resolve against the config's folder; the config path becomes absolute")
    func relativePaths() throws {
        let config = try ConfigLoader.parse(
            yaml: minimalConfig + "\naccounts_file: ../shared/./accounts.yaml", path: "conf/tollgate.yaml"
        ).get()
        let cwd = FileManager.default.currentDirectoryPath
        #expect(config.configPath == cwd + "/conf/tollgate.yaml")
        let parent = URL(fileURLWithPath: cwd).path
        #expect(config.accountsFile == parent + "/shared/accounts.yaml")
    }

    @Test("load reads a file; a missing file is an error naming it")
    func load() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-core-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("tollgate.yaml")
        try (minimalConfig + "\naccounts_file: accounts.yaml\n").write(to: file, atomically: true, encoding: .utf8)
        let config = try ConfigLoader.load(path: file.path).get()
        #expect(config.accountsFile == folder.path + "/accounts.yaml")

        let missing = folder.appendingPathComponent("nope.yaml").path
        guard case .failure(let errors) = ConfigLoader.load(path: missing) else {
            Issue.record("a missing file must fail")
            return
        }
        #expect(errors.errors.count == 1)
        #expect(errors.errors[0].file == missing)
        #expect(errors.description.hasPrefix(missing + ": cannot read"))
    }

    @Test("the documented example conf/tollgate.yaml is valid")
    func documentedExample() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let path = root.appendingPathComponent("conf/tollgate.yaml").path
        let result = ConfigLoader.load(path: path)
        if case .failure(let errors) = result { Issue.record("\(errors)") }
        let config = try result.get()
        #expect(config.listen == [ListenAddress(host: "127.0.0.1", port: 8080)])
        #expect(config.upstream.port == 8081)
        #expect(config.adminListen == ListenAddress(host: "127.0.0.1", port: 9090))
        #expect(config.accountsFile == root.appendingPathComponent("conf/accounts.yaml").path)
        #expect(config.tls == nil)
        #expect(config.apiKeyHeader == "X-Api-Key")
        #expect(config.realm == "internal-api")
        #expect(config.limits == Limits())
        #expect(config.routes.map(\.name) == ["health", "/admin", "/api/v1/deploy", "/api", "/"])
        #expect(config.routes[2].methods == ["POST"])
        #expect(config.routes[4].match == .exact("/"))
        let policy = RoutePolicy(routes: config.routes)
        #expect(policy.match(path: "/api/v1/deploy", method: "GET")?.name == "/api")
        #expect(policy.match(path: "/", method: "GET")?.roles == ["reader"])
    }
}
