/// Reads and validates the accounts file (SPEC section 3): every error is reported with file:line, and an
/// invalid file is rejected whole (the caller keeps the last good table).
public enum AccountsLoader {
    /// Reads the file at `path` and parses it; an unreadable file is an error too.
    public static func load(path: String, checkpoint: @escaping () -> Void = {}) -> Result<AccountsFile, ConfigErrors> {
        switch ConfigLoader.readUTF8(path: path) {
        case .success(let text): return parse(yaml: text, path: path, checkpoint: checkpoint)
        case .failure(let error): return .failure(ConfigErrors(errors: [error]))
        }
    }

    /// Parses and validates YAML text; `path` names the file in errors. An empty file holds no accounts.
    ///
    /// The text is parsed in place and read one account at a time (`AccountsBuilder+Stream`); a YAML error
    /// anywhere replaces every other error, as when the whole tree was composed first.
    ///
    /// `checkpoint` is called every few parse events (about every 10 µs of work) on the calling thread, so a
    /// background caller can give way to busier threads during a long parse (the proxy's reload thread yields
    /// the CPU there: `ReloadPacer`). It must not touch the loader.
    public static func parse(yaml: String, path: String, checkpoint: @escaping () -> Void = {})
        -> Result<AccountsFile, ConfigErrors>
    {
        var text = yaml
        return text.withUTF8 { bytes in
            do throws(YAMLSyntaxError) {
                var composer = try YAMLComposer(bytes: bytes, checkpoint: checkpoint)
                guard let root = try composer.root() else { return .success(AccountsFile()) }
                var builder = AccountsBuilder(file: path)
                let file = try builder.build(from: root, composer: &composer)
                try composer.finish()
                let errors = builder.reader.errors
                return errors.isEmpty ? .success(file) : .failure(ConfigLoader.inDocumentOrder(errors))
            } catch {
                return .failure(ConfigErrors(errors: [error.configError(file: path)]))
            }
        }
    }

    /// The reference the streaming `parse` promises to agree with, result and errors alike: the whole document
    /// composed into one tree first, then read by `AccountsBuilder.build(_:)`. For the fuzz harness, not for use.
    package static func parseWholeTree(yaml: String, path: String) -> Result<AccountsFile, ConfigErrors> {
        let root: YAMLNode?
        switch YAMLComposer.composeDocument(yaml: yaml) {
        case .success(let node): root = node
        case .failure(let error): return .failure(ConfigErrors(errors: [error.configError(file: path)]))
        }
        guard let root else { return .success(AccountsFile()) }
        var builder = AccountsBuilder(file: path)
        let file = builder.build(root)
        let errors = builder.reader.errors
        return errors.isEmpty ? .success(file) : .failure(ConfigLoader.inDocumentOrder(errors))
    }
}
