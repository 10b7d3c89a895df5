import Foundation
import Testing

@testable import TollgateCore

@Suite("Credential.parse")
struct CredentialTests {
    @Test("b64token bytes are exactly RFC 6750's set: ALPHA / DIGIT / - . _ ~ + /")
    func b64TokenBytes() {
        let extra = Set("-._~+/".utf8)
        for value in 0...255 {
            let byte = UInt8(value)
            let grammar = (0x41...0x5a).contains(byte) || (0x61...0x7a).contains(byte)
                || (0x30...0x39).contains(byte) || extra.contains(byte)
            #expect(Credential.isB64TokenByte(byte) == grammar, "byte \(value)")
        }
    }

    private func b64(_ text: String) -> String {
        Data(text.utf8).base64EncodedString()
    }

    private func parse(_ authorization: [String], apiKey: [String]? = nil) -> CredentialParse {
        Credential.parse(authorization: authorization, apiKey: apiKey)
    }

    private func expectBasic(
        _ value: String, _ account: String, _ secret: String, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        guard case .credential(.basic(let name, let presented)) = parse([value]) else {
            Issue.record("not Basic: \(value)", sourceLocation: sourceLocation)
            return
        }
        #expect(name == account, sourceLocation: sourceLocation)
        #expect(presented.bytes == Array(secret.utf8), sourceLocation: sourceLocation)
    }

    private func expectBearer(
        _ result: CredentialParse, _ secret: String, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        guard case .credential(.bearer(let presented)) = result else {
            Issue.record("not Bearer: \(result)", sourceLocation: sourceLocation)
            return
        }
        #expect(presented.bytes == Array(secret.utf8), sourceLocation: sourceLocation)
    }

    private func isMalformed(_ result: CredentialParse) -> Bool {
        if case .malformed = result { return true }
        return false
    }

    @Test("nothing presented")
    func none() {
        guard case .none = parse([]) else {
            Issue.record("expected none")
            return
        }
        guard case .none = parse([], apiKey: []) else {
            Issue.record("expected none")
            return
        }
    }

    @Test("Basic: scheme in any case, SP or HTAB runs, surrounding OWS; the secret may contain colons")
    func basicValid() {
        expectBasic("Basic \(b64("ci-bot:tok"))", "ci-bot", "tok")
        expectBasic("basic \(b64("ci-bot:tok"))", "ci-bot", "tok")
        expectBasic("BASIC \(b64("ci-bot:tok"))", "ci-bot", "tok")
        expectBasic("Basic \t  \(b64("ci-bot:tok"))", "ci-bot", "tok")
        expectBasic("Basic\t\(b64("ci-bot:tok"))", "ci-bot", "tok")
        expectBasic("  Basic \(b64("ci-bot:tok"))  ", "ci-bot", "tok")
        expectBasic("Basic \(b64("a:b:c:"))", "a", "b:c:")
        expectBasic("Basic \(b64("Jürgen:pässwörd"))", "Jürgen", "pässwörd")
        // Padding variants: 0, 1 and 2 '=' all decode.
        expectBasic("Basic \(b64("ab:cd"))", "ab", "cd")  // 5 bytes: one '='
        expectBasic("Basic \(b64("ab:c"))", "ab", "c")  // 4 bytes: two '='
        expectBasic("Basic \(b64("ab:cde"))", "ab", "cde")  // 6 bytes: none
    }

    @Test(
        "Basic: malformed",
        arguments: [
            "Basic",  // no value
            "Basic ",  // no value (trailing OWS trimmed)
            "Basic\(Data("a:b".utf8).base64EncodedString())",  // no separator
            "Basic !!!!",  // not base64
            "Basic YTpi=",  // bad length
            "Basic YWI6Yw",  // missing padding
            "Basic YWI6Yw=",  // short padding
            "Basic YWI6Yw===",  // too much padding
            "Basic YW=6YwI=",  // '=' inside
            "Basic YWI6Yx==",  // non-zero unused bits
            "Basic YWI6 Yw==",  // space inside the value
            "Basic YWJj",  // "abc": no colon
            "Basic OnNlY3JldA==",  // ":secret": empty name
            "Basic YTo=",  // "a:": empty secret
            "Basic Og==",  // ":" only
            "Basic YQphOmI=",  // "a\na:b": control character in the name
            "Basic YTpiCg==",  // "a:b\n": control character in the secret
            "Basic /zpi",  // 0xFF ":b": name not UTF-8
            "Basic-x YTpi",
            "Digest YTpi",  // other scheme
            "",  // empty header
            "   ",
            "YTpi",  // value without scheme
        ])
    func basicMalformed(_ value: String) {
        #expect(isMalformed(parse([value])), "\(value)")
    }

    @Test("a value over 4096 bytes is malformed; 4096 is fine")
    func huge() {
        let secret = String(repeating: "x", count: 3100)
        let value = "Basic " + b64("a:" + secret)
        #expect(value.utf8.count > 4096)
        #expect(isMalformed(parse([value])))
        let bearer = "Bearer " + String(repeating: "x", count: 4096 - 7)
        expectBearer(parse([bearer]), String(repeating: "x", count: 4089))
        #expect(isMalformed(parse([bearer + "x"])))
        #expect(isMalformed(parse([], apiKey: [String(repeating: "k", count: 4097)])))
    }

    @Test("Bearer: b64token syntax, any case")
    func bearerValid() {
        expectBearer(parse(["Bearer tg_abc-DEF.ghi~jkl+mno/pqr"]), "tg_abc-DEF.ghi~jkl+mno/pqr")
        expectBearer(parse(["bearer abc=="]), "abc==")
        expectBearer(parse(["BEARER\t\tabc"]), "abc")
        expectBearer(parse([" Bearer abc "]), "abc")
    }

    @Test(
        "Bearer: malformed",
        arguments: [
            "Bearer", "Bearer ", "Bearer a b", "Bearer a=b", "Bearer =", "Bearer a,b", "Bearer ä", "Bearer a\u{0}",
        ])
    func bearerMalformed(_ value: String) {
        #expect(isMalformed(parse([value])), "\(value)")
    }

    @Test("more than one Authorization header is malformed, even if both are valid")
    func twoHeaders() {
        #expect(isMalformed(parse(["Bearer a", "Bearer a"])))
    }

    @Test("api key: the value is the token; one header only; never together with Authorization")
    func apiKey() {
        expectBearer(parse([], apiKey: ["tg_key"]), "tg_key")
        expectBearer(parse([], apiKey: [" tg_key\t"]), "tg_key")
        #expect(isMalformed(parse([], apiKey: [""])))
        #expect(isMalformed(parse([], apiKey: ["a b"])))
        #expect(isMalformed(parse([], apiKey: ["a", "b"])))
        #expect(isMalformed(parse(["Bearer a"], apiKey: ["a"])))
        // Not configured: the values are ignored, never seen here.
        expectBearer(parse(["Bearer a"], apiKey: nil), "a")
    }

    @Test("descriptions never show the secret")
    func redaction() {
        let secret = Secret(Array("hunter2-token".utf8))
        let credentials: [Credential] = [.basic(account: "ci-bot", secret: secret), .bearer(secret)]
        for credential in credentials {
            var dumped = ""
            dump(credential, to: &dumped)
            for text in [
                credential.description, String(reflecting: credential), "\(credential)", dumped, "\(secret)",
                String(reflecting: secret),
            ] {
                #expect(!text.contains("hunter2"), "\(text)")
            }
        }
        #expect(credentials[0].description == "Basic(account: \"ci-bot\", secret: <redacted>)")
        #expect(credentials[1].description == "Bearer(<redacted>)")
        #expect(secret.description == "<redacted>")
    }
}
