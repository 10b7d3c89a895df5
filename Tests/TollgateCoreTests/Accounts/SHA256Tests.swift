import Testing

@testable import TollgateCore

@Suite("SHA256 and ConstantTime")
struct SHA256Tests {
    private func hex(_ text: String) -> String {
        SHA256.hex(SHA256.hash(Array(text.utf8)))
    }

    @Test("FIPS 180-2 test vectors")
    func vectors() {
        #expect(hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(
            hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        let million = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)
        #expect(
            SHA256.hex(SHA256.hash(million)) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test("padding boundaries (55, 56, 63, 64, 65 bytes) and non-contiguous input agree with each other")
    func boundaries() {
        // Known digests for 55/56/64 bytes of "a" (from sha256sum).
        let a = { (n: Int) in SHA256.hex(SHA256.hash([UInt8](repeating: 0x61, count: n))) }
        #expect(a(55) == "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318")
        #expect(a(56) == "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a")
        #expect(a(64) == "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb")
        let bytes = (0..<200).map { UInt8(truncatingIfNeeded: $0 * 7) }
        for length in [0, 1, 55, 56, 63, 64, 65, 119, 120, 128, 200] {
            // A lazy map is not contiguous: it exercises the copying path.
            let lazy = bytes.prefix(length).lazy.map { $0 }
            #expect(SHA256.hash(lazy) == SHA256.hash(Array(bytes.prefix(length))))
        }
    }

    @Test("digest words and bytes convert both ways")
    func digestWords() throws {
        let bytes = SHA256.hash(Array("abc".utf8))
        let digest = try #require(SHA256Digest(bytes: bytes))
        #expect(digest == SHA256.digest(Array("abc".utf8)))
        #expect(digest.bytes == bytes)
        #expect(SHA256Digest(bytes: Array(bytes.prefix(31))) == nil)
    }

    @Test("constant-time equality")
    func constantTime() {
        #expect(ConstantTime.equals([], []))
        #expect(ConstantTime.equals([1, 2, 3], [1, 2, 3]))
        #expect(!ConstantTime.equals([1, 2, 3], [1, 2, 4]))
        #expect(!ConstantTime.equals([0, 2, 3], [1, 2, 3]))
        #expect(!ConstantTime.equals([1, 2, 3], [1, 2]))
        #expect(!ConstantTime.equals([], [0]))
        let x = SHA256.digest(Array("x".utf8))
        let y = SHA256.digest(Array("y".utf8))
        #expect(ConstantTime.equals(x, x))
        #expect(!ConstantTime.equals(x, y))
    }
}
