import Yams

/// Reads and validates the accounts file (SPEC section 3): every error is reported with file:line, and an
/// invalid file is rejected whole (the caller keeps the last good table).
public enum AccountsLoader {
    /// Reads the file at `path` and parses it; an unreadable file is an error too.
    public static func load(path: String) -> Result<AccountsFile, ConfigErrors> {
        switch ConfigLoader.readUTF8(path: path) {
        case .success(let text): return parse(yaml: text, path: path)
        case .failure(let error): return .failure(ConfigErrors(errors: [error]))
        }
    }

    /// Parses and validates YAML text; `path` names the file in errors. An empty file holds no accounts.
    public static func parse(yaml: String, path: String) -> Result<AccountsFile, ConfigErrors> {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch {
            return .failure(ConfigErrors(errors: [ConfigLoader.yamlError(error, file: path)]))
        }
        guard let root else { return .success(AccountsFile()) }
        var builder = AccountsBuilder(file: path)
        let file = builder.build(root)
        let errors = builder.reader.errors
        return errors.isEmpty ? .success(file) : .failure(ConfigLoader.inDocumentOrder(errors))
    }
}
