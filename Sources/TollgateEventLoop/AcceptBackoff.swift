/// What a listener does when `accept()` fails for want of a resource (EMFILE, ENFILE, ENOBUFS, ENOMEM).
///
/// The listening socket stays readable while connections wait in its queue, and libevent keeps a listener
/// enabled after an accept error, so accepting again at once would spin a core without ever succeeding. Instead
/// the listener stops accepting for a pause that starts at `initial` and doubles while the failures go on, up to
/// `maximum` (nginx pauses 500 ms on EMFILE); the first accept that succeeds ends the episode. Waiting
/// connections stay in the kernel's queue meanwhile and are taken once descriptors are free again.
///
/// Reports are rate-limited: the first failure of an episode is reported at once, later ones at most every
/// `reportEvery` seconds (with the number of failures since the last report), and the end of an episode once.
/// Pure: the clock is passed in, so the policy is unit-tested without sockets.
public struct AcceptBackoff: Sendable, Equatable {
    /// Something worth a log line.
    public enum Report: Sendable, Equatable {
        /// Accepting failed; `failures` since the last report (or the episode's start); accepting pauses for
        /// `pause` seconds.
        case failing(failures: Int, pause: Double)
        /// An accept succeeded after `failures` failed attempts over `seconds`.
        case recovered(failures: Int, seconds: Double)
    }

    /// First pause, in seconds.
    public let initial: Double
    /// Longest pause, in seconds.
    public let maximum: Double
    /// Shortest gap between two `failing` reports, in seconds.
    public let reportEvery: Double
    /// The pause now in force; nil while accepting normally.
    public private(set) var pause: Double?
    /// Failed attempts in the current episode.
    public private(set) var failures = 0
    private var unreported = 0
    private var episodeStart = 0.0
    private var lastReport = 0.0

    /// A policy pausing `initial`…`maximum` seconds and reporting at most every `reportEvery` seconds.
    public init(initial: Double = 0.01, maximum: Double = 1, reportEvery: Double = 10) {
        self.initial = initial
        self.maximum = max(initial, maximum)
        self.reportEvery = reportEvery
    }

    /// An accept failed at `now`: returns how long to stop accepting, and a report when one is due.
    public mutating func failed(now: Double) -> (pause: Double, report: Report?) {
        let next = pause.map { min($0 * 2, maximum) } ?? initial
        pause = next
        if failures == 0 {
            episodeStart = now
            lastReport = now
            failures = 1
            unreported = 0
            return (next, .failing(failures: 1, pause: next))
        }
        failures += 1
        unreported += 1
        if now - lastReport >= reportEvery {
            lastReport = now
            let count = unreported
            unreported = 0
            return (next, .failing(failures: count, pause: next))
        }
        return (next, nil)
    }

    /// An accept succeeded at `now`: the episode (if any) ends, and is reported.
    public mutating func accepted(now: Double) -> Report? {
        guard failures > 0 else { return nil }
        let report = Report.recovered(failures: failures, seconds: max(0, now - episodeStart))
        pause = nil
        failures = 0
        unreported = 0
        return report
    }
}
