import Testing

@testable import TollgateCore

/// "The path the upstream receives is the path the decision was made on", over random targets.
@Suite("DecisionEngine properties")
struct DecisionPropertyTests {
    /// Segments that exercise routes, dot-segments (raw and encoded), parameters and escapes.
    static let segments = [
        "a", "api", "admin", ".", "..", "%2e", "%2E%2e", "", ";x", "%41", "healthz", "v1", "deploy", "ops",
        "reports", "%61pi", ".%2e", "..;", "%2f", "%3b", "ADMIN", "x",
    ]
    static let routeHeads = ["api", "admin", "healthz", "ops", "reports"]
    static let queries = ["", "?", "?/admin", "?a=%2F&b=..", "?x=/healthz"]
    static let methods = ["GET", "POST", "HEAD", "PUT"]
    static let credentials: [Presented] = [
        .none, .bearer("tok-alice"), .bearer("tok-bob"), .bearer("tok-carol"), .bearer("tok-dave"), .bearer("tok-x"),
    ]

    static func randomTarget(_ generator: inout SplitMix64) -> String {
        let count = Int.random(in: 0...6, using: &generator)
        var path = (0..<count).map { _ in segments.randomElement(using: &generator)! }
        // Half the targets start inside a route, so enough of them are decided past the route match.
        if Bool.random(using: &generator) { path.insert(routeHeads.randomElement(using: &generator)!, at: 0) }
        return "/" + path.joined(separator: "/") + queries.randomElement(using: &generator)!
    }

    @Test("a forwarded decision carries the normaliser's path, which matches its route again and is a fixed point")
    func judgedPathIsForwardedPath() throws {
        var generator = SplitMix64(state: 0xDEC1_5104)
        // One brake that never trips, so guesses do not turn later iterations into 429s.
        let context = DecisionFixture.context(brake: FailedAuthBrake(limit: Int.max, window: 60))
        var forwarded = 0
        var kinds: Set<String> = []
        for _ in 0..<5000 {
            let target = Self.randomTarget(&generator)
            let method = Self.methods.randomElement(using: &generator)!
            let credential = Self.credentials.randomElement(using: &generator)!
            let decision = DecisionEngine.decide(DecisionFixture.input(method, target, credential), context)
            kinds.insert(String(describing: Outcome(decision)).prefix { $0 != "(" }.description)
            let judged: (Route, NormalizedTarget)
            switch decision {
            case .publicRoute(let route, let t), .allow(let route, let t, _): judged = (route, t)
            default: continue
            }
            forwarded += 1
            let (route, normalized) = judged
            #expect(PathNormalizer.normalize(target: target) == .success(normalized), "\(target)")
            #expect(DecisionFixture.routes.match(path: normalized.path, method: method) == route, "\(target)")
            let again = try PathNormalizer.normalize(target: normalized.path).get()
            #expect(again.path == normalized.path && again.query == nil, "\(target)")
            // Deciding again on exactly what is forwarded (path and query) gives the same decision.
            let replay = DecisionEngine.decide(DecisionFixture.input(method, normalized.target, credential), context)
            #expect(Outcome(replay) == Outcome(decision), "\(target) -> \(normalized.target)")
        }
        #expect(forwarded > 600, "only \(forwarded) forwarded decisions: the generator is too narrow")
        #expect(
            kinds.isSuperset(of: ["badRequest", "noRoute", "publicRoute", "unauthenticated", "forbidden", "allow"]))
    }
}
