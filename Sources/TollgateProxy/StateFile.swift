import Foundation
import TollgateCore

/// Persists sliding-expiry last-use times to `state_file` (SPEC §3): restored at start, written atomically
/// (temp file + rename in the same folder) at most every few seconds when something changed, and at exit.
/// Thread rule: main loop only.
final class StateFile {
    private let path: String
    private let store: LastUseStore
    private var written: [String: Date] = [:]

    init(path: String, store: LastUseStore) {
        self.path = path
        self.store = store
    }

    /// Loads earlier times; a missing file is fine, an unreadable one is reported and ignored.
    func restore() -> String? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        guard let times = LastUseStore.decodeJSON(Array(data)) else {
            return "\(path): not a tollgate state file; starting with no last-use times"
        }
        store.restore(times)
        written = times
        return nil
    }

    /// Writes the times when they changed; returns an error message on failure.
    func flush() -> String? {
        let now = store.snapshot()
        if now == written { return nil }
        let dir = (path as NSString).deletingLastPathComponent
        let tmp = (dir.isEmpty ? "." : dir) + "/.tollgate-state-\(getpid()).tmp"
        let bytes = store.encodeJSON()
        guard FileManager.default.createFile(atPath: tmp, contents: Data(bytes)) else {
            return "\(path): cannot write \(tmp)"
        }
        guard rename(tmp, path) == 0 else {
            unlink(tmp)
            return "\(path): cannot replace: \(String(cString: strerror(errno)))"
        }
        written = now
        return nil
    }
}
