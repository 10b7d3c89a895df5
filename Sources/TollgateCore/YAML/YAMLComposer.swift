import Yams

/// Builds `YAMLNode`s from parser events as Yams' `Parser` builds `Node`s, but for one node at a time, so that a
/// caller can walk a large collection item by item and drop each item when done. Anchors hold for the whole
/// document (an alias is a copy of its node); a mapping with a duplicate key, an undefined alias and a second
/// document are errors, worded as `ConfigLoader.yamlError` words Yams' for them. So are aliases that stand for
/// more than `maxAliasNodes` nodes, which Yams does not check. Thread rule: one thread.
package struct YAMLComposer {
    private let parser: YAMLEventParser
    /// Each anchor's node, and how many nodes it stands for (its aliases included).
    private var anchors: [String: (node: YAMLNode, size: Int)] = [:]
    /// Nodes composed so far, an alias counting as the nodes it repeats.
    private var nodes = 0
    /// Nodes that aliases added to `nodes`.
    private var aliasNodes = 0

    /// Most nodes that aliases may add to a document. A few lines of nested aliases (`b: [*a, *a, ...]`,
    /// `c: [*b, *b, ...]`) stand for billions of nodes, and a key's are all walked to find duplicates, here and
    /// in Yams (found by tollgate-fuzz: a 500-byte file took minutes). Far above any real use of anchors.
    package static let maxAliasNodes = 1_000_000
    /// The error for a document whose aliases stand for more than `maxAliasNodes` nodes.
    package static let aliasLimitMessage = "invalid YAML: aliases repeat more than \(maxAliasNodes) nodes"

    /// Starts reading `bytes` (UTF-8; they must stay alive while the composer is used); `checkpoint` is called
    /// every few events (`YAMLEventParser.checkpointEvery`).
    init(bytes: UnsafeBufferPointer<UInt8>, checkpoint: @escaping () -> Void = {}) throws(YAMLSyntaxError) {
        parser = try YAMLEventParser(bytes: bytes, checkpoint: checkpoint)
    }

    /// The first event of the root node; nil for a stream without a document.
    mutating func root() throws(YAMLSyntaxError) -> YAMLEvent? {
        guard try parser.next().kind != .streamEnd else { return nil }
        return try parser.next()
    }

    /// After the root node: the document's end, and then the stream's (one document per file).
    mutating func finish() throws(YAMLSyntaxError) {
        _ = try parser.next()
        let event = try parser.next()
        guard event.kind == .streamEnd else {
            throw YAMLSyntaxError(
                line: event.line, column: event.column,
                message: "invalid YAML: but found another document (expected a single document in the stream)")
        }
    }

    /// The next event (for a caller that walks a collection itself).
    mutating func next() throws(YAMLSyntaxError) -> YAMLEvent {
        try parser.next()
    }

    /// The whole node that starts with `event`.
    mutating func node(from event: YAMLEvent) throws(YAMLSyntaxError) -> YAMLNode {
        var node = YAMLNode(content: .alias, tagName: event.tag, line: event.line, column: event.column)
        let start = nodes
        switch event.kind {
        case .alias:
            guard let target = anchors[event.text] else {
                throw YAMLSyntaxError(
                    line: event.line, column: event.column, message: "invalid YAML: found undefined alias")
            }
            nodes += target.size
            aliasNodes += target.size
            guard aliasNodes <= Self.maxAliasNodes else {
                throw YAMLSyntaxError(line: event.line, column: event.column, message: Self.aliasLimitMessage)
            }
            return target.node
        case .scalar:
            nodes += 1
            node.content = .scalar(event.text)
        case .sequenceStart:
            nodes += 1
            var items: [YAMLNode] = []
            var item = try parser.next()
            while item.kind != .sequenceEnd {
                items.append(try self.node(from: item))
                item = try parser.next()
            }
            node.content = .sequence(items)
        case .mappingStart:
            nodes += 1
            var pairs: [(YAMLNode, YAMLNode)] = []
            var key = try parser.next()
            while key.kind != .mappingEnd {
                let keyNode = try self.node(from: key)
                let value = try self.node(from: try parser.next())
                pairs.append((keyNode, value))
                key = try parser.next()
            }
            try Self.checkDuplicates(pairs.map(\.0))
            node.content = .mapping(pairs)
        default:
            // libyaml never starts a node with another event.
            throw YAMLSyntaxError(line: event.line, column: event.column, message: "invalid YAML: unexpected event")
        }
        if let anchor = event.anchor { anchors[anchor] = (node, nodes - start) }
        return node
    }

    /// Registers `node` under `event`'s anchor (for a collection a caller walked itself).
    mutating func register(_ node: YAMLNode, for event: YAMLEvent) {
        if let anchor = event.anchor { anchors[anchor] = (node, Self.size(of: node)) }
    }

    /// How many nodes `node` holds, counting into every alias copy.
    private static func size(of node: YAMLNode) -> Int {
        switch node.content {
        case .sequence(let items): return items.reduce(1) { $0 + size(of: $1) }
        case .mapping(let pairs): return pairs.reduce(1) { $0 + size(of: $1.0) + size(of: $1.1) }
        case .scalar, .alias: return 1
        }
    }

    /// Yams' check: every key that occurs twice, named in Yams' order, at the first occurrence of the first one.
    static func checkDuplicates(_ keys: [YAMLNode]) throws(YAMLSyntaxError) {
        guard keys.count > 1 else { return }
        var repeated: [YAMLNode] = []
        if keys.count <= 16 {
            // Small mappings (every mapping of a well-formed file): no hashing, no allocation.
            for index in 1..<keys.count {
                if let first = keys[..<index].first(where: { $0 == keys[index] }), !repeated.contains(first) {
                    repeated.append(first)
                }
            }
        } else {
            var seen: [YAMLNode: YAMLNode] = [:]
            var counted: Set<YAMLNode> = []
            for key in keys {
                if let first = seen[key] {
                    if counted.insert(first).inserted { repeated.append(first) }
                } else {
                    seen[key] = key
                }
            }
        }
        guard !repeated.isEmpty else { return }
        let sorted = repeated.sorted(by: YAMLNode.precedes)
        let names = sorted.map { "'\($0.string ?? "<uncovertable>")'" }.joined(separator: ", ")
        throw YAMLSyntaxError(
            line: sorted[0].line, column: sorted[0].column, message: "duplicate key \(names) in one mapping")
    }
}

extension YAMLComposer {
    /// The whole document as one tree, nil for a stream without one: what the accounts loader composes piece by
    /// piece, for holding against Yams' `compose` (the YAML tests and the fuzz harness in `TollgateFuzzing`).
    package static func composeDocument(yaml: String) -> Result<YAMLNode?, YAMLSyntaxError> {
        var text = yaml
        return text.withUTF8 { bytes in
            Result { () throws(YAMLSyntaxError) -> YAMLNode? in
                var composer = try YAMLComposer(bytes: bytes)
                guard let first = try composer.root() else { return nil }
                let node = try composer.node(from: first)
                try composer.finish()
                return node
            }
        }
    }
}
