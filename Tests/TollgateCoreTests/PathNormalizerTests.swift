import Testing

@testable import TollgateCore

/// Normalised path of `target`, or nil when refused.
private func path(_ target: String) -> String? {
    try? PathNormalizer.normalize(target: target).get().path
}

/// The error for `target`, or nil when accepted.
private func failure(_ target: String) -> PathError? {
    if case .failure(let error) = PathNormalizer.normalize(target: target) { return error }
    return nil
}

@Suite("PathNormalizer")
struct PathNormalizerTests {
    @Test("plain paths are unchanged", arguments: ["/", "/a", "/a/b", "/api/", "/a-b_c.d~e", "/caf%C3%A9"])
    func plain(target: String) {
        #expect(path(target) == target)
    }

    @Test("dot-segments resolve before matching (Envoy CVE-2019-9901)")
    func dotSegments() {
        #expect(path("/info/../private") == "/private")
        #expect(path("/./admin") == "/admin")
        #expect(path("/a/./b") == "/a/b")
        #expect(path("/a/b/../c") == "/a/c")
        #expect(path("/a/b/..") == "/a/")
        #expect(path("/a/.") == "/a/")
        #expect(path("/a/..") == "/")
        #expect(path("/.") == "/")
        #expect(path("/a/b/../../c/") == "/c/")
        #expect(path("/...") == "/...")
        #expect(path("/a/.../b") == "/a/.../b")
        #expect(path("/.hidden") == "/.hidden")
        #expect(path("/..a/b") == "/..a/b")
    }

    @Test("climbing above the root is refused")
    func aboveRoot() {
        #expect(failure("/..") == .aboveRoot)
        #expect(failure("/../admin") == .aboveRoot)
        #expect(failure("/a/../../admin") == .aboveRoot)
        #expect(failure("/%2e%2e/admin") == .aboveRoot)
        #expect(failure("/a/%2E%2e/%2e./x") == .aboveRoot)
    }

    @Test("encoded dots are decoded before dot-segments resolve (traefik#11746)")
    func encodedDots() {
        #expect(path("/a/%2e%2e/admin") == "/admin")
        #expect(path("/a/%2E%2e/admin") == "/admin")
        #expect(path("/x/%2E%2e/") == "/")
        #expect(path("/a/%2e/b") == "/a/b")
        #expect(path("/a/.%2e/b") == "/b")
        #expect(path("/public/%2e%2e/admin") == "/admin")
    }

    @Test("encoded slash, backslash and NUL are refused (Envoy CVE-2021-29492, libevent#1904)")
    func encodedSeparators() {
        #expect(failure("/public%2Fadmin") == .encodedSlash)
        #expect(failure("/public%2fadmin") == .encodedSlash)
        #expect(failure("/a/..%2F..%2Fadmin") == .encodedSlash)
        #expect(failure("/public%5Cadmin") == .encodedBackslash)
        #expect(failure("/public%5cadmin") == .encodedBackslash)
        #expect(failure("/admin%00.json") == .nul)
        #expect(failure("/a\\b") == .rawBackslash)
        #expect(failure("/..\\admin") == .rawBackslash)
    }

    @Test("Tomcat-style dot-segments with parameters are refused")
    func dotParameters() {
        #expect(failure("/public/..;/admin") == .dotSegmentWithParameters)
        #expect(failure("/public/..;x/admin") == .dotSegmentWithParameters)
        #expect(failure("/public/.;/admin") == .dotSegmentWithParameters)
        #expect(failure("/public/..;") == .dotSegmentWithParameters)
        #expect(failure("/public/%2e%2e;/admin") == .dotSegmentWithParameters)
        #expect(failure("/public/..%3B/admin") == .dotSegmentWithParameters)
        #expect(failure("/public/..%3b/admin") == .dotSegmentWithParameters)
        #expect(failure("/public/.%3bx/admin") == .dotSegmentWithParameters)
    }

    @Test("other semicolons stay as they are")
    func semicolons() {
        #expect(path("/admin;jsessionid=1") == "/admin;jsessionid=1")
        #expect(path("/a;b/c") == "/a;b/c")
        #expect(path("/...;x") == "/...;x")
        #expect(path("/a%3bb") == "/a%3Bb")
        #expect(path("/a%3Bb") == "/a%3Bb")
    }

    @Test("only unreserved characters are decoded; other escapes keep upper-case hex")
    func percentDecoding() {
        #expect(path("/%41") == "/A")
        #expect(path("/%61%62c") == "/abc")
        #expect(path("/%7e") == "/~")
        #expect(path("/%7E") == "/~")
        #expect(path("/%2d%2E%5f%30") == "/-._0")
        #expect(path("/a%20b") == "/a%20b")
        #expect(path("/%3f") == "/%3F")
        #expect(path("/%25") == "/%25")
        #expect(path("/%2541") == "/%2541")
        #expect(path("/%c3%a9") == "/%C3%A9")
        #expect(path("/%0a") == "/%0A")
        #expect(path("/%23") == "/%23")
        #expect(path("/a%3b") == path("/a%3B"))
    }

    @Test("broken escapes are refused", arguments: ["/%", "/%4", "/%zz", "/%4g", "/a%2", "/a%/b", "/a%2?x=1", "/%%41"])
    func invalidEscapes(target: String) {
        #expect(failure(target) == .invalidEscape)
    }

    @Test("duplicate slashes merge")
    func slashes() {
        #expect(path("//admin") == "/admin")
        #expect(path("///a//b///") == "/a/b/")
        #expect(path("//") == "/")
        #expect(path("/a//../b") == "/b")
    }

    @Test("fragments are refused anywhere (Envoy CVE-2021-32779)")
    func fragments() {
        #expect(failure("/public#/../admin") == .fragment)
        #expect(failure("/a#") == .fragment)
        #expect(failure("/a?x=1#y") == .fragment)
    }

    @Test("only origin-form targets are accepted")
    func originForm() {
        #expect(failure("*") == .notOriginForm)
        #expect(failure("http://x/y") == .notOriginForm)
        #expect(failure("x/y") == .notOriginForm)
        #expect(failure("?a=1") == .notOriginForm)
        #expect(failure("") == .empty)
    }

    @Test(
        "control, space and non-ASCII bytes are refused",
        arguments: ["/a\tb", "/a b", "/a\u{7f}", "/a\u{80}", "/é", "/a\u{0}", "/a\r\n", "/a?q=\t", "/a?q= ", "/a?é"])
    func forbiddenBytes(target: String) {
        #expect(failure(target) == .controlOrNonASCII)
    }

    @Test("the query is kept byte for byte and never normalised")
    func query() throws {
        let result = try PathNormalizer.normalize(target: "/a/../b?a=%2F&b=..&c=%2e%2E&d=\\&e=/../x?y").get()
        #expect(result.path == "/b")
        #expect(result.query == "a=%2F&b=..&c=%2e%2E&d=\\&e=/../x?y")
        #expect(result.target == "/b?a=%2F&b=..&c=%2e%2E&d=\\&e=/../x?y")
        #expect(try PathNormalizer.normalize(target: "/a?").get() == NormalizedTarget(path: "/a", query: ""))
        #expect(try PathNormalizer.normalize(target: "/a").get() == NormalizedTarget(path: "/a", query: nil))
        #expect(try PathNormalizer.normalize(target: "/?%zz").get() == NormalizedTarget(path: "/", query: "%zz"))
    }

    @Test("a path that is not a native contiguous string normalises the same way")
    func bridgedString() {
        let pieces = ["/a", "/./", "%41", "/..", "/b"]
        #expect(path(pieces.joined()) == "/a/b")
    }
}
