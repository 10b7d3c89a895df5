import Foundation
import Yams

/// Reads and validates the config file (SPEC section 2): load -> validate -> build, reporting every error.
public enum ConfigLoader {
    /// Realm used when the file sets none.
    public static let defaultRealm = "tollgate"

    /// Reads the file at `path` and parses it; an unreadable file is an error too.
    public static func load(path: String) -> Result<TollgateConfig, ConfigErrors> {
        let text: String
        switch readUTF8(path: path) {
        case .success(let decoded): text = decoded
        case .failure(let error): return failure(error)
        }
        return parse(yaml: text, path: path)
    }

    /// Parses and validates YAML text; `path` names the file in errors and anchors relative paths.
    public static func parse(yaml: String, path: String) -> Result<TollgateConfig, ConfigErrors> {
        // The accounts file's composer reads the document first: it refuses what Yams refuses, with the same words
        // and position, but also aliases that repeat too many nodes, and it orders duplicate keys in linear time.
        // Yams would spend hours on a few lines of nested aliases or of nested duplicate keys (found by
        // tollgate-fuzz). Yams then builds the tree of a document the composer accepted.
        if case .failure(let error) = YAMLComposer.composeDocument(yaml: yaml) {
            return failure(error.configError(file: path))
        }
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch {
            return failure(yamlError(error, file: path))
        }
        guard let root else {
            return failure(ConfigError(file: path, message: "the file is empty; it needs at least listen and upstream"))
        }
        var builder = ConfigBuilder(path: path)
        let config = builder.build(root)
        let errors = builder.reader.errors
        if let config, errors.isEmpty { return .success(config) }
        return .failure(inDocumentOrder(errors))
    }

    /// The file's text; unreadable or non-UTF-8 content is an error without a line.
    static func readUTF8(path: String) -> Result<String, ConfigError> {
        do {
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            guard let decoded = String(data: data, encoding: .utf8) else {
                return .failure(ConfigError(file: path, message: "the file is not valid UTF-8"))
            }
            return .success(decoded)
        } catch {
            return .failure(ConfigError(file: path, message: "cannot read the file: \(reason(of: error))"))
        }
    }

    /// Stable sort: document order, errors without a position last.
    static func inDocumentOrder(_ errors: [ConfigError]) -> ConfigErrors {
        let sorted = errors.enumerated().sorted { left, right in
            let leftLine = left.element.line ?? Int.max
            let rightLine = right.element.line ?? Int.max
            return leftLine != rightLine ? leftLine < rightLine : left.offset < right.offset
        }.map(\.element)
        return ConfigErrors(errors: sorted)
    }

    private static func failure(_ error: ConfigError) -> Result<TollgateConfig, ConfigErrors> {
        .failure(ConfigErrors(errors: [error]))
    }

    private static func reason(of error: Error) -> String {
        (error as NSError).localizedDescription
    }

    /// Turns a Yams error into a positioned config error.
    package static func yamlError(_ error: Error, file: String) -> ConfigError {
        guard let yamlError = error as? YamlError else {
            return ConfigError(file: file, message: "invalid YAML: \(error)")
        }
        switch yamlError {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            let detail = context.map { " (\($0.text))" } ?? ""
            return ConfigError(
                file: file, line: mark.line, column: mark.column, message: "invalid YAML: \(problem)\(detail)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            let names = duplicates.map { "'\($0)'" }.joined(separator: ", ")
            return ConfigError(
                file: file, line: context.mark.line, column: context.mark.column,
                message: "duplicate key \(names) in one mapping")
        case .reader(let problem, _, _, _):
            return ConfigError(file: file, message: "invalid YAML: \(problem)")
        default:
            return ConfigError(file: file, message: "invalid YAML: \(yamlError)")
        }
    }
}
