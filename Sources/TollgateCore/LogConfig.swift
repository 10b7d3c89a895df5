/// Logging settings (`log:`).
public struct LogConfig: Sendable, Equatable {
    /// The log levels `level` accepts, from most to least verbose (swift-log's names).
    public static let levels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]

    /// Whether one JSON access-log line per request goes to stdout.
    public var access: Bool
    /// One of `LogConfig.levels`.
    public var level: String

    /// Creates the log settings; defaults: access log on, level `info`.
    public init(access: Bool = true, level: String = "info") {
        self.access = access
        self.level = level
    }
}
