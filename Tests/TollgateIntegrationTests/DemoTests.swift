import Foundation
import XCTest

/// `tollgate demo` serves what it prints: each curl line, pasted into a shell, gets the status its comment says.
final class DemoTests: XCTestCase {
    var stack: Stack!

    override func setUpWithError() throws { stack = try Stack() }
    override func tearDown() { stack.stop() }

    func testThePrintedCurlLinesWork() throws {
        let demo = try Child(Paths.tollgate, ["demo", "--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0"],
                             dir: stack.dir)
        stack.children.append(demo)
        let deadline = Date().addingTimeInterval(20)
        while !demo.stdout.contains("/metrics") && Date() < deadline && demo.process.isRunning { usleep(50_000) }
        let printed = demo.stdout
        XCTAssertTrue(printed.contains("/metrics"), "demo printed: \(printed)\nstderr: \(demo.stderr)")

        var expected: Int?
        var checked = 0
        var statuses: Set<Int> = []
        for line in printed.split(separator: "\n").map(String.init) {
            if line.hasPrefix("#"), let open = line.firstIndex(of: "("), let code = Int(line[line.index(after: open)...]
                .prefix(3)) {
                expected = code
                continue
            }
            guard line.hasPrefix("curl -i"), let want = expected else { continue }
            let r = try shell(["sh", "-c", line + " -s -o /dev/null -w '%{http_code}'"])
            XCTAssertEqual(r.out, String(want), line)
            statuses.insert(want)
            checked += 1
            expected = nil
        }
        XCTAssertGreaterThanOrEqual(checked, 5)
        XCTAssertEqual(statuses, [200, 401, 403], "an allowed call, a 401 and a 403 are shown")

        // The metrics line works too, and shows the traffic just sent.
        let metricsLine = printed.split(separator: "\n").first { $0.contains("/metrics") }.map(String.init) ?? ""
        let metrics = try shell(["sh", "-c", metricsLine])
        XCTAssertTrue(metrics.out.contains("decision=\"allow\""), metrics.out)

        // Fresh tokens each run, never written in clear to disk; the temporary folder goes at exit.
        let folder = demo.stderr.range(of: "tollgate-demo-").map { demo.stderr[$0.lowerBound...].prefix(20) }
        XCTAssertNotNil(folder, demo.stderr)
        demo.signal(SIGINT)
        let stop = Date().addingTimeInterval(5)
        while demo.process.isRunning && Date() < stop { usleep(50_000) }
        XCTAssertFalse(demo.process.isRunning)
        XCTAssertEqual(demo.process.terminationStatus, 0)
        let prefix = String(folder ?? "tollgate-demo-none")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: NSTemporaryDirectory())
            .filter { name in name.hasPrefix(prefix) }
        XCTAssertEqual(leftovers, [String](), "the demo's temporary folder is removed")
    }
}
