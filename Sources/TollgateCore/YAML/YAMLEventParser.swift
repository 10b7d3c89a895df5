private import CYaml
import Yams

/// One libyaml parse event, copied out of C: the positions are 1-based like Yams' `Mark`.
struct YAMLEvent {
    /// What the event is.
    enum Kind {
        case streamEnd, documentStart, documentEnd, alias, scalar, sequenceStart, sequenceEnd, mappingStart, mappingEnd
    }

    var kind: Kind
    /// A scalar's text, or the anchor an alias names.
    var text = ""
    /// The resolved tag: of a scalar as Yams' default resolver names it; of a collection `seq`/`map` or explicit.
    var tag = Tag.Name.str
    /// The anchor (`&name`) a scalar or collection defines.
    var anchor: String?
    var line = 0
    var column = 0
}

/// Pull parser over libyaml's event API, the streaming layer under Yams' `compose` (which builds a whole tree;
/// the accounts file is read a piece at a time instead). Errors are worded as `ConfigLoader.yamlError` words
/// Yams' for the same document. Thread rule: one thread at a time; the bytes must outlive the parser.
///
/// The only C in Core: CYaml is Yams' own copy of libyaml, already linked; no C type leaves this file.
final class YAMLEventParser {
    private var parser = yaml_parser_t()
    /// Called every `checkpointEvery` events (see `AccountsLoader.parse`).
    private let checkpoint: () -> Void
    private var untilCheckpoint = YAMLEventParser.checkpointEvery
    /// About 10 µs of parsing between checkpoints.
    static let checkpointEvery = 32

    /// Starts parsing UTF-8 `bytes` and reads the stream-start event; `checkpoint` is called every 32 events.
    init(bytes: UnsafeBufferPointer<UInt8>, checkpoint: @escaping () -> Void = {}) throws(YAMLSyntaxError) {
        self.checkpoint = checkpoint
        yaml_parser_initialize(&parser)
        yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING)
        yaml_parser_set_input_string(&parser, bytes.baseAddress, bytes.count)
        _ = try next()
    }

    deinit {
        yaml_parser_delete(&parser)
    }

    /// The next event; after `streamEnd` libyaml keeps answering `streamEnd`.
    func next() throws(YAMLSyntaxError) -> YAMLEvent {
        untilCheckpoint -= 1
        if untilCheckpoint == 0 {
            untilCheckpoint = Self.checkpointEvery
            checkpoint()
        }
        var event = yaml_event_t()
        guard yaml_parser_parse(&parser, &event) == 1 else { throw error() }
        defer { yaml_event_delete(&event) }
        var result = YAMLEvent(
            kind: .streamEnd, line: Int(event.start_mark.line) + 1, column: Int(event.start_mark.column) + 1)
        switch event.type {
        case YAML_DOCUMENT_START_EVENT: result.kind = .documentStart
        case YAML_DOCUMENT_END_EVENT: result.kind = .documentEnd
        case YAML_ALIAS_EVENT:
            result.kind = .alias
            result.text = Self.string(event.data.alias.anchor) ?? ""
        case YAML_SCALAR_EVENT:
            let scalar = event.data.scalar
            result.kind = .scalar
            let bytes = UnsafeBufferPointer(start: scalar.value, count: scalar.length)
            result.text = String(decoding: bytes, as: UTF8.self)
            result.anchor = Self.string(scalar.anchor)
            // As Yams' Parser: quoted (or block) without a tag is a string; plain without a tag is resolved; `!` is
            // non-specific, which Yams reads as a string.
            if scalar.quoted_implicit == 1 {
                result.tag = .str
            } else if let tag = Self.string(scalar.tag) {
                result.tag = tag == Tag.Name.nonSpecific.rawValue ? .str : Tag.Name(rawValue: tag)
            } else {
                result.tag = YAMLTagResolver.resolve(bytes: bytes)
            }
        case YAML_SEQUENCE_START_EVENT:
            let start = event.data.sequence_start
            result.kind = .sequenceStart
            result.anchor = Self.string(start.anchor)
            result.tag = Self.collectionTag(implicit: start.implicit, tag: start.tag, default: .seq)
        case YAML_SEQUENCE_END_EVENT: result.kind = .sequenceEnd
        case YAML_MAPPING_START_EVENT:
            let start = event.data.mapping_start
            result.kind = .mappingStart
            result.anchor = Self.string(start.anchor)
            result.tag = Self.collectionTag(implicit: start.implicit, tag: start.tag, default: .map)
        case YAML_MAPPING_END_EVENT: result.kind = .mappingEnd
        default: result.kind = .streamEnd
        }
        return result
    }

    /// A collection's resolved tag as Yams' `Node.Mapping`/`Node.Sequence` report it.
    private static func collectionTag(implicit: Int32, tag: UnsafeMutablePointer<UInt8>?, default name: Tag.Name)
        -> Tag.Name
    {
        guard implicit == 0, let text = string(tag), text != Tag.Name.implicit.rawValue else { return name }
        return text == Tag.Name.nonSpecific.rawValue ? name : Tag.Name(rawValue: text)
    }

    private static func string(_ pointer: UnsafeMutablePointer<UInt8>?) -> String? {
        guard let pointer else { return nil }
        return String(cString: pointer)
    }

    /// The parser's error, worded as `ConfigLoader.yamlError` words Yams' `YamlError` for it.
    private func error() -> YAMLSyntaxError {
        let problem = parser.problem.map { String(cString: $0) } ?? "unknown problem"
        switch parser.error {
        case YAML_MEMORY_ERROR: return YAMLSyntaxError(message: "invalid YAML: Memory error")
        case YAML_READER_ERROR: return YAMLSyntaxError(message: "invalid YAML: \(problem)")
        default:
            let detail = parser.context.map { " (\(String(cString: $0)))" } ?? ""
            return YAMLSyntaxError(
                line: Int(parser.problem_mark.line) + 1, column: Int(parser.problem_mark.column) + 1,
                message: "invalid YAML: \(problem)\(detail)")
        }
    }
}

/// A YAML document that cannot be composed: a syntax error, an undefined alias, a duplicate key, more than one
/// document. It replaces every other error of the file, as Yams' `compose` failing did.
package struct YAMLSyntaxError: Error {
    package var line: Int?
    package var column: Int?
    package var message: String

    /// The error as reported for `file`.
    package func configError(file: String) -> ConfigError {
        ConfigError(file: file, line: line, column: column, message: message)
    }
}
