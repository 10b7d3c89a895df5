import Testing

@testable import TollgateProxy

@Suite("ReloadPacer: a long reload gives the core away every interval")
struct ReloadPacerTests {
    /// A clock the test moves, and the yields the pacer asked for (each may move the clock, as a real one would
    /// while another thread ran).
    final class Fake {
        var now: UInt64 = 1_000_000_000
        var yields = 0
        var yieldTakes: UInt64 = 0
    }

    private func pacer(_ f: Fake, interval: UInt64 = 100) -> ReloadPacer {
        ReloadPacer(intervalMicroseconds: interval, clock: { f.now }, yield: {
            f.yields += 1
            f.now += f.yieldTakes
        })
    }

    @Test("no pause before an interval of work, one at each interval after it")
    func pausesEveryInterval() {
        let f = Fake()
        let p = pacer(f)
        for _ in 0..<9 {
            f.now += 10_000
            p.checkpoint()
        }
        #expect(f.yields == 0)
        f.now += 10_000  // 100 µs since the start
        p.checkpoint()
        #expect(f.yields == 1 && p.yields == 1)
        p.checkpoint()  // no time passed
        #expect(f.yields == 1)
        f.now += 99_999
        p.checkpoint()
        #expect(f.yields == 1)
        f.now += 1
        p.checkpoint()
        #expect(f.yields == 2)
    }

    @Test("the interval counts from the end of a pause, not its start: time given away is not work")
    func intervalAfterThePause() {
        let f = Fake()
        f.yieldTakes = 5_000_000  // another thread ran for 5 ms
        let p = pacer(f)
        f.now += 100_000
        p.checkpoint()
        #expect(f.yields == 1)
        f.now += 50_000
        p.checkpoint()
        #expect(f.yields == 1)
        f.now += 50_000
        p.checkpoint()
        #expect(f.yields == 2)
    }

    @Test("one checkpoint after a long stretch pauses once")
    func longStretchOnePause() {
        let f = Fake()
        let p = pacer(f)
        f.now += 1_000_000_000
        p.checkpoint()
        p.checkpoint()
        #expect(f.yields == 1)
    }

    @Test("the real clock moves forward and the real yield returns")
    func systemClockAndYield() {
        let a = ReloadPacer.monotonic()
        let p = ReloadPacer(intervalMicroseconds: 0)
        p.checkpoint()
        p.checkpoint()
        #expect(p.yields == 2)
        #expect(ReloadPacer.monotonic() >= a)
    }
}
