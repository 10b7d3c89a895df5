import Yams

/// The config file's reader and field: over Yams' composed `Node`.
typealias ConfigReader = YAMLReader<Node>
typealias ConfigField = YAMLField<Node>

/// One `key: value` pair of a YAML mapping, with the dotted path used in messages (`limits.header_timeout`).
struct YAMLField<N: ReadableNode> {
    /// The key as written.
    let key: String
    /// The key node (its mark points at the key).
    let keyNode: N
    /// The value node.
    let value: N
    /// The mapping's path (the field is `parent.key`), or for a list item the list field's own path.
    private let parent: String
    /// The position of a list item in its list field; nil for a mapping field.
    private let index: Int?

    /// A field `key` of the mapping at `parent`.
    init(key: String, parent: String, keyNode: N, value: N) {
        self.key = key
        self.parent = parent
        self.keyNode = keyNode
        self.value = value
        index = nil
    }

    /// Item `index` of the list in `field`, read with the list field's key.
    init(item index: Int, of field: YAMLField<N>, value: N) {
        key = field.key
        parent = field.path
        keyNode = field.keyNode
        self.value = value
        self.index = index
    }

    /// Dotted path for messages, made when asked: a valid file never needs it (a 100,000-token file has
    /// 400,000 fields).
    var path: String {
        if let index { return "\(parent)[\(index)]" }
        return parent.isEmpty ? key : "\(parent).\(key)"
    }
}

/// Walks a composed YAML tree and collects every error with file, line and column (never stops at the first).
/// Generic over the node type: the config is read from Yams' `Node`, the accounts file from `YAMLNode`.
struct YAMLReader<N: ReadableNode> {
    /// The file name used in errors.
    let file: String
    /// Everything found wrong so far.
    private(set) var errors: [ConfigError] = []
    /// What the top-level mapping is called in messages.
    var documentName = "the config"

    init(file: String) {
        self.file = file
    }

    /// Records an error at `node`'s position.
    mutating func fail(_ node: N?, _ message: String) {
        let position = node?.position
        errors.append(ConfigError(file: file, line: position?.line, column: position?.column, message: message))
    }

    /// Puts errors found by another reader before this one's (the accounts file's top-level keys).
    mutating func prepend(_ other: [ConfigError]) {
        errors.insert(contentsOf: other, at: 0)
    }

    /// The fields of a mapping, in order; unknown and non-string keys are reported (with the allowed ones).
    mutating func fields(of node: N, path: String, allowed: [String]) -> [YAMLField<N>]? {
        guard case .mapping(let mapping) = node.content else {
            fail(node, "\(path.isEmpty ? documentName : path) must be a mapping of keys, got \(kind(node))")
            return nil
        }
        var result: [YAMLField<N>] = []
        result.reserveCapacity(mapping.count)
        for (keyNode, value) in mapping {
            guard let key = key(keyNode, path: path, allowed: allowed) else { continue }
            // At most `allowed.count` fields are kept, so a linear search (no Set per mapping) stays short.
            if result.contains(where: { $0.key == key }) {
                reportRepeated(key, keyNode, path)
                continue
            }
            result.append(YAMLField(key: key, parent: path, keyNode: keyNode, value: value))
        }
        return result
    }

    /// A mapping key's text when it is one of `allowed`; other keys and non-scalar keys are reported.
    mutating func key(_ keyNode: N, path: String, allowed: [String]) -> String? {
        guard case .scalar(let key) = keyNode.content else {
            fail(keyNode, "keys must be plain names, got \(kind(keyNode))\(path.isEmpty ? "" : " in \(path)")")
            return nil
        }
        guard allowed.contains(key) else {
            let place = path.isEmpty ? "at the top level" : "in \(path)"
            fail(keyNode, "unknown key '\(key)' \(place); allowed: \(allowed.joined(separator: ", "))")
            return nil
        }
        return key
    }

    /// True (and reported) when `key` was already read in this mapping: YAML takes `groups` and `!!map groups` for
    /// two keys, tollgate for one, and two readers of one file must not pick different ones (found by tollgate-fuzz).
    mutating func isRepeated(_ key: String, _ keyNode: N, _ path: String, _ seen: inout Set<String>) -> Bool {
        if seen.insert(key).inserted { return false }
        reportRepeated(key, keyNode, path)
        return true
    }

    /// Reports `key` as read twice in the mapping at `path`.
    mutating func reportRepeated(_ key: String, _ keyNode: N, _ path: String) {
        fail(keyNode, "duplicate key '\(key)'\(path.isEmpty ? "" : " in \(path)") (the same name with another tag)")
    }

    /// A scalar's text; null values and collections are errors.
    mutating func string(_ field: YAMLField<N>) -> String? {
        guard case .scalar(let text) = field.value.content else {
            fail(field.value, "\(field.path) must be a string, got \(kind(field.value))")
            return nil
        }
        if field.value.tagName == .null {
            fail(field.value, "\(field.path) needs a value (remove the key to use the default)")
            return nil
        }
        return text
    }

    /// `true` or `false` (YAML's other boolean spellings are accepted; quoted strings are not).
    mutating func bool(_ field: YAMLField<N>) -> Bool? {
        guard case .scalar = field.value.content, field.value.tagName == .bool, let value = field.value.bool else {
            fail(field.value, "\(field.path) must be true or false, got \(kind(field.value))")
            return nil
        }
        return value
    }

    /// A duration such as `10s`, in seconds; zero only when `allowZero`.
    mutating func duration(_ field: YAMLField<N>, allowZero: Bool = false) -> Double? {
        guard case .scalar(let text) = field.value.content else {
            fail(field.value, "\(field.path) must be a duration like 10s, got \(kind(field.value))")
            return nil
        }
        let tag = field.value.tagName
        if tag == .int || tag == .float {
            fail(field.value, "\(field.path): '\(text)' has no unit; add a unit, e.g. 10s")
            return nil
        }
        guard let seconds = DurationParser.parse(text) else {
            fail(
                field.value,
                "\(field.path): '\(text)' is not a duration; use a number and a unit: "
                    + "500ms, 10s, 5m, 2h or 30d")
            return nil
        }
        guard seconds > 0 || (allowZero && seconds == 0) else {
            fail(field.value, "\(field.path) must be more than 0")
            return nil
        }
        return seconds
    }

    /// A list of strings, each with its node; `allowSingle` also accepts one bare string.
    mutating func strings(_ field: YAMLField<N>, allowSingle: Bool = false) -> [(text: String, node: N)]? {
        switch field.value.content {
        case .scalar where allowSingle:
            return string(field).map { [($0, field.value)] }
        case .sequence(let sequence):
            var result: [(text: String, node: N)] = []
            result.reserveCapacity(sequence.count)
            var ok = true
            for (index, item) in sequence.enumerated() {
                let itemField = YAMLField(item: index, of: field, value: item)
                if let text = string(itemField) { result.append((text, item)) } else { ok = false }
            }
            return ok ? result : nil
        default:
            let expected = allowSingle ? "a string or a list of strings" : "a list of strings"
            fail(field.value, "\(field.path) must be \(expected), got \(kind(field.value))")
            return nil
        }
    }

    /// What a node is, for messages: `a list`, `a mapping`, `null`, `a number (8080)`, `a string ("x")`.
    func kind(_ node: N) -> String {
        switch node.content {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        case .scalar(let text):
            switch node.tagName {
            case .null: return "null"
            case .int, .float: return "a number (\(text))"
            case .bool: return "a boolean (\(text))"
            default: return "a string (\"\(text)\")"
            }
        }
    }
}

extension YAMLReader where N == Node {
    /// An integer within `range`.
    mutating func int(_ field: ConfigField, in range: ClosedRange<Int>) -> Int? {
        guard case .scalar(let scalar) = field.value, field.value.tagName == .int else {
            fail(field.value, "\(field.path) must be a whole number, got \(kind(field.value))")
            return nil
        }
        guard let value = field.value.int else {
            fail(field.value, "\(field.path): '\(scalar.string)' is too large")
            return nil
        }
        guard range.contains(value) else {
            let bound =
                range.upperBound == Int.max
                ? "at least \(range.lowerBound)" : "\(range.lowerBound)...\(range.upperBound)"
            fail(field.value, "\(field.path) must be \(bound), got \(value)")
            return nil
        }
        return value
    }
}

