import Foundation
import TollgateCore

/// Reads the accounts file for the initial load, the `sync_interval` poll and SIGHUP. Compares content (SHA-256),
/// not mtime (NFS), and opens the path afresh each time, so a Kubernetes Secret's `..data` symlink swap is
/// followed. Reading and recording are separate steps: a SIGHUP reads the file a new config names, and records
/// it only if the config and the table are published together. Thread rule: the thread that runs reloads (the
/// main loop before the workers start, the reload thread after).
final class AccountsSource {
    enum Outcome {
        case unchanged
        case loaded(AccountsFile, digest: [UInt8])
        case failed(ConfigErrors, digest: [UInt8])
    }

    /// The file in force (the last one recorded).
    private(set) var path: String
    private var appliedDigest: [UInt8]?
    private var failedDigest: [UInt8]?

    init(path: String) { self.path = path }

    /// Reads `path` (default: the file in force) without recording anything; `force` (SIGHUP, start-up) parses
    /// even when the content is unchanged. A file at another path is always parsed. `checkpoint`: as for
    /// `AccountsLoader.parse`.
    func read(force: Bool, path other: String? = nil, checkpoint: @escaping () -> Void = {}) -> Outcome {
        let target = other ?? path
        let known = target == path && !force
        if target.isEmpty {
            if known && appliedDigest == [] { return .unchanged }
            return .loaded(AccountsFile(groups: [], accounts: []), digest: [])
        }
        guard let data = FileManager.default.contents(atPath: target) else {
            // A missing file mid-swap is reported once and retried on the next poll.
            let marker = SHA256.hash(Array("missing".utf8))
            if known && failedDigest == marker { return .unchanged }
            return .failed(ConfigErrors(errors: [ConfigError(file: target, line: nil, column: nil,
                                                             message: "cannot read the accounts file")]),
                           digest: marker)
        }
        let digest = SHA256.hash(data)
        if known && (digest == appliedDigest || digest == failedDigest) { return .unchanged }
        switch AccountsLoader.parse(yaml: String(decoding: data, as: UTF8.self), path: target, checkpoint: checkpoint) {
        case .success(let file): return .loaded(file, digest: digest)
        case .failure(let errors): return .failed(errors, digest: digest)
        }
    }

    /// Records what was done with an outcome of `read` for `path` (default: the file in force): a loaded file is
    /// now in force there, a failed one is not reported again until it changes.
    func record(_ outcome: Outcome, path other: String? = nil) {
        if let other, other != path {
            path = other
            appliedDigest = nil
            failedDigest = nil
        }
        switch outcome {
        case .unchanged: break
        case .loaded(_, let digest):
            appliedDigest = digest
            failedDigest = nil
        case .failed(_, let digest):
            failedDigest = digest
        }
    }
}
