import Yams

/// A composed YAML node with its position: the light tree the accounts file is read into, one account at a time
/// (Yams' `Node` carries a class instance per scalar and cannot be built outside Yams: `Mark` has no public
/// initialiser). Equality and hashing ignore the position, as Yams' do: they decide duplicate keys.
package struct YAMLNode: ReadableNode, Hashable {
    package var content: YAMLContent<YAMLNode>
    /// Resolved as Yams resolves it (`YAMLEventParser`).
    package var tagName: Tag.Name
    package var line: Int
    package var column: Int

    var position: (line: Int, column: Int)? { (line, column) }

    var bool: Bool? {
        guard case .scalar(let text) = content, tagName != .str else { return nil }
        switch text.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: return nil
        }
    }

    /// The text Yams' `Node.string` gives (for duplicate-key messages).
    var string: String? {
        switch content {
        case .scalar(let text): return text
        case .mapping(let pairs): return pairs.first { $0.0.tagName == .value }.flatMap { $0.1.string }
        default: return nil
        }
    }

    package static func == (lhs: YAMLNode, rhs: YAMLNode) -> Bool {
        guard lhs.tagName == rhs.tagName else { return false }
        switch (lhs.content, rhs.content) {
        case (.scalar(let left), .scalar(let right)): return left == right
        case (.sequence(let left), .sequence(let right)): return left == right
        case (.mapping(let left), .mapping(let right)):
            return left.count == right.count && zip(left, right).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: return false
        }
    }

    package func hash(into hasher: inout Hasher) {
        hasher.combine(tagName)
        switch content {
        case .scalar(let text): hasher.combine(text)
        case .sequence(let nodes): hasher.combine(nodes)
        case .mapping(let pairs):
            hasher.combine(pairs.count)
            for (key, value) in pairs {
                hasher.combine(key)
                hasher.combine(value)
            }
        case .alias: break
        }
    }

    /// Yams' `Node` order: scalars by text, collections element by element (mappings by key), other pairs false.
    static func precedes(_ lhs: YAMLNode, _ rhs: YAMLNode) -> Bool {
        order(lhs, rhs) == .ascending
    }

    private enum Order { case ascending, descending, same }

    /// `precedes` both ways in one walk: ascending when `lhs` precedes `rhs`, descending when `rhs` precedes `lhs`,
    /// else same. Yams' `Array.<` asks `<` and then `>` of each pair of elements, which doubles the work at every
    /// level of nested keys: 2^depth for a 2 KB file (found by tollgate-fuzz). One walk gives the same answers.
    private static func order(_ lhs: YAMLNode, _ rhs: YAMLNode) -> Order {
        func lexicographic(_ left: [YAMLNode], _ right: [YAMLNode]) -> Order {
            for (l, r) in zip(left, right) {
                let result = order(l, r)
                if result != .same { return result }
            }
            return left.count < right.count ? .ascending : left.count > right.count ? .descending : .same
        }
        switch (lhs.content, rhs.content) {
        case (.scalar(let left), .scalar(let right)):
            return left < right ? .ascending : right < left ? .descending : .same
        case (.sequence(let left), .sequence(let right)): return lexicographic(left, right)
        case (.mapping(let left), .mapping(let right)): return lexicographic(left.map(\.0), right.map(\.0))
        default: return .same
        }
    }
}
