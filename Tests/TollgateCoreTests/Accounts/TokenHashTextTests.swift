import Testing

@testable import TollgateCore

@Suite("TokenHash text: sha256 hex")
struct TokenHashTextTests {
    @Test("every byte value at every place of the 64 digits: only 0-9 a-f A-F are read, each to its value")
    func everyByteEverywhere() {
        let zeros = [UInt8](repeating: UInt8(ascii: "0"), count: 64)
        for byte in UInt8.min...UInt8.max {
            let expected: UInt8? =
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
                default: nil
                }
            for place in 0..<64 {
                var hex = zeros
                hex[place] = byte
                let decoded = TokenHash.decodeHex(hex)
                guard let expected else {
                    #expect(decoded == nil, "byte \(byte) at \(place) was read as a hex digit")
                    continue
                }
                var want = [UInt8](repeating: 0, count: 32)
                want[place / 2] = place % 2 == 0 ? expected << 4 : expected
                #expect(decoded == want, "byte \(byte) at \(place)")
            }
        }
    }

    @Test("odd lengths are refused; the parsed text round-trips in lowercase")
    func lengthsAndRoundTrip() throws {
        #expect(TokenHash.decodeHex(Array("abc".utf8)) == nil)
        #expect(TokenHash.decodeHex([]) == [])
        let text = "sha256:" + String(repeating: "0123456789ABCDEFfedcba9876543210", count: 2)
        let hash = try TokenHash.parse(text).get()
        #expect(hash.text == "sha256:" + String(repeating: "0123456789abcdeffedcba9876543210", count: 2))
        #expect(throws: InvalidValue.self) { try TokenHash.parse("sha256:" + String(repeating: "g", count: 64)).get() }
        #expect(throws: InvalidValue.self) { try TokenHash.parse("sha256:" + String(repeating: "a", count: 63)).get() }
    }
}
