import Foundation
import TollgateCore

/// Why the accounts file was left unchanged; the message reads after the file's path (`accounts.yaml: ...`).
public struct AccountsEditError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What was refused, and where useful how to fix it.
    public var message: String

    /// Wraps a reason.
    public init(_ message: String) {
        self.message = message
    }

    /// The reason.
    public var description: String { message }
}

/// Edits the accounts file for the `account` and `token` commands (SPEC section 1): read and validate, change,
/// render, write a temp file in the same folder, fsync, keep the mode and owner, refuse when the file changed
/// since it was read, rename over it, fsync the folder. Any error leaves the old file as it was and no temp file
/// behind. Comments in the old file are not kept (`AccountsWriter`).
///
/// A path that is a symbolic link is refused: in Kubernetes the accounts file is a Secret mounted through
/// `..data` symlinks, which is read-only and must be changed at its source. A missing file is an error unless
/// `createIfMissing` (used by `account add`), which creates it with mode 0600.
///
/// Two editors racing are caught by re-reading the file just before the rename; the window between that check and
/// the rename is not closed (no lock), which is fine for a file people edit by hand now and then.
public enum AccountsEditor {
    /// Reads and validates the file (following symlinks: reading a mounted Secret is fine).
    public static func read(path: String) throws -> AccountsFile {
        switch AccountsLoader.load(path: path) {
        case .success(let file): return file
        case .failure(let errors): throw errors
        }
    }

    /// Applies `change` to the file at `path` and replaces it atomically; returns what `change` returned.
    /// Throws `ConfigErrors` (an invalid file, with file:line) or `AccountsEditError`. When `change` leaves the
    /// file's value as it was, nothing is written.
    @discardableResult
    public static func edit<T>(
        path: String, createIfMissing: Bool = false, _ change: (inout AccountsFile) throws -> T
    ) throws -> T {
        let original = try FileSnapshot.take(path)
        if original == nil && !createIfMissing {
            throw AccountsEditError("no such file (only `account add` creates it)")
        }
        let file: AccountsFile
        if let original {
            guard let text = String(validating: original.bytes, as: UTF8.self) else {
                throw ConfigErrors(errors: [ConfigError(file: path, message: "the file is not valid UTF-8")])
            }
            switch AccountsLoader.parse(yaml: text, path: path) {
            case .success(let parsed): file = parsed
            case .failure(let errors): throw errors
            }
        } else {
            file = AccountsFile()
        }
        var edited = file
        let result = try change(&edited)
        if original != nil && edited == file { return result }
        let text = AccountsWriter.render(edited)
        // A safety net: never write a file the proxy would refuse.
        if case .failure(let errors) = AccountsLoader.parse(yaml: text, path: path) {
            throw AccountsEditError("internal error, the edited file would not load: \(errors)")
        }
        try replace(path: path, with: Array(text.utf8), original: original)
        return result
    }

    /// Writes `bytes` to a temp file next to `path` and renames it over `path` if the file is still `original`.
    private static func replace(path: String, with bytes: [UInt8], original: FileSnapshot?) throws {
        let (folder, name) = split(path)
        var tempPath = ""
        var fd: Int32 = -1
        for _ in 0..<8 {
            tempPath = folder + "." + name + ".tmp-" + String(UInt64.random(in: 0...UInt64.max), radix: 16)
            fd = open(tempPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o600)
            if fd >= 0 || errno != EEXIST { break }
        }
        guard fd >= 0 else { throw AccountsEditError("cannot create a temp file \(tempPath): \(lastError())") }
        var renamed = false
        defer { if !renamed { unlink(tempPath) } }
        do {
            defer { close(fd) }
            try writeAll(fd, bytes, tempPath)
            try keepOwnerAndMode(fd, original, tempPath)
            guard fsync(fd) == 0 else { throw AccountsEditError("cannot sync \(tempPath): \(lastError())") }
        }
        let now = try FileSnapshot.take(path)
        if now?.digest != original?.digest {
            throw AccountsEditError(
                original == nil
                    ? "was created by someone else while this command ran; try again"
                    : "changed since it was read; try again")
        }
        guard rename(tempPath, path) == 0 else {
            throw AccountsEditError("cannot rename \(tempPath) over it: \(lastError())")
        }
        renamed = true
        // The rename is done; a failed folder sync only weakens durability across a crash, so it is not an error.
        let folderFD = open(folder.isEmpty ? "." : folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if folderFD >= 0 {
            _ = fsync(folderFD)
            close(folderFD)
        }
    }

    private static func writeAll(_ fd: Int32, _ bytes: [UInt8], _ tempPath: String) throws {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { throw AccountsEditError("cannot write \(tempPath): \(lastError())") }
            offset += written
        }
    }

    /// The old file's permission bits (0600 for a new file) and, when they differ from the temp file's, its owner
    /// and group: an edit must not widen or move access to the hashes.
    private static func keepOwnerAndMode(_ fd: Int32, _ original: FileSnapshot?, _ tempPath: String) throws {
        let mode = original?.mode ?? 0o600
        guard fchmod(fd, mode) == 0 else {
            throw AccountsEditError("cannot set the mode of \(tempPath): \(lastError())")
        }
        guard let original else { return }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw AccountsEditError("cannot stat \(tempPath): \(lastError())") }
        if info.st_uid != original.owner || info.st_gid != original.group {
            guard fchown(fd, original.owner, original.group) == 0 else {
                throw AccountsEditError(
                    "cannot give the new file the old one's owner and group (\(original.owner):\(original.group)): "
                        + "\(lastError()); run the command as the file's owner")
            }
        }
    }

    /// (`folder/` or "", file name).
    private static func split(_ path: String) -> (String, String) {
        guard let slash = path.lastIndex(of: "/") else { return ("", path) }
        return (String(path[...slash]), String(path[path.index(after: slash)...]))
    }
}

/// The accounts file as it was read: its bytes' digest, mode and owner; nil when it does not exist.
private struct FileSnapshot: Equatable {
    let bytes: [UInt8]
    let digest: [UInt8]
    let mode: mode_t
    let owner: uid_t
    let group: gid_t

    static func take(_ path: String) throws -> FileSnapshot? {
        var info = stat()
        if lstat(path, &info) != 0 {
            if errno == ENOENT { return nil }
            throw AccountsEditError("cannot read the file: \(lastError())")
        }
        if info.st_mode & S_IFMT == S_IFLNK {
            throw AccountsEditError(
                "is a symbolic link (a mounted Kubernetes Secret or ConfigMap is read-only); edit the file it comes "
                    + "from, or give the path of a plain file")
        }
        guard info.st_mode & S_IFMT == S_IFREG else { throw AccountsEditError("is not a regular file") }
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else { throw AccountsEditError("cannot read the file: \(lastError())") }
        defer { close(fd) }
        guard fstat(fd, &info) == 0 else { throw AccountsEditError("cannot read the file: \(lastError())") }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else { throw AccountsEditError("cannot read the file: \(lastError())") }
            if count == 0 { break }
            bytes += buffer[0..<count]
        }
        return FileSnapshot(
            bytes: bytes, digest: SHA256.hash(bytes), mode: info.st_mode & 0o7777, owner: info.st_uid,
            group: info.st_gid)
    }
}

/// `strerror(errno)`.
private func lastError() -> String {
    String(cString: strerror(errno))
}
