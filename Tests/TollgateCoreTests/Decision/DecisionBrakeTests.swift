import Testing

@testable import TollgateCore

/// The failed-auth brake as the engine applies it (SPEC §5, the 429 row), with the monotonic clock injected.
@Suite("DecisionEngine brake")
struct DecisionBrakeTests {
    private func decide(
        _ target: String, _ credential: Presented, brake: FailedAuthBrake, at clock: Double,
        client: String = DecisionFixture.client
    ) -> Outcome {
        Outcome(
            DecisionEngine.decide(
                DecisionFixture.input("GET", target, credential, client: client),
                DecisionFixture.context(brake: brake, clock: clock)))
    }

    @Test("after `limit` invalid credentials every presented credential gets 429 until the window has passed")
    func limitThenRefused() {
        let brake = FailedAuthBrake(limit: 3, window: 60)
        for second in 0..<3 {
            #expect(
                decide("/admin", .bearer("tok-guess"), brake: brake, at: 1000 + Double(second))
                    == .unauthenticated("/admin", .unknown, invalidToken: true))
        }
        let refused = DecisionEngine.decide(
            DecisionFixture.input("GET", "/admin", .bearer("tok-alice")),
            DecisionFixture.context(brake: brake, clock: 1010))
        guard case .rateLimited(let route, let target, let wait) = refused else {
            Issue.record("expected rateLimited, got \(Outcome(refused))")
            return
        }
        #expect(route.name == "/admin" && target.path == "/admin" && wait == 50)
        #expect(decide("/admin", .bearer("tok-guess"), brake: brake, at: 1010) == .rateLimited("/admin"))
        #expect(decide("/api", .basic("bob", "tok-bob"), brake: brake, at: 1059.5) == .rateLimited("/api"))
        // Not braked: no credential, public routes, no route, bad requests, other clients.
        #expect(
            decide("/admin", .none, brake: brake, at: 1010) == .unauthenticated("/admin", .missing, invalidToken: false)
        )
        #expect(decide("/healthz", .bearer("tok-alice"), brake: brake, at: 1010) == .publicRoute("health"))
        #expect(decide("/nowhere", .bearer("tok-alice"), brake: brake, at: 1010) == .noRoute)
        #expect(decide("/admin%2f", .bearer("tok-alice"), brake: brake, at: 1010) == .badRequest)
        #expect(
            decide("/admin", .bearer("tok-alice"), brake: brake, at: 1010, client: "198.51.100.1")
                == .allow("/admin", account: "alice"))
        // The window began at the first failure.
        #expect(decide("/admin", .bearer("tok-alice"), brake: brake, at: 1060) == .allow("/admin", account: "alice"))
    }

    @Test("malformed credentials count; requests without one do not")
    func malformedCountsMissingDoesNot() {
        let brake = FailedAuthBrake(limit: 2, window: 60)
        for second in 0..<10 {
            #expect(
                decide("/api", .none, brake: brake, at: Double(second))
                    == .unauthenticated("/api", .missing, invalidToken: false))
        }
        let malformed = Presented.raw([Presented.Field(name: "Authorization", value: "Basic !!!")])
        #expect(
            decide("/api", malformed, brake: brake, at: 10) == .unauthenticated("/api", .malformed, invalidToken: false)
        )
        #expect(
            decide("/api", malformed, brake: brake, at: 11) == .unauthenticated("/api", .malformed, invalidToken: false)
        )
        #expect(decide("/api", malformed, brake: brake, at: 12) == .rateLimited("/api"))
        #expect(decide("/api", .bearer("tok-bob"), brake: brake, at: 12) == .rateLimited("/api"))
    }

    @Test("valid credentials never count, whether allowed or forbidden")
    func validDoesNotCount() {
        let brake = FailedAuthBrake(limit: 1, window: 60)
        for second in 0..<5 {
            #expect(
                decide("/admin", .bearer("tok-bob"), brake: brake, at: Double(second))
                    == .forbidden("/admin", account: "bob"))
            #expect(
                decide("/api", .bearer("tok-bob"), brake: brake, at: Double(second)) == .allow("/api", account: "bob"))
        }
        #expect(
            decide("/api", .bearer("tok-x"), brake: brake, at: 5)
                == .unauthenticated("/api", .unknown, invalidToken: true))
        #expect(decide("/api", .bearer("tok-bob"), brake: brake, at: 6) == .rateLimited("/api"))
    }

    @Test("refused requests do not extend the window")
    func refusedDoNotExtend() {
        let brake = FailedAuthBrake(limit: 1, window: 10)
        #expect(
            decide("/api", .bearer("tok-x"), brake: brake, at: 0)
                == .unauthenticated("/api", .unknown, invalidToken: true))
        for clock in [1.0, 5, 9, 9.9] {
            #expect(decide("/api", .bearer("tok-x"), brake: brake, at: clock) == .rateLimited("/api"))
        }
        #expect(decide("/api", .bearer("tok-bob"), brake: brake, at: 10) == .allow("/api", account: "bob"))
    }
}

@Suite("DecisionEngine context")
struct DecisionContextTests {
    @Test("without api_key_header the header is not a credential, and does not make Authorization ambiguous")
    func apiKeyDisabled() {
        let context = DecisionFixture.context(apiKeyHeader: nil)
        let key = Presented.Field(name: "X-Api-Key", value: "tok-bob")
        let onlyKey = DecisionEngine.decide(DecisionFixture.input("GET", "/api", .raw([key])), context)
        #expect(Outcome(onlyKey) == .unauthenticated("/api", .missing, invalidToken: false))
        let both = Presented.raw([key, Presented.Field(name: "Authorization", value: "Bearer tok-bob")])
        #expect(
            Outcome(DecisionEngine.decide(DecisionFixture.input("GET", "/api", both), context))
                == .allow("/api", account: "bob"))
    }

    @Test("expiry is judged at the injected wall-clock time")
    func injectedNow() {
        let later = DecisionFixture.context(now: testNow.addingTimeInterval(2 * 86400))
        let decision = DecisionEngine.decide(DecisionFixture.input("GET", "/admin", .bearer("tok-frank")), later)
        #expect(Outcome(decision) == .unauthenticated("/admin", .expired, invalidToken: true))
    }

    @Test("accessors: route, target and identity only where the decision has them")
    func accessors() {
        let context = DecisionFixture.context()
        let bad = DecisionEngine.decide(DecisionFixture.input("GET", "/a%2fb", .none), context)
        #expect(bad.route == nil && bad.target == nil && bad.identity == nil)
        let unrouted = DecisionEngine.decide(DecisionFixture.input("GET", "/x/./y?q", .none), context)
        #expect(unrouted.route == nil && unrouted.target == NormalizedTarget(path: "/x/y", query: "q"))
        let allowed = DecisionEngine.decide(DecisionFixture.input("GET", "/api?a=1", .bearer("tok-bob")), context)
        #expect(
            allowed.route?.name == "/api" && allowed.target?.target == "/api?a=1" && allowed.identity?.account == "bob")
        let denied = DecisionEngine.decide(DecisionFixture.input("GET", "/admin", .bearer("tok-bob")), context)
        #expect(denied.identity?.tokenID == "bob-1")
    }
}

@Suite("IdentityHeaders")
struct IdentityHeadersTests {
    @Test("user and token id always; groups and roles joined with commas, omitted when empty")
    func build() {
        let names = IdentityHeaderNames(user: "X-User", groups: "X-Groups", roles: "X-Roles", tokenID: "X-Token")
        let carol = Identity(
            account: "carol", tokenID: "carol-1", groups: ["deployers", "ops"], roles: ["deployer", "writer"],
            intent: .api)
        let headers = IdentityHeaders.build(carol, names: names)
        #expect(headers.map(\.name) == ["X-User", "X-Groups", "X-Roles", "X-Token"])
        #expect(headers.map(\.value) == ["carol", "deployers,ops", "deployer,writer", "carol-1"])
        let bare = Identity(account: "solo", tokenID: "t", groups: [], roles: [], intent: .api)
        let minimal = IdentityHeaders.build(bare, names: IdentityHeaderNames())
        #expect(minimal.map(\.name) == ["X-Forwarded-User", "X-Forwarded-Token-Id"])
        #expect(minimal.map(\.value) == ["solo", "t"])
    }
}
