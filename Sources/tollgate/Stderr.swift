import Foundation

/// stderr without touching the C global (Swift 6 rejects it).
enum FileHandleStderr {
    static func write(_ s: String) {
        FileHandle.standardError.write(Data(s.utf8))
    }
}
