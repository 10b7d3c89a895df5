import Logging
import TollgateProxy

/// Logging bootstrap: everything but access-log lines goes to stderr (stdout carries only those), as one JSON
/// object per line (`JSONLogHandler`).
enum LogSetup {
    nonisolated(unsafe) private static var done = false

    static func logger(_ label: String = "tollgate") -> Logger {
        if !done {
            done = true
            LoggingSystem.bootstrap { _ in JSONLogHandler() }
        }
        return Logger(label: label)
    }
}
