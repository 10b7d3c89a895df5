import Testing
import Yams

@testable import TollgateCore

/// Fuzz finds (tollgate-fuzz accounts and config): small files that took minutes to hours to load.
/// - Nested aliases make a few hundred bytes stand for billions of nodes, and every mapping key's nodes are walked
///   to find duplicates (by Yams for the config, by `YAMLComposer` for the accounts file). Aliases may now repeat
///   at most `YAMLComposer.maxAliasNodes` nodes; past that the file is refused with a line.
/// - Duplicate keys that are nested collections were sorted with an order that asks `<` and then `>` at every
///   level (Yams' `Node.<`, copied by `YAMLNode.precedes`): 2^depth. The composer now orders in one walk, and the
///   config is read by the composer before Yams, so Yams never sorts such keys.
@Suite("YAML blow-ups")
struct YAMLBlowUpTests {
    /// `x0: &a0 [a × 10]`, `x1: &a1 [*a0 × 10]`, ... `x<levels>`, then `extra` (e.g. a key that is the last alias).
    private func bomb(levels: Int, extra: String = "") -> String {
        var text = "x0: &a0 [" + Array(repeating: "a", count: 10).joined(separator: ", ") + "]\n"
        for level in 1...levels {
            text +=
                "x\(level): &a\(level) [" + Array(repeating: "*a\(level - 1)", count: 10).joined(separator: ", ")
                + "]\n"
        }
        return text + extra
    }

    private func expectAliasLimit(_ result: Result<some Any, ConfigErrors>, line: Int) {
        guard case .failure(let errors) = result else {
            Issue.record("accepted")
            return
        }
        #expect(errors.errors.count == 1)
        #expect(errors.errors.first?.message == YAMLComposer.aliasLimitMessage, "\(errors)")
        #expect(errors.errors.first?.line == line, "\(errors)")
    }

    @Test("aliases that repeat more than the limit are refused in the accounts file, at the alias past it")
    func accounts() {
        // Levels 1-4 repeat 123,450 nodes; the ninth *a4 (111,111 nodes each) of x5 takes them past 1,000,000.
        expectAliasLimit(AccountsLoader.parse(yaml: bomb(levels: 5), path: "a.yaml"), line: 6)
        expectAliasLimit(AccountsLoader.parse(yaml: bomb(levels: 5, extra: "? *a5\n: 1\n"), path: "a.yaml"), line: 6)
        expectAliasLimit(AccountsLoader.parseWholeTree(yaml: bomb(levels: 5), path: "a.yaml"), line: 6)
    }

    @Test("and in the config, before Yams composes it")
    func config() {
        let prefix = "listen: \"127.0.0.1:8080\"\nupstream: \"http://127.0.0.1:8081\"\n"
        expectAliasLimit(ConfigLoader.parse(yaml: prefix + bomb(levels: 5), path: "c.yaml"), line: 8)
        expectAliasLimit(
            ConfigLoader.parse(yaml: prefix + bomb(levels: 5, extra: "? *a5\n: 1\n"), path: "c.yaml"), line: 8)
    }

    @Test("aliases under the limit still work")
    func underTheLimit() throws {
        let file = try AccountsLoader.parse(
            yaml: "groups:\n  g: &r {roles: [a, b]}\n  h: *r\naccounts:\n  - name: x\n    groups: [g, h]\n",
            path: "a.yaml"
        ).get()
        #expect(file.groups.map(\.roles) == [["a", "b"], ["a", "b"]])
        // Four levels repeat 123,450 nodes: allowed (and not config keys, so refused for that only).
        guard case .failure(let errors) = ConfigLoader.parse(yaml: bomb(levels: 4), path: "c.yaml") else {
            Issue.record("accepted")
            return
        }
        #expect(!errors.errors.contains { $0.message == YAMLComposer.aliasLimitMessage })
    }

    /// `{{{a: value}: 1}: 1}` nested `depth` deep: a mapping whose only key is a mapping whose only key is ...
    private func nestedKey(_ value: Int, depth: Int) -> String {
        String(repeating: "{", count: depth) + "a: \(value)}" + String(repeating: ": 1}", count: depth - 1)
    }

    /// Two keys that differ only in the innermost value, each twice. Mappings are ordered by their keys only, so the
    /// two tie at every level, and the old order asked `<` and `>` all the way down: 2^depth (depth 24 took 10 s).
    private func nestedDuplicates(depth: Int) -> String {
        let a = nestedKey(1, depth: depth)
        let b = nestedKey(2, depth: depth)
        return "? [\(a)]\n: 1\n? [\(b)]\n: 2\n? [\(a)]\n: 3\n? [\(b)]\n: 4\n"
    }

    @Test("nested duplicate keys are reported, in the accounts file and in the config")
    func nestedDuplicateKeys() {
        let deep = nestedDuplicates(depth: 40)
        for result in [
            AccountsLoader.parse(yaml: deep, path: "f").map { _ in () },
            ConfigLoader.parse(yaml: deep, path: "f").map { _ in () },
        ] {
            guard case .failure(let errors) = result else {
                Issue.record("accepted")
                continue
            }
            #expect(errors.errors.count == 1)
            #expect(errors.errors.first?.message == "duplicate key '<uncovertable>', '<uncovertable>' in one mapping")
            #expect(errors.errors.first?.line == 1)
        }
    }

    @Test("the config's YAML errors are still worded and placed as Yams words and places them")
    func configErrorsAsYams() throws {
        // (Not two tied duplicate keys: Yams reports the position of either, depending on hash seeding.)
        for yaml in [
            "? [x, {y: 1}]\n: 1\nb: 2\n? [x, {y: 1}]\n: 3\n", "a: [\n", "a: b: c", "a: *nothing", "a: 1\na: 2",
            "- a\n---\n- b",
        ] {
            var expected: ConfigError?
            do {
                _ = try Yams.compose(yaml: yaml)
            } catch {
                expected = ConfigLoader.yamlError(error, file: "f")
            }
            guard case .failure(let errors) = ConfigLoader.parse(yaml: yaml, path: "f") else {
                Issue.record("accepted \(yaml)")
                continue
            }
            #expect(expected != nil && errors.errors == [expected!], "\(yaml)")
        }
    }
}
