import TollgateCore
import Yams

/// `YAMLComposer` (the accounts file's composer) against Yams' `compose` (the reference it copies): the same
/// tree, node for node, with the same texts, resolved tags, lines and columns, or the same error as
/// `ConfigLoader.yamlError` words Yams' (YAMLComposerTests does this for chosen documents).
enum YAMLTreeComparison {
    /// Nodes compared at most: an alias repeats its node, so a small document can stand for a huge tree.
    static let budget = 20_000

    static func check(_ text: String) throws(PropertyViolation) {
        let label = show(text.utf8)
        let ours = YAMLComposer.composeDocument(yaml: text)
        let theirs = Result { try Yams.compose(yaml: text) }
        switch (ours, theirs) {
        case (.success(let node), .success(let expected)):
            switch (node, expected) {
            case (nil, nil): return
            case (let node?, let expected?):
                var remaining = budget
                try compare(node, expected, &remaining, label)
            default:
                throw PropertyViolation("composer gives \(String(describing: node)), Yams \(String(describing: expected)): \(label)")
            }
        case (.failure(let error), .failure(let yamsError)):
            let ourError = error.configError(file: "f")
            let expected = ConfigLoader.yamlError(yamsError, file: "f")
            if ourError.message == expected.message && isTiedDuplicate(expected.message) { return }
            try require(ourError == expected, "composer refuses with \(ourError), Yams with \(expected): \(label)")
        case (.success, .failure(let yamsError)):
            throw PropertyViolation("composer accepts what Yams refuses (\(yamsError)): \(label)")
        case (.failure(let error), .success):
            throw PropertyViolation("composer refuses what Yams accepts (\(error.configError(file: "f"))): \(label)")
        }
    }

    /// A duplicate-key error whose first two keys have the same text (`''` for null and for an empty string):
    /// Yams sorts them by text only, from a Dictionary, so which one's position it reports changes from run to run
    /// (hash seeding); the composer takes the first in the document. Only the position may differ then.
    private static func isTiedDuplicate(_ message: String) -> Bool {
        let prefix = "duplicate key "
        guard message.hasPrefix(prefix), message.hasSuffix(" in one mapping") else { return false }
        let names = message.dropFirst(prefix.count).dropLast(" in one mapping".count).components(separatedBy: ", ")
        return names.count >= 2 && names[0] == names[1]
    }

    private static func compare(_ node: YAMLNode, _ expected: Node, _ remaining: inout Int, _ label: String)
        throws(PropertyViolation)
    {
        guard remaining > 0 else { return }
        remaining -= 1
        let place = "node at \(node.line):\(node.column)"
        try require(node.tagName.rawValue == expected.tag.rawValue, "\(place): tag \(node.tagName.rawValue), Yams "
            + "\(expected.tag.rawValue): \(label)")
        try require(node.line == expected.mark?.line && node.column == expected.mark?.column, "\(place): Yams has "
            + "\(String(describing: expected.mark)): \(label)")
        switch (node.content, expected) {
        case (.scalar(let text), .scalar(let scalar)):
            try require(text == scalar.string, "\(place): \(text.debugDescription), Yams \(scalar.string.debugDescription): \(label)")
        case (.sequence(let items), .sequence(let sequence)):
            try require(items.count == sequence.count, "\(place): \(items.count) items, Yams \(sequence.count): \(label)")
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
