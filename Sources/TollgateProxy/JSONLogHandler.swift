import Foundation
import Logging

/// swift-log handler for everything but the access log: one JSON object per line on stderr
/// (`{"ts":…,"level":…,"msg":…}` plus the metadata as string fields), so a collector can parse start-up,
/// reload and error lines like access-log lines. Each line is one write(2). Thread-safe.
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    private let fd: Int32

    /// A handler writing to `fd` (2 = stderr).
    public init(fd: Int32 = 2) { self.fd = fd }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var line = "{\"ts\":\(JSONText.quote(AccessLog.timestamp()))"
        line += ",\"level\":\(JSONText.quote(event.level.rawValue))"
        line += ",\"msg\":\(JSONText.quote(event.message.description))"
        var fields = metadata
        if let extra = event.metadata { fields.merge(extra) { _, new in new } }
        for key in fields.keys.sorted() where !["ts", "level", "msg"].contains(key) {
            line += ",\(JSONText.quote(key)):\(JSONText.quote(fields[key]!.description))"
        }
        line += "}\n"
        line.withUTF8 { LogSink.writeAll(fd, UnsafeRawBufferPointer($0)) }
    }
}
