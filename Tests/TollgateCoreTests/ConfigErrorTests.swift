import Testing

@testable import TollgateCore

@Suite("ConfigLoader: errors")
struct ConfigErrorTests {
    @Test("every error is reported, each with file, line and column")
    func collectsAll() {
        let errors = configErrors(
            """
            listen: "127.0.0.1:8080"
            upstream: "http://127.0.0.1:8081"
            listne: "0.0.0.0:1"
            limits:
              max_header_bytes: 100
              header_timeout: 10
              idle_timout: 5s
            log:
              level: verbose
            sync_interval: 2 s
            """)
        #expect(errors.map(\.line) == [3, 5, 6, 7, 9, 10])
        #expect(errors.allSatisfy { $0.file == "/etc/tollgate/tollgate.yaml" && $0.column != nil })
        #expect(errors[0].message.contains("unknown key 'listne'"))
        #expect(errors[0].message.contains("allowed: listen, upstream"))
        #expect(errors[0].description.hasPrefix("/etc/tollgate/tollgate.yaml:3:1: unknown key 'listne'"))
        #expect(errors[1].message.contains("at least 1024"))
        #expect(errors[2].message.contains("add a unit, e.g. 10s"))
        #expect(errors[3].message.contains("unknown key 'idle_timout' in limits"))
        #expect(errors[4].message.contains("'verbose' is not one of trace, debug, info"))
        #expect(errors[5].message.contains("not a duration"))
    }

    @Test("ConfigErrors prints one error per line; ConfigError omits unknown parts")
    func descriptions() {
        let errors = ConfigErrors(errors: [
            ConfigError(file: "a.yaml", line: 3, column: 7, message: "x"),
            ConfigError(file: "a.yaml", line: 4, message: "y"),
            ConfigError(file: "a.yaml", message: "z"),
        ])
        #expect(errors.description == "a.yaml:3:7: x\na.yaml:4: y\na.yaml: z")
    }

    @Test("listen and upstream are required")
    func required() {
        let errors = configErrors("realm: x")
        #expect(errors.count == 2)
        #expect(errors.contains { $0.message.contains("missing required key 'listen'") })
        #expect(errors.contains { $0.message.contains("missing required key 'upstream'") })
        #expect(errors.allSatisfy { $0.line == 1 })
    }

    @Test("empty files, non-mappings and broken YAML are errors with a position")
    func badDocuments() {
        #expect(configErrors("").first?.message.contains("empty") == true)
        #expect(configErrors("# only a comment\n").first?.message.contains("empty") == true)
        #expect(configErrors("- a\n- b").first?.message.contains("must be a mapping") == true)
        let broken = configErrors("listen: \"a\nupstream: [")
        #expect(broken.count == 1)
        #expect(broken.first?.message.hasPrefix("invalid YAML") == true)
        #expect(broken.first?.line != nil)
    }

    @Test("duplicate keys are an error with the line")
    func duplicateKeys() {
        let errors = configErrors(minimalConfig + "\nrealm: a\nrealm: b")
        #expect(errors.count == 1)
        #expect(errors.first?.message.contains("duplicate key 'realm'") == true)
        #expect(errors.first?.line == 3)
        let nested = configErrors(minimalConfig + "\nlimits:\n  idle_timeout: 1s\n  idle_timeout: 2s")
        #expect(nested.first?.message.contains("duplicate key 'idle_timeout'") == true)
    }

    @Test(
        "unknown keys in every section name the key and the allowed ones",
        arguments: [
            ("limits:\n  max_conections: 5", "max_conections", "max_header_bytes"),
            ("tls:\n  cert: a\n  key: b\n  ca: c", "ca", "cert, key"),
            ("identity_headers:\n  email: X-Email", "email", "user, groups, roles, token_id"),
            ("failed_auth:\n  limits: 5", "limits", "limit, window"),
            ("log:\n  format: json", "format", "access, level"),
            ("routes:\n  - path: /a\n    role: [r]", "role", "path, exact, name, methods, public, roles, roles_all"),
            ("trusted_proxies: [10.0.0.0/8]\nforward_auth:\n  listen: \"0.0.0.0:1\"\n  port: 2", "port", "listen"),
            ("skip_auth: true", "skip_auth", "listen, upstream"),
        ])
    func unknownKeys(yaml: String, key: String, allowed: String) {
        let error = singleError(yaml)
        #expect(error?.message.contains("unknown key '\(key)'") == true, "\(String(describing: error))")
        #expect(error?.message.contains(allowed) == true, "\(String(describing: error))")
    }

    @Test(
        "values of the wrong type",
        arguments: [
            ("realm: [a, b]", "must be a string, got a list"),
            ("realm: {a: b}", "must be a string, got a mapping"),
            ("realm:", "needs a value"),
            ("forward_authorization: \"true\"", "must be true or false"),
            ("forward_authorization: 1", "must be true or false"),
            ("limits: 5", "limits must be a mapping"),
            ("limits:\n  max_connections: ten", "must be a whole number"),
            ("limits:\n  max_connections: 1.5", "must be a whole number"),
            ("limits:\n  max_connections: 0", "must be at least 1"),
            ("limits:\n  max_body_bytes: -1", "must be at least 1"),
            ("limits:\n  max_body_bytes: 99999999999999999999999", "too large"),
            ("limits:\n  header_timeout: [1s]", "must be a duration"),
            ("limits:\n  header_timeout: 0s", "more than 0"),
            ("limits:\n  drain_timeout: -1s", "not a duration"),
            ("routes: {path: /}", "routes must be a list"),
            ("routes:\n  - /api", "must be a mapping"),
            ("trusted_proxies: 10.0.0.0/8", "must be a list of strings"),
            ("trusted_proxies: [[10.0.0.0/8]]", "must be a string, got a list"),
            ("admin_listen: [\"127.0.0.1:9090\"]", "must be a string"),
            ("log:\n  access: yes please", "must be true or false"),
            ("sync_interval: 0s", "more than 0"),
            ("failed_auth:\n  window: 60", "add a unit"),
            ("failed_auth:\n  limit: 0", "at least 1"),
            ("1: x", "unknown key '1'"),
            ("[a]: x", "keys must be plain names"),
        ])
    func wrongTypes(yaml: String, expected: String) {
        let error = singleError(yaml)
        #expect(error?.message.contains(expected) == true, "\(String(describing: error))")
        #expect(error?.line != nil)
    }

    @Test(
        "invalid values",
        arguments: [
            ("workers: 0", "1...256"),
            ("workers: 257", "1...256"),
            ("workers: many", "auto or a number"),
            ("workers: \"4\"", "auto or a number"),
            ("realm: 'say \"hi\"'", "realm must be"),
            ("realm: \"a\\tb\"", "realm must be"),
            ("realm: 'a\\b'", "realm must be"),
            ("realm: ''", "realm must be"),
            ("admin_listen: \"9090\"", "needs a port"),
            ("trusted_proxies: [\"10.0.0.0/33\"]", "not an IP address or CIDR"),
            ("trusted_proxies: [\"internal\"]", "not an IP address or CIDR"),
            ("accounts_file: \"\"", "must not be empty"),
            ("api_key_header: \"X Api Key\"", "not a valid header name"),
            ("api_key_header: Authorization", "tollgate manages itself"),
            ("api_key_header: authorization", "tollgate manages itself"),
            ("api_key_header: X-Forwarded-For", "tollgate manages itself"),
            ("api_key_header: x_forwarded_user", "also an identity header"),
            ("api_key_header: X-Forwarded-Roles", "also an identity header"),
            ("identity_headers:\n  user: \"X User\"", "not a valid header name"),
            ("identity_headers:\n  user: Host", "tollgate manages itself"),
            ("identity_headers:\n  user: X-Id\n  groups: x_id", "used for two identity headers"),
            ("tls:\n  cert: a.crt", "tls needs 'key'"),
            ("tls:", "tls must be a mapping"),
            ("log:\n  level: INFO", "not one of"),
            ("forward_auth:\n  listen: \"0.0.0.0:8082\"", "forward_auth needs trusted_proxies"),
            ("trusted_proxies: [10.0.0.0/8]\nforward_auth: {}", "forward_auth needs 'listen'"),
            ("admin_listen: \"127.0.0.1:8080\"", "used by two listeners"),
            ("listen: [\"127.0.0.1:1\", \"127.0.0.1:1\"]", "used by two listeners"),
        ])
    func invalidValues(yaml: String, expected: String) {
        let base = yaml.hasPrefix("listen:") ? "upstream: \"http://127.0.0.1:8081\"\n" : minimalConfig + "\n"
        let errors = configErrors(base + yaml)
        #expect(errors.count == 1, "\(errors)")
        #expect(errors.first?.message.contains(expected) == true, "\(errors)")
    }

    @Test(
        "bad listen and upstream values",
        arguments: [
            ("listen: \"::1:8080\"", "brackets"),
            ("listen: []", "at least one address"),
            ("listen: 8080", "needs a port"),
            ("listen: {a: b}", "a string or a list of strings"),
            ("upstream: \"https://127.0.0.1:8443\"", "https upstreams are not supported yet"),
            ("upstream: \"http://127.0.0.1:8081/api\"", "must not have a path"),
            ("upstream: \"127.0.0.1:8081\"", "must be a URL"),
        ])
    func badAddresses(yaml: String, expected: String) {
        let other = yaml.hasPrefix("listen") ? "upstream: \"http://127.0.0.1:8081\"" : "listen: \"127.0.0.1:8080\""
        let errors = configErrors(other + "\n" + yaml)
        #expect(errors.count == 1, "\(errors)")
        #expect(errors.first?.message.contains(expected) == true, "\(errors)")
        #expect(errors.first?.line == 2)
    }

    @Test("port 0 may repeat: the system picks a free port each time")
    func portZero() {
        #expect(validConfig("listen: [\"127.0.0.1:0\"]\nupstream: \"http://h\"\nadmin_listen: \"127.0.0.1:0\"") != nil)
    }
}
