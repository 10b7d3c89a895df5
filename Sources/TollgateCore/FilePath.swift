import Foundation

/// Lexical path helpers for config-relative paths (no symlink resolution: a Secret's `..data` link is
/// followed when the file is read, not frozen at load time).
enum FilePath {
    /// `path` made absolute: kept when it starts with `/`, else joined to `directory`; `.` and `..` removed.
    static func absolute(_ path: String, relativeTo directory: String) -> String {
        let joined = path.hasPrefix("/") ? path : directory + "/" + path
        var parts: [Substring] = []
        for part in joined.split(separator: "/") {
            if part == "." { continue }
            if part == ".." {
                if !parts.isEmpty { parts.removeLast() }
                continue
            }
            parts.append(part)
        }
        return "/" + parts.joined(separator: "/")
    }

    /// The folder holding `path` (absolute).
    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "/" }
        let folder = String(path[..<slash])
        return folder.isEmpty ? "/" : folder
    }

    /// The process's working directory.
    static var currentDirectory: String {
        FileManager.default.currentDirectoryPath
    }
}
