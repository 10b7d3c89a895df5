import Testing

@testable import TollgateCore

/// The smallest valid config.
let minimalConfig = """
    listen: "127.0.0.1:8080"
    upstream: "http://127.0.0.1:8081"
    """

/// Parses `yaml` as if it were `/etc/tollgate/tollgate.yaml`.
func parseConfig(_ yaml: String) -> Result<TollgateConfig, ConfigErrors> {
    ConfigLoader.parse(yaml: yaml, path: "/etc/tollgate/tollgate.yaml")
}

/// The errors for `yaml`; records an issue when it unexpectedly parses.
func configErrors(_ yaml: String, sourceLocation: SourceLocation = #_sourceLocation) -> [ConfigError] {
    switch parseConfig(yaml) {
    case .success:
        Issue.record("expected errors for:\n\(yaml)", sourceLocation: sourceLocation)
        return []
    case .failure(let errors):
        return errors.errors
    }
}

/// The single error message for `minimalConfig` plus `extra`, with its line.
func singleError(_ extra: String, sourceLocation: SourceLocation = #_sourceLocation) -> ConfigError? {
    let errors = configErrors(minimalConfig + "\n" + extra, sourceLocation: sourceLocation)
    #expect(errors.count == 1, "\(errors)", sourceLocation: sourceLocation)
    return errors.first
}

/// The parsed config; records an issue when it fails.
func validConfig(_ yaml: String, sourceLocation: SourceLocation = #_sourceLocation) -> TollgateConfig? {
    switch parseConfig(yaml) {
    case .success(let config):
        return config
    case .failure(let errors):
        Issue.record("unexpected errors:\n\(errors)", sourceLocation: sourceLocation)
        return nil
    }
}
