/// The configured routes as an immutable value: which route, if any, governs a request (SPEC section 2).
///
/// Paths given to `match` must already be normalised by `PathNormalizer`; the loader guarantees route paths
/// are normalised too, so both sides compare byte for byte. Thread-safe: a value that is never mutated.
public struct RoutePolicy: Sendable {
    /// The routes in file order.
    public let routes: [Route]

    /// Wraps the routes; order matters, the first match wins.
    public init(routes: [Route]) {
        self.routes = routes
    }

    /// The first route whose path rule and methods fit the request, or nil (which means: deny).
    ///
    /// - `prefix("/api")` matches `/api`, `/api/` and `/api/x`, never `/apix`; `prefix("/api/")` matches
    ///   `/api/` and `/api/x` but not `/api`; `prefix("/")` matches every path.
    /// - `exact` matches its one path only (`/api` is not `/api/`).
    /// - A route whose `methods` do not include the request's method is skipped and matching goes on.
    ///   `HEAD` is not implied by `GET`: list it when it should be allowed.
    /// - Methods compare case-insensitively. A `post` must not skip a `[POST]` route and fall through to a
    ///   laxer one when the upstream treats methods case-insensitively.
    public func match(path: String, method: String) -> Route? {
        var upperMethod: String?
        for route in routes {
            if let methods = route.methods {
                let wanted = upperMethod ?? method.uppercased()
                upperMethod = wanted
                guard methods.contains(wanted) else { continue }
            }
            if RoutePolicy.matches(route.match, path: path) { return route }
        }
        return nil
    }

    /// True when `rule` selects `path`. Byte comparisons on the Strings' storage, read in place.
    public static func matches(_ rule: RouteMatch, path: String) -> Bool {
        switch rule {
        case .exact(let value):
            return HeaderName.withBytes(path) { a in HeaderName.withBytes(value) { b in a.elementsEqual(b) } }
        case .prefix(let prefix):
            return HeaderName.withBytes(path) { pathBytes in
                HeaderName.withBytes(prefix) { prefixBytes in
                    guard pathBytes.count >= prefixBytes.count else { return false }
                    for i in 0..<prefixBytes.count where pathBytes[i] != prefixBytes[i] { return false }
                    if prefixBytes.last == UInt8(ascii: "/") || pathBytes.count == prefixBytes.count { return true }
                    // Segment boundary: the next byte after the prefix must start a new segment.
                    return pathBytes[prefixBytes.count] == UInt8(ascii: "/")
                }
            }
        }
    }
}
