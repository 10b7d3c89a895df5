import Foundation
import Glibc
import XCTest

@testable import TollgateEventLoop

/// `AcceptBalancer` with two real listeners on two loop threads and real client sockets. Every client connects
/// to the first listener's port (the second one's port is never used), so without the balancer the first loop
/// would serve all of them; with it, connections are handed to the second loop until the counts are even.
final class AcceptBalancerTests: XCTestCase {
    /// Answers every request with 200 and notes which loop served it.
    private final class Recorder: HTTPServerHandler, @unchecked Sendable {
        var servedOn: [ObjectIdentifier: Int] = [:]
        let lock = NSLock()
        func handle(_ head: HTTPRequestHead, on connection: ServerConnection) {
            lock.lock()
            servedOn[ObjectIdentifier(connection.loop), default: 0] += 1
            lock.unlock()
            connection.respond(LocalResponse(status: 200))
        }
        func refused(_ error: HeadError, status: Int, rawTarget: String?, on connection: ServerConnection)
            -> LocalResponse
        { LocalResponse(status: status) }
        func errorResponse(status: Int, on connection: ServerConnection) -> LocalResponse {
            LocalResponse(status: status)
        }
        func served(on loop: EventLoop) -> Int {
            lock.lock()
            defer { lock.unlock() }
            return servedOn[ObjectIdentifier(loop)] ?? 0
        }
    }

    private struct Group {
        let a = Running()
        let b = Running()
        let balancer = AcceptBalancer()
        let counter = ConnectionCounter(limit: 1000)
        let recorder = Recorder()
        let listeners = Box<[Listener]>()
        var port: UInt16 = 0

        init() throws {
            let settings = ServerSettings(maxHeaderBytes: 8192, maxBodyBytes: 0,
                                          timeouts: ServerTimeouts(header: 5, idle: 30))
            let any = try XCTUnwrap(SocketAddress.resolve(host: "127.0.0.1", port: 0).get())
            let (a, b, balancer, counter, recorder, listeners) = (a, b, balancer, counter, recorder, listeners)
            // Registered in slot order before any connection arrives (the balancer's set-up rule).
            port = a.onLoop { () -> UInt16 in
                let l = try! Listener(loop: a.loop, address: any, handler: recorder, counter: counter,
                                      balancer: balancer) { settings }
                listeners.value = [l]
                return l.port
            }
            b.onLoop {
                let l = try! Listener(loop: b.loop, address: any, handler: recorder, counter: counter,
                                      balancer: balancer) { settings }
                listeners.value!.append(l)
            }
        }

        func stop() {
            let listeners = listeners
            a.onLoop { listeners.value?[0].close() }
            b.onLoop { listeners.value?[1].close() }
            a.stop()
            b.stop()
        }
    }

    /// A blocking client socket connected to 127.0.0.1:`port` that has had one request answered.
    private func client(_ port: UInt16) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var tv = timeval(tv_sec: 10, tv_usec: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var sin = sockaddr_in()
        sin.sin_family = sa_family_t(AF_INET)
        sin.sin_port = port.bigEndian
        sin.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &sin) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        XCTAssertEqual(rc, 0, "connect: errno \(errno)")
        let request = "GET / HTTP/1.1\r\nHost: x\r\n\r\n"
        XCTAssertEqual(send(fd, request, request.utf8.count, 0), request.utf8.count)
        var answer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1024)
        while !String(decoding: answer, as: UTF8.self).contains("\r\n\r\n") {
            let n = recv(fd, &chunk, chunk.count, 0)
            guard n > 0 else { break }
            answer += chunk[0..<n]
        }
        XCTAssertTrue(String(decoding: answer, as: UTF8.self).hasPrefix("HTTP/1.1 200"))
        return fd
    }

    /// Polls until `condition` holds (or 10 s pass).
    private func eventually(_ condition: () -> Bool) {
        let deadline = Date().addingTimeInterval(10)
        while !condition() && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
    }

    func testConnectionsAcceptedByOneListenerAreSpreadOverTheGroup() throws {
        let g = try Group()
        defer { g.stop() }
        var fds: [Int32] = []
        for _ in 0..<40 { fds.append(try client(g.port)) }
        let counts = g.balancer.openCounts
        XCTAssertEqual(counts.reduce(0, +), 40)
        XCTAssertLessThanOrEqual(abs(counts[0] - counts[1]), AcceptBalancer.margin, "\(counts)")
        // Handed-over connections are really served by the other loop.
        XCTAssertGreaterThanOrEqual(g.recorder.served(on: g.b.loop), 20 - AcceptBalancer.margin)
        XCTAssertEqual(g.recorder.served(on: g.a.loop) + g.recorder.served(on: g.b.loop), 40)
        for fd in fds { close(fd) }
        eventually { g.balancer.openCounts == [0, 0] && g.counter.current == 0 }
        XCTAssertEqual(g.balancer.openCounts, [0, 0], "closed connections were not uncounted")
        XCTAssertEqual(g.counter.current, 0)
    }

    func testAListenerThatStoppedAcceptingGetsNoMoreConnections() throws {
        let g = try Group()
        defer { g.stop() }
        let listeners = g.listeners
        g.b.onLoop { listeners.value?[1].close() }
        var fds: [Int32] = []
        for _ in 0..<10 { fds.append(try client(g.port)) }
        XCTAssertEqual(g.balancer.openCounts, [10, 0])
        XCTAssertEqual(g.recorder.served(on: g.b.loop), 0)
        for fd in fds { close(fd) }
        eventually { g.counter.current == 0 }
        XCTAssertEqual(g.counter.current, 0)
    }

    /// A socket pair whose first end is handed from member 0 to member 1 (as `Listener.accepted` does); returns
    /// the client end, with a receive timeout.
    private func handOver(_ g: Group) -> Int32 {
        var pair: [Int32] = [0, 0]
        XCTAssertEqual(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &pair), 0)
        var tv = timeval(tv_sec: 10, tv_usec: 0)
        _ = setsockopt(pair[1], SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        XCTAssertTrue(g.counter.tryAcquire())
        g.balancer.handOff(fd: pair[0], peer: "test", counter: g.counter, from: 0, to: 1)
        return pair[1]
    }

    func testAHandOffThatReachesAClosedListenerGoesBackToTheAcceptor() throws {
        // The race of a drain: the chosen listener closes before the socket arrives; the listener that accepted it
        // serves it, as it would have without the balancer.
        let g = try Group()
        defer { g.stop() }
        let listeners = g.listeners
        g.b.onLoop { listeners.value?[1].close() }
        let client = handOver(g)
        defer { close(client) }
        let request = "GET / HTTP/1.1\r\nHost: x\r\n\r\n"
        XCTAssertEqual(send(client, request, request.utf8.count, 0), request.utf8.count)
        var answer = [UInt8](repeating: 0, count: 256)
        let n = recv(client, &answer, answer.count, 0)
        XCTAssertTrue(n > 0 && String(decoding: answer[0..<n], as: UTF8.self).hasPrefix("HTTP/1.1 200"))
        XCTAssertEqual(g.recorder.served(on: g.a.loop), 1)
        XCTAssertEqual(g.recorder.served(on: g.b.loop), 0)
        XCTAssertEqual(g.balancer.openCounts, [1, 0])
    }

    func testAHandOffWhoseListenersAreGoneIsClosedAndUncounted() throws {
        // Both workers drained (their listeners released) while the socket was on its way.
        let g = try Group()
        defer { g.stop() }
        let listeners = g.listeners
        g.a.onLoop { listeners.value?[0].close() }
        g.b.onLoop { listeners.value?[1].close() }
        g.a.onLoop { listeners.value = nil }
        let client = handOver(g)
        defer { close(client) }
        var byte: UInt8 = 0
        XCTAssertEqual(recv(client, &byte, 1, 0), 0, "the handed-over socket was not closed")
        eventually { g.balancer.openCounts == [0, 0] && g.counter.current == 0 }
        XCTAssertEqual(g.balancer.openCounts, [0, 0])
        XCTAssertEqual(g.counter.current, 0)
        XCTAssertEqual(g.recorder.served(on: g.a.loop) + g.recorder.served(on: g.b.loop), 0)
    }
}
