import Testing

@testable import TollgateCore

/// Fuzz find (tollgate-fuzz accounts): `groups:` and `!!map groups:` are two keys to YAML (their tags differ) and
/// one to tollgate. The streaming accounts reader took the last, the whole-tree reader the first, and both
/// accepted the file. A name used twice in one mapping is now an error in every file tollgate reads.
@Suite("A key written twice with different tags")
struct RepeatedKeyTests {
    @Test("the accounts file is refused, the same way by the streaming and the whole-tree reader")
    func accounts() {
        let yaml = "groups:\n!!map groups:\n  g: {roles: [r]}\naccounts: []\n"
        let streamed = AccountsLoader.parse(yaml: yaml, path: "a.yaml")
        guard case .failure(let errors) = streamed else {
            Issue.record("accepted: \(streamed)")
            return
        }
        #expect(errors.description == "a.yaml:2:1: duplicate key 'groups' (the same name with another tag)")
        guard case .failure(let treeErrors) = AccountsLoader.parseWholeTree(yaml: yaml, path: "a.yaml") else {
            Issue.record("the whole-tree reader accepted it")
            return
        }
        #expect(treeErrors.errors == errors.errors)
    }

    @Test("so is a config, at the top level and in a section")
    func config() {
        let yaml = """
            listen: "127.0.0.1:8080"
            !x listen: "127.0.0.1:9"
            upstream: "http://127.0.0.1:8081"
            limits:
              idle_timeout: 5s
              !x idle_timeout: 6s
            """
        guard case .failure(let errors) = ConfigLoader.parse(yaml: yaml, path: "c.yaml") else {
            Issue.record("accepted")
            return
        }
        #expect(
            errors.errors.map(\.description) == [
                "c.yaml:2:1: duplicate key 'listen' (the same name with another tag)",
                "c.yaml:6:3: duplicate key 'idle_timeout' in limits (the same name with another tag)",
            ])
    }
}
