import Testing

@testable import TollgateCore

@Suite("ConfigLoader: routes")
struct RouteConfigTests {
    private func routeError(_ body: String, sourceLocation: SourceLocation = #_sourceLocation) -> ConfigError? {
        singleError("routes:\n" + body, sourceLocation: sourceLocation)
    }

    @Test(
        "invalid routes",
        arguments: [
            ("  - path: /a\n    exact: /a\n    roles: [r]", "both path and exact"),
            ("  - roles: [r]", "needs path (a prefix) or exact"),
            ("  - path: api\n    roles: [r]", "must start with /"),
            ("  - path: /a\n    public: true\n    roles: [r]", "public and also lists roles"),
            ("  - path: /a\n    public: true\n    roles_all: [r]", "public and also lists roles"),
            ("  - path: /a\n    public: true\n    roles: []", "public and also lists roles"),
            ("  - path: /a", "protected route needs roles or roles_all"),
            ("  - path: /a\n    public: false", "protected route needs roles or roles_all"),
            ("  - path: /a\n    roles: []", "protected route needs roles or roles_all"),
            ("  - path: /a\n    roles: [Admin]", "not a valid role name"),
            ("  - path: /a\n    roles: [\"a b\"]", "not a valid role name"),
            ("  - path: /a\n    roles_all: [\"\(String(repeating: "a", count: 64))\"]", "not a valid role name"),
            ("  - path: /a\n    roles: admin", "must be a list of strings"),
            ("  - path: /a\n    methods: []\n    roles: [r]", "would match nothing"),
            ("  - path: /a\n    methods: [\"GE T\"]\n    roles: [r]", "not an HTTP method"),
            ("  - path: /a\n    methods: GET\n    roles: [r]", "must be a list of strings"),
            ("  - path: /a\n    name: \"\"\n    roles: [r]", "non-empty text"),
            ("  - path: /a\n    name: \"api\\tv1\"\n    roles: [r]", "without control characters"),
            ("  - path: /a\n    name: \"api\\x7f\"\n    roles: [r]", "without control characters"),
            ("  - path: /a\n    name: \"api\\x85\"\n    roles: [r]", "without control characters"),
            ("  - path: /a\n    name: \"api\\u009F\"\n    roles: [r]", "without control characters"),
            ("  - path: /a//b\n    roles: [r]", "write '/a/b'"),
            ("  - path: /a/../b\n    roles: [r]", "write '/b'"),
            ("  - path: /%61\n    roles: [r]", "write '/a'"),
            ("  - path: /a%2Fb\n    roles: [r]", "not a valid path (encodedSlash)"),
            ("  - path: /a?x=1\n    roles: [r]", "must not contain '?'"),
            ("  - exact: /a#b\n    roles: [r]", "not a valid path (fragment)"),
            ("  - path: /a\n    public: \"yes\"", "must be true or false"),
        ])
    func invalid(body: String, expected: String) {
        let error = routeError(body)
        #expect(error?.message.contains(expected) == true, "\(String(describing: error))")
        #expect(error?.line == 4 || error?.line == 5 || error?.line == 6, "\(String(describing: error))")
        #expect(error?.message.contains("routes[0]") == true, "\(String(describing: error))")
    }

    @Test("errors in several routes are all reported")
    func several() {
        let errors = configErrors(
            minimalConfig + "\nroutes:\n  - path: /a\n  - path: /b\n    roles: [r]\n  - exact: c\n    roles: [r]")
        #expect(errors.map(\.line) == [4, 7])
        #expect(errors[0].message.contains("routes[0]"))
        #expect(errors[1].message.contains("routes[2].exact"))
    }

    @Test("methods are upper-cased; a trailing-slash prefix is kept")
    func methodsAndSlash() throws {
        let config = try #require(
            validConfig(minimalConfig + "\nroutes:\n  - path: /api/\n    methods: [get, Post, PATCH]\n    roles: [r]"))
        #expect(config.routes[0].methods == ["GET", "POST", "PATCH"])
        #expect(config.routes[0].match == .prefix("/api/"))
    }
}
