import Foundation
import XCTest

/// The `account`, `token` and `hash` commands, run as the real binary against files in a temp folder.
final class CLITests: XCTestCase {
    var stack: Stack!
    var accounts: String { stack.dir.appendingPathComponent("accounts.yaml").path }

    override func setUpWithError() throws { stack = try Stack() }
    override func tearDown() { stack.stop() }

    // MARK: helpers

    @discardableResult
    func tg(_ args: String..., stdin: Data? = nil) throws -> (code: Int32, out: String, err: String) {
        try shell([Paths.tollgate] + args, stdin: stdin)
    }

    func write(_ text: String, mode: Int = 0o600) throws {
        try text.write(toFile: accounts, atomically: false, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: accounts)
    }

    func bytes() throws -> Data { try Data(contentsOf: URL(fileURLWithPath: accounts)) }
    func text() throws -> String { String(decoding: try bytes(), as: UTF8.self) }

    /// `sha256:<hex>` of `secret`, computed by coreutils, independently of tollgate.
    func coreutilsHash(_ secret: String) throws -> String {
        let r = try shell(["sha256sum"], stdin: Data(secret.utf8))
        return "sha256:" + (r.out.split(separator: " ").first.map(String.init) ?? "")
    }

    /// The `key: value` lines of token `id` in the rendered file.
    func token(_ id: String, in file: String) -> [String: String] {
        var fields: [String: String] = [:]
        var inside = false
        for line in file.split(separator: "\n").map(String.init) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("- ") {
                inside = trimmed == "- id: \(id)"
                if !inside { continue }
            }
            guard inside else { continue }
            let body = trimmed.hasPrefix("- ") ? String(trimmed.dropFirst(2)) : trimmed
            guard let colon = body.firstIndex(of: ":") else { continue }
            let value = body[body.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            fields[String(body[..<colon])] = value.trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        }
        return fields
    }

    func date(_ text: String?) -> Date? { text.flatMap { ISO8601DateFormatter().date(from: $0) } }

    func assertNear(_ date: Date?, _ expected: Date, _ message: String = "", line: UInt = #line) {
        guard let date else { return XCTFail("no date: \(message)", line: line) }
        XCTAssertLessThan(abs(date.timeIntervalSince(expected)), 120, message, line: line)
    }

    func iso(_ date: Date) -> String { ISO8601DateFormatter().string(from: date) }

    /// A file with four tokens of `bot`: expired, expiring in 10 days, in 100 days, never.
    func writeMixedTokens() throws {
        let now = Date()
        func t(_ id: String, _ hex: Character, created: Date?, expires: String, extra: String = "") -> String {
            var s = "      - id: \(id)\n        hash: \"sha256:\(String(repeating: hex, count: 64))\"\n"
            if let created { s += "        created: \(iso(created))\n" }
            return s + "        expires: \(expires)\n" + extra
        }
        let day = 86400.0
        try write(
            "groups:\n  bots: { roles: [reader] }\naccounts:\n  - name: bot\n    groups: [bots]\n    tokens:\n"
                + t("old", "a", created: now - 40 * day, expires: iso(now - 10 * day))
                + t(
                    "soon", "b", created: now - 20 * day, expires: iso(now + 10 * day),
                    extra: "        intent: app-password\n        extend: 7d\n")
                + t("later", "c", created: nil, expires: iso(now + 100 * day))
                + t("forever", "d", created: nil, expires: "never")
                + "  - name: off\n    disabled: true\n")
    }

    // MARK: token issue

    func testIssuePrintsOnlyTheTokenAndStoresOnlyItsHash() throws {
        try write("accounts:\n  - name: ci-bot\n")
        let r = try tg("token", "issue", "ci-bot", "--accounts", accounts)
        XCTAssertEqual(r.code, 0, r.err)
        let tokenText = String(r.out.dropLast())
        XCTAssertEqual(r.out, tokenText + "\n")
        XCTAssertNotNil(tokenText.range(of: "^tg_[A-Za-z0-9_-]{43}$", options: .regularExpression), r.out)
        let file = try text()
        XCTAssertFalse(file.contains(tokenText))
        let fields = token("t1", in: file)
        XCTAssertEqual(fields["hash"], try coreutilsHash(tokenText), file)
        XCTAssertEqual(fields["intent"], "api")
        let created = date(fields["created"])
        assertNear(created, Date(), file)
        assertNear(date(fields["expires"]), Date().addingTimeInterval(360 * 86400), file)
        if let created, let expires = date(fields["expires"]) {
            XCTAssertEqual(expires.timeIntervalSince(created), 360 * 86400)
        }
        XCTAssertEqual(fields["created"]?.contains("."), false, "whole seconds")

        let second = try tg("token", "issue", "ci-bot", "--accounts", accounts)
        XCTAssertEqual(second.code, 0, second.err)
        XCTAssertNotEqual(second.out, r.out)
        XCTAssertEqual(token("t2", in: try text())["hash"], try coreutilsHash(String(second.out.dropLast())))
    }

    func testIssueTwiceWithTheSameIDFailsAndLeavesTheFileAlone() throws {
        try write("accounts:\n  - name: ci-bot\n")
        XCTAssertEqual(try tg("token", "issue", "ci-bot", "--id", "ci-2026", "--accounts", accounts).code, 0)
        let before = try bytes()
        let r = try tg("token", "issue", "ci-bot", "--id", "ci-2026", "--accounts", accounts)
        XCTAssertEqual(r.code, 1)
        XCTAssertEqual(r.out, "")
        XCTAssertTrue(r.err.contains("ci-2026"), r.err)
        XCTAssertEqual(try bytes(), before)
        for bad in [
            ["nobody"], ["ci-bot", "--id", "Bad_ID"], ["ci-bot", "--expires", "2020-01-01"],
            ["ci-bot", "--expires", "10x"], ["ci-bot", "--intent", "web"], ["ci-bot", "--extend", "soon"],
        ] {
            let r = try shell([Paths.tollgate, "token", "issue"] + bad + ["--accounts", accounts])
            XCTAssertEqual(r.code, 1, "\(bad): \(r.err)")
            XCTAssertEqual(r.out, "", "\(bad)")
            XCTAssertEqual(try bytes(), before, "\(bad)")
        }
    }

    func testIssueOptions() throws {
        try write("accounts:\n  - name: ci-bot\n")
        let args = [
            ["--id", "app", "--intent", "app-password", "--expires", "30d", "--extend", "7d"],
            ["--id", "dated", "--expires", "2031-02-03"],
            ["--id", "stamp", "--expires", "2031-02-03T12:00:00+02:00"],
            ["--id", "forever", "--expires", "never"],
        ]
        for a in args {
            let r = try shell([Paths.tollgate, "token", "issue", "ci-bot", "--accounts", accounts] + a)
            XCTAssertEqual(r.code, 0, "\(a): \(r.err)")
        }
        let file = try text()
        let app = token("app", in: file)
        XCTAssertEqual(app["intent"], "app-password")
        XCTAssertEqual(app["extend"], "7d")
        assertNear(date(app["expires"]), Date().addingTimeInterval(30 * 86400))
        XCTAssertEqual(token("dated", in: file)["expires"], "2031-02-03T00:00:00Z")
        XCTAssertEqual(token("stamp", in: file)["expires"], "2031-02-03T10:00:00Z")
        XCTAssertEqual(token("forever", in: file)["expires"], "never")
    }

    // MARK: token revoke

    func testRevokeDeletesTheToken() throws {
        try write("accounts:\n  - name: ci-bot\n")
        try tg("token", "issue", "ci-bot", "--id", "one", "--accounts", accounts)
        try tg("token", "issue", "ci-bot", "--id", "two", "--accounts", accounts)
        let r = try tg("token", "revoke", "ci-bot", "one", "--accounts", accounts)
        XCTAssertEqual(r.code, 0, r.err)
        let file = try text()
        XCTAssertFalse(file.contains("id: one"), file)
        XCTAssertTrue(file.contains("id: two"), file)
        let before = try bytes()
        XCTAssertEqual(try tg("token", "revoke", "ci-bot", "one", "--accounts", accounts).code, 1)
        XCTAssertEqual(try tg("token", "revoke", "nobody", "two", "--accounts", accounts).code, 1)
        XCTAssertEqual(try bytes(), before)
    }

    // MARK: token rotate

    func testRotateKeepsIDIntentExtendAndLifetime() throws {
        try writeMixedTokens()
        let old = token("soon", in: try text())
        let r = try tg("token", "rotate", "bot", "soon", "--accounts", accounts)
        XCTAssertEqual(r.code, 0, r.err)
        let parts = r.out.split(separator: " ").map(String.init)
        XCTAssertEqual(parts.count, 3, r.out)
        XCTAssertEqual(Array(parts.prefix(2)), ["bot", "soon"])
        let secret = parts.last!.trimmingCharacters(in: .newlines)
        XCTAssertNotNil(secret.range(of: "^tg_[A-Za-z0-9_-]{43}$", options: .regularExpression))
        let new = token("soon", in: try text())
        XCTAssertEqual(new["hash"], try coreutilsHash(secret))
        XCTAssertNotEqual(new["hash"], old["hash"])
        XCTAssertEqual(new["intent"], "app-password")
        XCTAssertEqual(new["extend"], "7d")
        assertNear(date(new["created"]), Date())
        // Lifetime was 30 days (created 20 days ago, expires in 10).
        assertNear(date(new["expires"]), Date().addingTimeInterval(30 * 86400))

        // No `created`: 360 days; `never` stays never.
        XCTAssertEqual(try tg("token", "rotate", "bot", "later", "--accounts", accounts).code, 0)
        assertNear(date(token("later", in: try text())["expires"]), Date().addingTimeInterval(360 * 86400))
        XCTAssertEqual(try tg("token", "rotate", "bot", "forever", "--accounts", accounts).code, 0)
        XCTAssertEqual(token("forever", in: try text())["expires"], "never")

        let before = try bytes()
        XCTAssertEqual(try tg("token", "rotate", "bot", "nope", "--accounts", accounts).code, 1)
        XCTAssertEqual(try bytes(), before)
    }

    func testRotateExpiringWithinRotatesExpiringAndExpiredOnly() throws {
        try writeMixedTokens()
        let old = try text()
        let r = try tg("token", "rotate", "--expiring-within", "30d", "--accounts", accounts, "--json")
        XCTAssertEqual(r.code, 0, r.err)
        let array = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [[String: String]], r.out)
        XCTAssertEqual(array.map { $0["id"] }, ["old", "soon"])
        let new = try text()
        for item in array {
            XCTAssertEqual(Set(item.keys), ["account", "id", "token", "expires"])
            XCTAssertEqual(item["account"], "bot")
            XCTAssertEqual(token(item["id"]!, in: new)["hash"], try coreutilsHash(item["token"]!))
            XCTAssertEqual(token(item["id"]!, in: new)["expires"], item["expires"])
            assertNear(date(item["expires"]), Date().addingTimeInterval(30 * 86400))
        }
        for id in ["later", "forever"] { XCTAssertEqual(token(id, in: new)["hash"], token(id, in: old)["hash"]) }

        // Nothing left to rotate (the rotated ones now expire in 30 days): nothing printed, file untouched.
        let before = try bytes()
        let again = try tg("token", "rotate", "--expiring-within", "20d", "--accounts", accounts)
        XCTAssertEqual(again.code, 0, again.err)
        XCTAssertEqual(again.out, "")
        XCTAssertEqual(try bytes(), before)
    }

    // MARK: token list

    func testListShowsStatusesAndNeverSecrets() throws {
        try writeMixedTokens()
        let human = try tg("token", "list", "--accounts", accounts)
        XCTAssertEqual(human.code, 0, human.err)
        for word in ["expired", "expiring-soon", "active", "never", "app-password", "disabled", "bots"] {
            XCTAssertTrue(human.out.contains(word), "\(word) in \(human.out)")
        }
        XCTAssertFalse(human.out.contains("sha256"))
        XCTAssertFalse(human.out.contains("aaaa"))

        let json = try tg("token", "list", "--accounts", accounts, "--json")
        XCTAssertEqual(json.code, 0, json.err)
        XCTAssertFalse(json.out.contains("sha256"))
        XCTAssertFalse(json.out.contains("aaaa"))
        let accountsList = try XCTUnwrap(
            JSONSerialization.jsonObject(with: Data(json.out.utf8)) as? [[String: Any]], json.out)
        XCTAssertEqual(accountsList.map { $0["name"] as? String }, ["bot", "off"])
        XCTAssertEqual(accountsList[1]["disabled"] as? Bool, true)
        XCTAssertEqual(accountsList[0]["groups"] as? [String], ["bots"])
        let tokens = try XCTUnwrap(accountsList[0]["tokens"] as? [[String: Any]])
        var status: [String: String] = [:]
        for t in tokens { status[t["id"] as! String] = t["status"] as? String }
        XCTAssertEqual(status, ["old": "expired", "soon": "expiring-soon", "later": "active", "forever": "active"])
        XCTAssertEqual(tokens[1]["extend"] as? String, "7d")
        XCTAssertEqual(tokens[1]["intent"] as? String, "app-password")
        XCTAssertEqual(tokens[3]["expires"] as? String, "never")

        // A freshly issued token does not show up in the listing either.
        let issued = try tg("token", "issue", "bot", "--accounts", accounts).out.trimmingCharacters(in: .newlines)
        XCTAssertFalse(try tg("token", "list", "--accounts", accounts, "--json").out.contains(issued))
        XCTAssertFalse(try tg("token", "list", "--accounts", accounts).out.contains("tg_"))
    }

    // MARK: account

    func testAccountAddRemoveDisableEnable() throws {
        try write("groups:\n  bots: { roles: [reader] }\naccounts: []\n")
        var before = try bytes()
        for bad in [["ci", "--group", "undefined"], ["Bad_Name"], ["ci", "--role", "Bad Role"], ["-x"]] {
            let r = try shell([Paths.tollgate, "account", "add"] + bad + ["--accounts", accounts])
            XCTAssertNotEqual(r.code, 0, "\(bad)")
            XCTAssertEqual(try bytes(), before, "\(bad)")
        }
        let undefined = try tg("account", "add", "ci", "--group", "undefined", "--accounts", accounts)
        XCTAssertEqual(undefined.code, 1)
        XCTAssertTrue(undefined.err.contains("undefined"), undefined.err)

        let add = try tg(
            "account", "add", "ci", "--group", "bots", "--role", "deployer", "--description", "CI pipeline",
            "--accounts", accounts)
        XCTAssertEqual(add.code, 0, add.err)
        var file = try text()
        XCTAssertTrue(file.contains("- name: ci\n    description: \"CI pipeline\"\n    groups: [bots]\n"), file)
        XCTAssertTrue(file.contains("roles: [deployer]"), file)
        before = try bytes()
        XCTAssertEqual(try tg("account", "add", "ci", "--accounts", accounts).code, 1)
        XCTAssertEqual(try bytes(), before)

        let own = try tg("account", "add", "deploy-bot", "--create-group", "--accounts", accounts)
        XCTAssertEqual(own.code, 0, own.err)
        file = try text()
        XCTAssertTrue(file.contains("  deploy-bot: { roles: [] }"), file)
        XCTAssertTrue(file.contains("- name: deploy-bot\n    groups: [deploy-bot]"), file)
        before = try bytes()
        // --create-group refuses a group that is already defined.
        XCTAssertEqual(try tg("account", "add", "bots", "--create-group", "--accounts", accounts).code, 1)
        XCTAssertEqual(try bytes(), before)

        XCTAssertEqual(try tg("account", "disable", "ci", "--accounts", accounts).code, 0)
        XCTAssertTrue(
            try text().contains(
                "- name: ci\n    description: \"CI pipeline\"\n    groups: [bots]\n    "
                    + "roles: [deployer]\n    disabled: true\n"))
        XCTAssertEqual(try tg("account", "enable", "ci", "--accounts", accounts).code, 0)
        XCTAssertFalse(try text().contains("disabled"))
        XCTAssertEqual(try tg("account", "remove", "ci", "--accounts", accounts).code, 0)
        XCTAssertFalse(try text().contains("name: ci\n"))
        before = try bytes()
        for command in ["remove", "disable", "enable"] {
            let r = try tg("account", command, "ci", "--accounts", accounts)
            XCTAssertEqual(r.code, 1, command)
            XCTAssertTrue(r.err.contains("ci"), r.err)
        }
        XCTAssertEqual(try bytes(), before)
    }

    func testAccountAddCreatesAMissingFileButOtherCommandsDoNot() throws {
        XCTAssertEqual(try tg("token", "issue", "bot", "--accounts", accounts).code, 1)
        XCTAssertEqual(try tg("account", "disable", "bot", "--accounts", accounts).code, 1)
        XCTAssertFalse(FileManager.default.fileExists(atPath: accounts))
        XCTAssertEqual(try tg("account", "add", "bot", "--accounts", accounts).code, 0)
        let mode = try FileManager.default.attributesOfItem(atPath: accounts)[.posixPermissions] as? Int
        XCTAssertEqual(mode, 0o600)
        XCTAssertEqual(try tg("token", "issue", "bot", "--accounts", accounts).code, 0)
    }

    // MARK: file handling

    func testAnInvalidFileIsRefusedWithFileAndLine() throws {
        try write("accounts:\n  - name: ok-bot\n    tokens: []\n  - name: Not_A_Label\n")
        let before = try bytes()
        for args in [
            ["token", "issue", "ok-bot"], ["account", "add", "new-bot"], ["token", "list"],
            ["token", "rotate", "--expiring-within", "30d"],
        ] {
            let r = try shell([Paths.tollgate] + args + ["--accounts", accounts])
            XCTAssertEqual(r.code, 1, "\(args)")
            XCTAssertTrue(r.err.contains("\(accounts):4:"), "\(args): \(r.err)")
            XCTAssertEqual(r.out, "", "\(args)")
            XCTAssertEqual(try bytes(), before, "\(args)")
        }
    }

    func testAnEditKeepsTheModeAndLeavesNoTempFile() throws {
        for mode in [0o600, 0o640] {
            try write("accounts:\n  - name: bot\n", mode: mode)
            XCTAssertEqual(try tg("token", "issue", "bot", "--accounts", accounts).code, 0)
            let after = try FileManager.default.attributesOfItem(atPath: accounts)[.posixPermissions] as? Int
            XCTAssertEqual(after, mode)
            XCTAssertEqual(try tg("token", "issue", "bot", "--id", "t1", "--accounts", accounts).code, 1)
            let names = try FileManager.default.contentsOfDirectory(atPath: stack.dir.path)
            XCTAssertEqual(names, ["accounts.yaml"])
        }
    }

    /// Another writer changes the file while `token issue` waits in fsync (delayed by strace's fault injection):
    /// the edit is refused, the other change stays, no token is printed and no temp file is left.
    func testAFileChangedDuringAnEditIsNotOverwritten() throws {
        let strace = "/usr/bin/strace"
        guard FileManager.default.isExecutableFile(atPath: strace) else { throw XCTSkip("needs strace") }
        try write("accounts:\n  - name: bot\n")
        let child = try Child(
            strace,
            [
                "-f", "-qq", "-o", "/dev/null", "-e", "trace=fsync", "-e", "inject=fsync:delay_exit=3000000:when=1",
                Paths.tollgate, "token", "issue", "bot", "--accounts", accounts,
            ],
            dir: stack.dir)
        func tempFiles() throws -> [String] {
            try FileManager.default.contentsOfDirectory(atPath: stack.dir.path).filter {
                $0.hasPrefix(".accounts.yaml.tmp-")
            }
        }
        let deadline = Date().addingTimeInterval(20)
        while try tempFiles().isEmpty, child.process.isRunning, Date() < deadline { usleep(10_000) }
        guard try !tempFiles().isEmpty else {
            child.stop()
            throw XCTSkip("strace could not delay fsync here: \(child.stderr)")
        }
        let theirs = "accounts:\n  - name: bot\n  - name: other\n"
        try theirs.write(toFile: accounts, atomically: false, encoding: .utf8)
        child.process.waitUntilExit()
        XCTAssertEqual(child.process.terminationStatus, 1)
        XCTAssertTrue(child.stderr.contains("changed since it was read"), child.stderr)
        XCTAssertEqual(child.stdout, "")
        XCTAssertEqual(try text(), theirs)
        XCTAssertEqual(try tempFiles(), [])
    }

    func testASymlinkedFileIsRefusedButCanBeListed() throws {
        let real = stack.dir.appendingPathComponent("real.yaml").path
        try "accounts:\n  - name: bot\n".write(toFile: real, atomically: false, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: accounts, withDestinationPath: real)
        let r = try tg("token", "issue", "bot", "--accounts", accounts)
        XCTAssertEqual(r.code, 1)
        XCTAssertEqual(r.out, "")
        XCTAssertTrue(r.err.contains("symbolic link"), r.err)
        XCTAssertEqual(try String(contentsOfFile: real, encoding: .utf8), "accounts:\n  - name: bot\n")
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: accounts), real)
        XCTAssertEqual(try tg("token", "list", "--accounts", accounts).code, 0)
    }

    // MARK: hash, usage

    func testHashStripsExactlyOneLineEnding() throws {
        let cases: [(String, String)] = [("abc\n\n", "abc\n"), ("abc\r\n", "abc"), ("abc", "abc"), ("abc\n", "abc")]
        for (input, hashed) in cases {
            let r = try tg("hash", stdin: Data(input.utf8))
            XCTAssertEqual(r.code, 0, r.err)
            XCTAssertEqual(r.out, try coreutilsHash(hashed) + "\n", input.debugDescription)
        }
        for empty in ["", "\n", "\r\n"] {
            XCTAssertEqual(try tg("hash", stdin: Data(empty.utf8)).code, 1, empty.debugDescription)
        }
    }

    func testUsageErrorsExitTwo() throws {
        try writeMixedTokens()
        let before = try bytes()
        for args in [
            ["token", "rotate", "--accounts", accounts],
            ["token", "rotate", "bot", "--accounts", accounts],
            ["token", "rotate", "bot", "soon", "--expiring-within", "30d", "--accounts", accounts],
            ["token", "issue", "bot"],
            ["token", "list", "--accounts", accounts, "--bogus"],
            ["account", "add", "--accounts", accounts],
        ] {
            let r = try shell([Paths.tollgate] + args)
            XCTAssertEqual(r.code, 2, "\(args): \(r.err)")
            XCTAssertFalse(r.err.isEmpty)
        }
        XCTAssertEqual(try bytes(), before)
    }

    // MARK: end to end

    func testAnIssuedTokenWorksUntilRevoked() throws {
        try write("groups:\n  readers: { roles: [reader] }\naccounts:\n  - name: bot\n    groups: [readers]\n")
        let secret = try tg("token", "issue", "bot", "--accounts", accounts).out
            .trimmingCharacters(in: .newlines)
        let echo = try stack.startEcho()
        try stack.startProxy(upstreamPort: echo, routes: "  - path: /\n    roles: [reader]")
        let url = "http://127.0.0.1:\(stack.proxyPort)/x"
        func status(_ token: String) throws -> String {
            try shell([
                "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-H", "Authorization: Bearer \(token)",
                url,
            ]).out
        }
        func eventually(_ token: String, _ expected: String) throws -> String {
            let deadline = Date().addingTimeInterval(10)
            var last = ""
            repeat {
                last = try status(token)
                if last == expected { break }
                usleep(100_000)
            } while Date() < deadline
            return last
        }
        XCTAssertEqual(try status(secret), "200")
        // Rotate: the old secret stops working, the new one works (the file sync picks it up, no signal).
        let rotated = try tg("token", "rotate", "bot", "t1", "--accounts", accounts).out
        let fields = rotated.split(separator: " ")
        XCTAssertEqual(fields.count, 3, rotated)
        let fresh = String(fields.last ?? "").trimmingCharacters(in: .newlines)
        XCTAssertEqual(try eventually(fresh, "200"), "200")
        XCTAssertEqual(try status(secret), "401")
        XCTAssertEqual(try tg("token", "revoke", "bot", "t1", "--accounts", accounts).code, 0)
        stack.proxy.signal(SIGHUP)
        XCTAssertEqual(try eventually(fresh, "401"), "401")
    }
}
