import Logging

/// Logging bootstrap: everything but access-log lines goes to stderr (stdout carries only those).
enum LogSetup {
    nonisolated(unsafe) private static var done = false

    static func logger(_ label: String = "tollgate") -> Logger {
        if !done {
            done = true
            LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
        }
        return Logger(label: label)
    }
}
