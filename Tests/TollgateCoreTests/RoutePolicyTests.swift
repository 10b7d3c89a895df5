import Testing

@testable import TollgateCore

@Suite("RoutePolicy")
struct RoutePolicyTests {
    let policy = RoutePolicy(routes: [
        Route(match: .prefix("/healthz"), name: "health", isPublic: true),
        Route(match: .prefix("/admin"), roles: ["admin"]),
        Route(match: .prefix("/api/v1/deploy"), methods: ["POST"], roles: ["deployer"]),
        Route(match: .prefix("/api"), roles: ["reader"]),
        Route(match: .exact("/"), roles: ["reader"]),
    ])

    private func name(_ path: String, _ method: String = "GET") -> String? {
        policy.match(path: path, method: method)?.name
    }

    @Test("prefix matching is segment-aware")
    func segmentAware() {
        #expect(name("/api") == "/api")
        #expect(name("/api/") == "/api")
        #expect(name("/api/x") == "/api")
        #expect(name("/api/x/y") == "/api")
        #expect(name("/apix") == nil)
        #expect(name("/ap") == nil)
        #expect(name("/healthz") == "health")
        #expect(name("/healthzz") == nil)
        #expect(name("/admin/users") == "/admin")
        #expect(name("/administrator") == nil)
    }

    @Test("exact matches one path only")
    func exact() {
        #expect(name("/") == "/")
        #expect(name("/x") == nil)
        let only = RoutePolicy(routes: [Route(match: .exact("/api"), roles: ["r"])])
        #expect(only.match(path: "/api", method: "GET") != nil)
        #expect(only.match(path: "/api/", method: "GET") == nil)
        #expect(only.match(path: "/api/x", method: "GET") == nil)
    }

    @Test("a route whose methods do not fit is skipped and matching goes on")
    func methods() {
        #expect(name("/api/v1/deploy", "POST") == "/api/v1/deploy")
        #expect(name("/api/v1/deploy", "GET") == "/api")
        #expect(name("/api/v1/deploy/x", "POST") == "/api/v1/deploy")
        #expect(name("/api/v1/deployx", "POST") == "/api")
    }

    @Test("methods compare case-insensitively, so a lower-case method cannot skip a stricter route")
    func methodCase() {
        #expect(name("/api/v1/deploy", "post") == "/api/v1/deploy")
        #expect(name("/api/v1/deploy", "Post") == "/api/v1/deploy")
    }

    @Test("HEAD is not implied by GET")
    func headNotImplied() {
        let only = RoutePolicy(routes: [Route(match: .prefix("/"), methods: ["GET"], roles: ["r"])])
        #expect(only.match(path: "/x", method: "GET") != nil)
        #expect(only.match(path: "/x", method: "HEAD") == nil)
    }

    @Test("prefix / matches everything")
    func rootPrefix() {
        let all = RoutePolicy(routes: [Route(match: .prefix("/"), roles: ["r"])])
        for path in ["/", "/a", "/a/b/", "/%41"] {
            #expect(all.match(path: path, method: "DELETE") != nil)
        }
    }

    @Test("a prefix with a trailing slash matches below it but not the bare path")
    func trailingSlashPrefix() {
        let policy = RoutePolicy(routes: [Route(match: .prefix("/api/"), roles: ["r"])])
        #expect(policy.match(path: "/api/", method: "GET") != nil)
        #expect(policy.match(path: "/api/x", method: "GET") != nil)
        #expect(policy.match(path: "/api", method: "GET") == nil)
        #expect(policy.match(path: "/apix", method: "GET") == nil)
    }

    @Test("first match wins; no match means nil")
    func firstMatch() {
        let policy = RoutePolicy(routes: [
            Route(match: .prefix("/a"), name: "first", roles: ["r"]),
            Route(match: .prefix("/a/b"), name: "second", roles: ["r"]),
        ])
        #expect(policy.match(path: "/a/b", method: "GET")?.name == "first")
        #expect(policy.match(path: "/b", method: "GET") == nil)
        #expect(RoutePolicy(routes: []).match(path: "/", method: "GET") == nil)
    }

    @Test("matching is case-sensitive and works on normalised paths")
    func caseSensitive() {
        #expect(name("/API") == nil)
        #expect(name("/Admin") == nil)
    }

    @Test("roles: any-of, roles_all: all-of, both: both; neither: never")
    func satisfaction() {
        let anyOf = Route(match: .prefix("/"), roles: ["a", "b"])
        #expect(anyOf.isSatisfied(by: ["b"]))
        #expect(!anyOf.isSatisfied(by: ["c"]))
        let allOf = Route(match: .prefix("/"), rolesAll: ["a", "b"])
        #expect(allOf.isSatisfied(by: ["a", "b", "c"]))
        #expect(!allOf.isSatisfied(by: ["a"]))
        let both = Route(match: .prefix("/"), roles: ["x", "y"], rolesAll: ["a"])
        #expect(both.isSatisfied(by: ["y", "a"]))
        #expect(!both.isSatisfied(by: ["a"]))
        #expect(!both.isSatisfied(by: ["y"]))
        #expect(!Route(match: .prefix("/")).isSatisfied(by: ["a"]))
        #expect(Route(match: .prefix("/"), isPublic: true).isSatisfied(by: []))
        // The array form the decision engine uses (an identity's sorted roles) agrees with the Set form.
        for route in [anyOf, allOf, both, Route(match: .prefix("/"))] {
            for granted in [[], ["a"], ["b"], ["c"], ["a", "b"], ["a", "b", "c"], ["a", "y"], ["y"]] as [[String]] {
                #expect(route.isSatisfied(byRoles: granted) == route.isSatisfied(by: Set(granted)))
            }
        }
    }
}
