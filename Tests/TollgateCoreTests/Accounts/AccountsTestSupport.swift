import Foundation
import Testing

@testable import TollgateCore

/// The name accounts files are parsed under in tests.
let accountsPath = "/etc/tollgate/accounts.yaml"

/// `sha256:` text of a secret, as `tollgate hash` prints it.
func sha256Text(_ secret: String) -> String {
    "sha256:" + SHA256.hex(SHA256.hash(Array(secret.utf8)))
}

/// The parsed accounts file; records an issue when it fails.
func validAccounts(_ yaml: String, sourceLocation: SourceLocation = #_sourceLocation) -> AccountsFile? {
    switch AccountsLoader.parse(yaml: yaml, path: accountsPath) {
    case .success(let file):
        return file
    case .failure(let errors):
        Issue.record("unexpected errors:\n\(errors)", sourceLocation: sourceLocation)
        return nil
    }
}

/// The errors for `yaml`; records an issue when it unexpectedly parses.
func accountErrors(_ yaml: String, sourceLocation: SourceLocation = #_sourceLocation) -> [ConfigError] {
    switch AccountsLoader.parse(yaml: yaml, path: accountsPath) {
    case .success:
        Issue.record("expected errors for:\n\(yaml)", sourceLocation: sourceLocation)
        return []
    case .failure(let errors):
        return errors.errors
    }
}

/// Expects exactly one error, on `line`, whose message contains `text`.
func expectSingleAccountError(
    _ yaml: String, line: Int, _ text: String, sourceLocation: SourceLocation = #_sourceLocation
) {
    let errors = accountErrors(yaml, sourceLocation: sourceLocation)
    #expect(errors.count == 1, "\(errors)", sourceLocation: sourceLocation)
    guard let error = errors.first else { return }
    #expect(error.file == accountsPath, sourceLocation: sourceLocation)
    #expect(error.line == line, "\(error)", sourceLocation: sourceLocation)
    #expect(error.message.contains(text), "\(error)", sourceLocation: sourceLocation)
}

/// One account `name` with one token, the rest of the token's lines given by `token` (indented 8 spaces).
func oneToken(_ token: String, name: String = "ci-bot") -> String {
    """
    accounts:
      - name: \(name)
        tokens:
          - id: t1
    \(token.split(separator: "\n", omittingEmptySubsequences: false).map { "        " + $0 }.joined(separator: "\n"))
    """
}

/// A fixed instant for clocks in tests.
let testNow = Date(timeIntervalSince1970: 1_800_000_000)

/// A `sha256:` token record for `secret`.
func sha256Token(
    _ id: String, secret: String, expires: Date? = nil, extend: Double? = nil, intent: TokenIntent = .api
) -> TokenRecord {
    TokenRecord(
        id: id, hash: .sha256(SHA256.hash(Array(secret.utf8))), intent: intent, expires: expires, extend: extend)
}

/// A Basic credential.
func basic(_ account: String, _ secret: String) -> Credential {
    .basic(account: account, secret: Secret(Array(secret.utf8)))
}

/// A Bearer credential.
func bearer(_ secret: String) -> Credential {
    .bearer(Secret(Array(secret.utf8)))
}
