import Testing
import TollgateCore
import TollgateEventLoop

@Suite("OpenSSL SHA-256 against the reference")
struct DigestTests {
    private func openssl(_ bytes: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        bytes.withUnsafeBytes { input in out.withUnsafeMutableBytes { OpenSSLDigest.sha256(input, $0.baseAddress!) } }
        return out
    }

    @Test("known vectors")
    func vectors() {
        #expect(SHA256.hex(openssl(Array("abc".utf8)))
                == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hex(openssl([])) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    @Test("every length from 0 to 300 bytes, and the table digest with it installed")
    func lengths() {
        var x: UInt32 = 0x9e3779b9
        var bytes: [UInt8] = []
        for n in 0...300 {
            #expect(openssl(bytes) == SHA256.referenceHash(bytes), "length \(n)")
            x ^= x << 13; x ^= x >> 17; x ^= x << 5
            bytes.append(UInt8(truncatingIfNeeded: x))
        }
        let saved = SHA256.accelerated
        SHA256.accelerated = OpenSSLDigest.sha256
        defer { SHA256.accelerated = saved }
        #expect(SHA256.hash(bytes) == SHA256.referenceHash(bytes))
        let secret = Array("tg_secret_token".utf8)
        #expect(TokenHash.sha256(ofSecret: secret) == .sha256(SHA256.referenceHash(secret)))
    }
}
