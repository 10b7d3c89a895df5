import Testing

@testable import TollgateCore

/// A small deterministic generator, so a failure can be replayed.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var value = state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }
}

@Suite("PathNormalizer properties")
struct PathNormalizerPropertyTests {
    /// Pieces that exercise every rule, valid and invalid.
    static let pieces = [
        "/", "/", "/", "//", ".", "..", "...", "a", "b", "api", "%2e", "%2E", "%2e%2e", "%41", "%7e", "%3b", "%3B",
        ";", ";x", "%25", "%2F", "%5c", "%00", "%zz", "%", "~", "-", "_", "%c3%a9", "?", "?a=%2F&b=..", "\\", "#",
        " ", "\t", "%20", ".%2e", "%2e.", "x.y",
    ]

    static func randomTarget(_ generator: inout SplitMix64) -> String {
        var target = "/"
        for _ in 0..<Int.random(in: 0...12, using: &generator) {
            target += pieces.randomElement(using: &generator)!
        }
        return target
    }

    @Test("normalising twice changes nothing, and the output has no dot-segments, empty segments or %2F")
    func idempotentAndClean() throws {
        var generator = SplitMix64(state: 0x7011_6A7E)
        var accepted = 0
        for _ in 0..<5000 {
            let target = Self.randomTarget(&generator)
            guard case .success(let first) = PathNormalizer.normalize(target: target) else { continue }
            accepted += 1
            let again = try PathNormalizer.normalize(target: first.path).get()
            #expect(again.path == first.path, "not idempotent for \(target)")
            #expect(again.query == nil)
            let output = first.path
            #expect(output.hasPrefix("/"), "\(target)")
            for forbidden in ["//", "/./", "/../", "%2F", "%2f", "%5C", "%00", "\\", "?", "#"] {
                #expect(!output.contains(forbidden), "\(target) -> \(output) contains \(forbidden)")
            }
            #expect(!output.hasSuffix("/.") && !output.hasSuffix("/.."), "\(target) -> \(output)")
            // Escapes left in the path use upper-case hex and never encode an unreserved character.
            let bytes = Array(output.utf8)
            for index in bytes.indices where bytes[index] == UInt8(ascii: "%") {
                let hex = String(decoding: bytes[(index + 1)...(index + 2)], as: UTF8.self)
                #expect(hex == hex.uppercased(), "\(output)")
                let value = UInt8(hex, radix: 16)!
                let unreserved = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~".utf8)
                #expect(!unreserved.contains(value), "\(output)")
            }
        }
        #expect(accepted > 500, "the generator should produce enough valid targets")
    }

    @Test("random bytes never crash the normaliser, and accepted paths are clean")
    func randomBytes() {
        var generator = SplitMix64(state: 42)
        for _ in 0..<3000 {
            var bytes: [UInt8] = [UInt8(ascii: "/")]
            for _ in 0..<Int.random(in: 0...24, using: &generator) {
                bytes.append(UInt8.random(in: 0...255, using: &generator))
            }
            let target = String(decoding: bytes, as: UTF8.self)
            if case .success(let result) = PathNormalizer.normalize(target: target) {
                #expect(!result.path.contains("//"))
                #expect(result.path.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7f })
            }
        }
    }
}
