import Foundation
import TollgateCore
import TollgateEventLoop

/// crypt(3) verification for the token table, through the event layer's libcrypt wrapper, on `loop`'s thread.
/// A check can take 100 ms (bcrypt), so the loop's clock, read once per callback, is read again afterwards:
/// deadlines armed and durations started later in the same callback count from the end of the check.
struct LibcryptVerifier: CryptVerifier {
    let loop: EventLoop

    func verify(secret: [UInt8], hash: String) -> Bool {
        defer { loop.forgetClock() }
        return CryptHash.verify(secret: secret, hash: hash)
    }
}

/// Process-wide authentication state shared by every worker: the failed-auth brake and sliding-expiry
/// last-use times. Both are thread-safe; the token table itself comes from the request's snapshot.
final class AuthState: Sendable {
    let brake: FailedAuthBrake
    let lastUse = LastUseStore()

    init(limit: Int, window: Double, maxTracked: Int = 100_000) {
        brake = FailedAuthBrake(limit: limit, window: window, capacity: maxTracked)
    }
}

extension AuthState {
    /// What a request is judged against: `snapshot`'s routes and table, this process's brake and last-use
    /// stores, the calling worker's digest memo, and the clocks of the worker's loop (read once per callback).
    func decisionContext(_ snapshot: ProxySnapshot, digests: SecretDigestMemo, clock: EventLoop) -> DecisionContext {
        DecisionContext(
            policy: snapshot.policy, table: snapshot.table, apiKeyHeader: snapshot.config.apiKeyHeader, brake: brake,
            lastUse: lastUse, crypt: LibcryptVerifier(loop: clock), now: Date(timeIntervalSince1970: clock.wallNow),
            monotonicNow: clock.now, digests: digests)
    }
}
