private import CLibevent
import Synchronization

/// Evens out client connections across the workers' listeners on one address.
///
/// Every worker binds the address with SO_REUSEPORT and the kernel picks a listener by a hash of the client's
/// address and port: with few long-lived connections (an ingress's keep-alive pool, a benchmark's 64) the split
/// is lumpy (45 / 20 was seen with 2 workers and 65 connections), and the worker holding more connections
/// saturates while the other idles. A listener that accepts a connection while it holds two or more connections
/// more than the least-loaded accepting member hands the socket to that member's loop instead (HAProxy gives a
/// new connection to its least-loaded thread in the same way). Only the accept is moved: a connection stays on
/// one loop for its life.
///
/// Thread rule: members register while the process is being set up, before any member's loop runs; after that
/// the member list is only read. The counts are atomics read by every member's loop.
public final class AcceptBalancer: @unchecked Sendable {
    /// One listener's share: its open connections (those handed to it included) and whether it still accepts.
    final class Member: @unchecked Sendable {
        let open = Atomic<Int>(0)
        let accepting = Atomic<Bool>(true)
        let loop: EventLoop
        /// Read only on `loop`'s thread (`adopt`).
        weak var listener: Listener?

        init(loop: EventLoop, listener: Listener) {
            self.loop = loop
            self.listener = listener
        }

        /// Called on this member's loop with a socket counted here that `acceptor` accepted. When this listener
        /// stopped accepting after the acceptor chose it (a drain beginning on this worker first), the socket goes
        /// back to the acceptor, which serves it as it would have without the group (`acceptor` nil: that is the
        /// way back). Closed and uncounted only when neither listener accepts any more.
        func adopt(fd: Int32, peer: String, counter: ConnectionCounter, returnTo acceptor: Member?) {
            if let listener, listener.adopt(fd: fd, peer: peer) { return }
            open.wrappingSubtract(1, ordering: .relaxed)
            if let acceptor {
                acceptor.open.wrappingAdd(1, ordering: .relaxed)
                acceptor.loop.execute { acceptor.adopt(fd: fd, peer: peer, counter: counter, returnTo: nil) }
                return
            }
            counter.release()
            _ = tollgate_close_fd(fd)
        }
    }

    /// A member holding this many connections more than the least-loaded one passes a new connection on.
    static let margin = 2
    private var members: [Member] = []

    /// An empty group; listeners join with `register` (done by `Listener.init`).
    public init() {}

    /// Adds a listener; returns its slot. Set-up only (see the thread rule).
    func register(loop: EventLoop, listener: Listener) -> Int {
        members.append(Member(loop: loop, listener: listener))
        return members.count - 1
    }

    /// The member that should take a connection `slot` just accepted, or nil to keep it.
    func target(from slot: Int) -> Int? {
        let mine = members[slot].open.load(ordering: .relaxed)
        var best = slot
        var fewest = mine
        for i in members.indices where i != slot && members[i].accepting.load(ordering: .relaxed) {
            let n = members[i].open.load(ordering: .relaxed)
            if n < fewest {
                best = i
                fewest = n
            }
        }
        return best != slot && mine - fewest >= AcceptBalancer.margin ? best : nil
    }

    /// Counts the connection for `slot` and hands the socket (holding a `counter` slot, which every member of a
    /// group shares) from member `from` to that member's loop. Called on `from`'s loop. A socket handed to a loop
    /// that stops before it runs the hand-over stays open until the process exits (shutdown only).
    func handOff(fd: Int32, peer: String, counter: ConnectionCounter, from: Int, to slot: Int) {
        let member = members[slot]
        let acceptor = members[from]
        member.open.wrappingAdd(1, ordering: .relaxed)
        member.loop.execute { member.adopt(fd: fd, peer: peer, counter: counter, returnTo: acceptor) }
    }

    /// A connection opened at `slot` (accepted and kept there).
    func opened(_ slot: Int) { members[slot].open.wrappingAdd(1, ordering: .relaxed) }

    /// A connection counted for `slot` closed (or was refused on arrival).
    func closed(_ slot: Int) { members[slot].open.wrappingSubtract(1, ordering: .relaxed) }

    /// `slot` stopped accepting (drain): no more connections are handed to it.
    func stopAccepting(_ slot: Int) { members[slot].accepting.store(false, ordering: .relaxed) }

    /// Open connections per member, in slot order (tests, diagnostics).
    public var openCounts: [Int] { members.map { $0.open.load(ordering: .relaxed) } }
}
