import Foundation
import TollgateCore

/// Reads the accounts file for the initial load, the `sync_interval` poll and SIGHUP. Compares content (SHA-256),
/// not mtime (NFS), and opens the path afresh each time, so a Kubernetes Secret's `..data` symlink swap is
/// followed. Thread rule: main loop only.
final class AccountsSource {
    enum Outcome {
        case unchanged
        case loaded(AccountsFile)
        case failed(ConfigErrors)
    }

    private(set) var path: String
    private var appliedDigest: [UInt8]?
    private var failedDigest: [UInt8]?

    init(path: String) { self.path = path }

    /// Points at another file (the config's `accounts_file` changed); the next read always applies.
    func retarget(_ newPath: String) {
        if newPath != path {
            path = newPath
            appliedDigest = nil
            failedDigest = nil
        }
    }

    /// Reads the file; `force` (SIGHUP, start-up) parses even when the content is unchanged.
    func read(force: Bool) -> Outcome {
        if path.isEmpty {
            if appliedDigest == [] && !force { return .unchanged }
            appliedDigest = []
            return .loaded(AccountsFile(groups: [], accounts: []))
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            // A missing file mid-swap is reported once and retried on the next poll.
            let marker = SHA256.hash(Array("missing".utf8))
            if failedDigest == marker && !force { return .unchanged }
            failedDigest = marker
            return .failed(ConfigErrors(errors: [ConfigError(file: path, line: nil, column: nil,
                                                             message: "cannot read the accounts file")]))
        }
        let digest = SHA256.hash(data)
        if !force && (digest == appliedDigest || digest == failedDigest) { return .unchanged }
        switch AccountsLoader.parse(yaml: String(decoding: data, as: UTF8.self), path: path) {
        case .success(let file):
            appliedDigest = digest
            failedDigest = nil
            return .loaded(file)
        case .failure(let errors):
            failedDigest = digest
            return .failed(errors)
        }
    }
}
