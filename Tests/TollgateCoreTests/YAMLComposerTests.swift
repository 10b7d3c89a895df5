import Testing
import Yams

@testable import TollgateCore

/// The accounts file's composer must see exactly what Yams' `compose` sees: same texts, tags and positions.
@Suite("YAMLComposer and YAMLTagResolver agree with Yams")
struct YAMLComposerTests {
    @Test(
        "plain scalars resolve to Yams' default tags",
        arguments: [
            "", "~", "null", "Null", "NULL", "nULL", "yes", "No", "ON", "oFF", "true", "True", "tRUE", "y", "n",
            "0", "-0", "+12", "012", "09", "0o17", "0o", "0o8", "0x1F", "0x", "0xG", "0b101", "0b", "0b2", "1_000",
            "_1", "1:30", "1:3", "190:20:30", "1:60", "1:", "0:30", "1.5", "1.", ".5", "-.5", "._", "1e5", "1.5e",
            "1.0e+3", ".5e+3", ".5e3", "+.inf", ".Inf", "-.INF", ".nan", "-.nan", ".NaN", "1:30.5", "1:30:00.",
            "1:30", "<<", "=", "2027-11-17", "2027-1-17", "2027-11-17T10:00:00Z", "2027-11-17t10:00:00.250z",
            "2027-11-17 10:00:00", "2027-11-17  1:00:00 +2", "2027-11-17T10:00:00+02:00", "2027-11-17T10:00:00-2",
            "2027-11-17T10:00", "2027-11-17T10:00:00 Z", "2027-11-17T10:00:00.", "27-11-17", "2027-11-1",
            "never", "sha256:abc", "30d", "10s", "bot-0", "reader", "a b", "ü", "-", "+", ".", "1-2", "0.0.0.0",
        ])
    func tags(_ text: String) {
        #expect(YAMLTagResolver.resolve(text) == Resolver.default.resolveTag(of: Node(text)), "\(text)")
    }

    @Test(
        "trees: texts, tags and positions",
        arguments: [
            "a: 1\nb: [x, 'y', \"z\", ~, !!str 2, ! 3, !!int '4']\nc:\n  d: |\n    text\n  e: >\n    folded\n  f: {g: h}",
            "- &a {k: v}\n- *a\n- &s [1, 2]\n- *s\n- &x plain\n- *x",
            "? [complex, key]\n: value\n? {m: 1}\n: other\nempty:\nquoted: ''",
            "--- !!map\nt: !custom value\nseq: !!seq []\nlist: !!set {a, b}",
        ])
    func trees(_ yaml: String) throws {
        let expected = try #require(try Yams.compose(yaml: yaml))
        let actual = try #require(try compose(yaml))
        expectSame(actual, expected)
    }

    @Test("errors: the same line and message as Yams' through ConfigLoader.yamlError")
    func errors() {
        for yaml in [
            "a: [\n", "a: b: c", "a: *nothing", "a: 1\na: 2", "m:\n  x: 1\n  y: 2\n  x: 3\n  y: 4", "- a\n---\n- b",
            "a: \"unterminated", "{[1]: a, [1]: b}", "a:\n\t- b",
        ] {
            var expected: ConfigError?
            do {
                _ = try Yams.compose(yaml: yaml)
            } catch {
                expected = ConfigLoader.yamlError(error, file: "f")
            }
            var actual: ConfigError?
            do {
                _ = try compose(yaml)
            } catch {
                actual = error.configError(file: "f")
            }
            #expect(actual != nil && actual == expected, "\(yaml)")
        }
    }

    private func compose(_ yaml: String) throws(YAMLSyntaxError) -> YAMLNode? {
        try YAMLComposer.composeDocument(yaml: yaml).get()
    }

    private func expectSame(_ actual: YAMLNode, _ expected: Node, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(actual.tagName == expected.tagName, "\(expected)", sourceLocation: sourceLocation)
        #expect(actual.line == expected.mark?.line, "\(expected)", sourceLocation: sourceLocation)
        #expect(actual.column == expected.mark?.column, "\(expected)", sourceLocation: sourceLocation)
        switch (actual.content, expected) {
        case (.scalar(let text), .scalar(let scalar)):
            #expect(text == scalar.string, sourceLocation: sourceLocation)
        case (.sequence(let items), .sequence(let sequence)):
            #expect(items.count == sequence.count, sourceLocation: sourceLocation)
            for (item, node) in zip(items, sequence) { expectSame(item, node, sourceLocation: sourceLocation) }
        case (.mapping(let pairs), .mapping(let mapping)):
            #expect(pairs.count == mapping.count, sourceLocation: sourceLocation)
            for ((key, value), pair) in zip(pairs, mapping) {
                expectSame(key, pair.key, sourceLocation: sourceLocation)
                expectSame(value, pair.value, sourceLocation: sourceLocation)
            }
        default:
            Issue.record("\(actual) is not \(expected)", sourceLocation: sourceLocation)
        }
    }
}
