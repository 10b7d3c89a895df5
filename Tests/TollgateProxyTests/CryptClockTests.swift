import Foundation
import Testing
import TollgateEventLoop

@testable import TollgateProxy

@Suite("crypt checks and the loop's clock")
struct CryptClockTests {
    @Test("after a crypt(3) check the loop's clock is read again (a bcrypt check can take 100 ms)")
    func clockReadAfterCrypt() {
        // A loop that is not running, used from this thread alone: its clock is cached until something forgets it.
        let loop = EventLoop()
        let before = loop.now
        Thread.sleep(forTimeInterval: 0.03)
        #expect(loop.now == before, "the clock is cached within a callback")
        _ = LibcryptVerifier(loop: loop).verify(secret: Array("secret".utf8), hash: "$6$salt$not-the-hash")
        #expect(loop.now >= before + 0.029, "a deadline armed after the check would start before it")
    }
}
