import Yams

/// What a composed YAML node holds, as `YAMLReader` looks at it.
package enum YAMLContent<N> {
    case scalar(String)
    case mapping([(N, N)])
    case sequence([N])
    /// Only in hand-built Yams trees: composing resolves every alias to its node.
    case alias
}

/// A composed YAML node that `YAMLReader` can check: Yams' `Node` (the config) or `YAMLNode` (the accounts file).
protocol ReadableNode {
    /// The node's content.
    var content: YAMLContent<Self> { get }
    /// The resolved tag's name (`str`, `int`, `null`, ... for scalars).
    var tagName: Tag.Name { get }
    /// 1-based line and column, when known.
    var position: (line: Int, column: Int)? { get }
    /// A `bool`-tagged scalar's value (Yams' `Bool.construct` rules).
    var bool: Bool? { get }
}

extension Node: ReadableNode {
    var content: YAMLContent<Node> {
        switch self {
        case .scalar(let scalar): return .scalar(scalar.string)
        case .mapping(let mapping): return .mapping(mapping.map { ($0.key, $0.value) })
        case .sequence(let sequence): return .sequence(Array(sequence))
        case .alias: return .alias
        }
    }

    /// The resolved tag's name (`Tag.name` is internal to Yams; `rawValue` is the same text).
    var tagName: Tag.Name {
        Tag.Name(rawValue: tag.rawValue)
    }

    var position: (line: Int, column: Int)? {
        mark.map { ($0.line, $0.column) }
    }
}
