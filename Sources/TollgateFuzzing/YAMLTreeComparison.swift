import TollgateCore
import Yams

/// `YAMLComposer` (the accounts file's composer) against Yams' `compose` (the reference it copies): the same
/// tree, node for node, with the same texts, resolved tags, lines and columns, or the same error as
/// `ConfigLoader.yamlError` words Yams' (YAMLComposerTests does this for chosen documents). Aliases that repeat
/// too many nodes are the composer's own error (Yams has no such limit).
enum YAMLTreeComparison {
    /// Nodes compared at most: an alias repeats its node, so a small document can stand for a huge tree.
    static let budget = 20_000

    static func check(_ text: String) throws(PropertyViolation) {
        let label = show(text.utf8)
        let ours = YAMLComposer.composeDocument(yaml: text)
        // Not held against Yams, which would take hours: aliases that repeat too many nodes (the composer's own
        // error; Yams has no limit), and duplicate keys that are collections (Yams sorts them in 2^depth time;
        // `ConfigLoader` lets the composer refuse both before Yams sees them).
        if case .failure(let error) = ours {
            if error.message == YAMLComposer.aliasLimitMessage { return }
            if let keys = duplicateKeys(error.message), keys.contains("'<uncovertable>'") { return }
        }
        let theirs = Result { try Yams.compose(yaml: text) }
        switch (ours, theirs) {
        case (.success(let node), .success(let expected)):
            switch (node, expected) {
            case (nil, nil): return
            case (let node?, let expected?):
                var remaining = budget
                try compare(node, expected, &remaining, label)
            default:
                throw PropertyViolation(
                    "composer gives \(String(describing: node)), Yams \(String(describing: expected)): \(label)")
            }
        case (.failure(let error), .failure(let yamsError)):
            let ourError = error.configError(file: "f")
            let expected = ConfigLoader.yamlError(yamsError, file: "f")
            if let ours = duplicateKeys(ourError.message), let theirs = duplicateKeys(expected.message),
                ours.sorted() == theirs.sorted(), isTied(theirs)
            {
                return
            }
            try require(ourError == expected, "composer refuses with \(ourError), Yams with \(expected): \(label)")
        case (.success, .failure(let yamsError)):
            throw PropertyViolation("composer accepts what Yams refuses (\(yamsError)): \(label)")
        case (.failure(let error), .success):
            throw PropertyViolation("composer refuses what Yams accepts (\(error.configError(file: "f"))): \(label)")
        }
    }

    /// The key names of a duplicate-key error, in the order given.
    private static func duplicateKeys(_ message: String) -> [String]? {
        let prefix = "duplicate key "
        let suffix = " in one mapping"
        guard message.hasPrefix(prefix), message.hasSuffix(suffix) else { return nil }
        return message.dropFirst(prefix.count).dropLast(suffix.count).components(separatedBy: ", ")
    }

    /// Yams sorts duplicate keys with `Node.<`, which compares scalars by text only and collections of different
    /// kinds not at all, over a Dictionary's keys: when two keys tie (the same text with different tags, such as
    /// `''` for null and for an empty string, or a collection, `'<uncovertable>'`), the order, and so the position
    /// reported, changes from run to run (hash seeding). The composer takes document order. The same keys must
    /// be named; only their order and the position may differ then.
    private static func isTied(_ names: [String]) -> Bool {
        Set(names).count < names.count || names.contains("'<uncovertable>'")
    }

    private static func compare(_ node: YAMLNode, _ expected: Node, _ remaining: inout Int, _ label: String)
        throws(PropertyViolation)
    {
        guard remaining > 0 else { return }
        remaining -= 1
        let place = "node at \(node.line):\(node.column)"
        try require(
            node.tagName.rawValue == expected.tag.rawValue,
            "\(place): tag \(node.tagName.rawValue), Yams "
                + "\(expected.tag.rawValue): \(label)")
        try require(
            node.line == expected.mark?.line && node.column == expected.mark?.column,
            "\(place): Yams has "
                + "\(String(describing: expected.mark)): \(label)")
        switch (node.content, expected) {
        case (.scalar(let text), .scalar(let scalar)):
            try require(
                text == scalar.string,
                "\(place): \(text.debugDescription), Yams \(scalar.string.debugDescription): \(label)")
        case (.sequence(let items), .sequence(let sequence)):
            try require(
                items.count == sequence.count, "\(place): \(items.count) items, Yams \(sequence.count): \(label)")
            for (item, other) in zip(items, sequence) { try compare(item, other, &remaining, label) }
        case (.mapping(let pairs), .mapping(let mapping)):
            try require(pairs.count == mapping.count, "\(place): \(pairs.count) pairs, Yams \(mapping.count): \(label)")
            for ((key, value), pair) in zip(pairs, mapping) {
                try compare(key, pair.key, &remaining, label)
                try compare(value, pair.value, &remaining, label)
            }
        default:
            throw PropertyViolation("\(place): \(node.content) is not Yams' \(expected): \(label)")
        }
    }
}
