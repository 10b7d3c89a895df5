import ArgumentParser
import Foundation
import TollgateCore
import TollgateProxy

/// `tollgate token rotate ACCOUNT ID --accounts FILE [--json]` or
/// `tollgate token rotate --expiring-within DURATION --accounts FILE [--json]`.
struct TokenRotate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rotate",
        abstract: "Give tokens a new secret and a new expiry of the same lifetime; print ACCOUNT ID TOKEN lines.",
        discussion: """
            Id, intent and extend are kept; the new expiry is now + (expires - created), or 360d when created is \
            absent; never stays never. --expiring-within rotates every token that expires within the duration, \
            expired ones included.
            """)

    @Argument(help: "The token's account (with ID; or use --expiring-within).")
    var account: String?

    @Argument(help: "The token's id.")
    var id: String?

    @Option(name: .long, help: ArgumentHelp("Rotate every token expiring within this.", valueName: "duration"))
    var expiringWithin: String?

    @OptionGroup var options: AccountsOptions
    @OptionGroup var output: JSONOutputOptions

    func validate() throws {
        switch (account, id, expiringWithin) {
        case (.some, .some, nil), (nil, nil, .some): return
        default: throw ValidationError("give either ACCOUNT ID or --expiring-within DURATION")
        }
    }

    func run() throws {
        let now = Date()
        let rotated: [IssuedToken]
        if let expiringWithin {
            guard let window = DurationParser.parse(expiringWithin) else {
                throw options.invalid("--expiring-within: '\(expiringWithin)' is not a duration (30d, 12h, ...)")
            }
            rotated = try options.refusingInvalidInput {
                try AccountsEditor.edit(path: options.accounts) { $0.rotateTokens(expiringWithin: window, now: now) }
            }
        } else if let account, let id {
            let one = try options.refusingInvalidInput {
                try AccountsEditor.edit(path: options.accounts) {
                    try $0.rotateToken(account: account, id: id, now: now)
                }
            }
            rotated = [one]
        } else {
            rotated = []
        }
        if output.json {
            try output.printJSON(rotated.map(Rotated.init))
        } else {
            for token in rotated { print("\(token.account) \(token.id) \(token.text)") }
        }
    }
}

/// One element of `token rotate --json`.
private struct Rotated: Encodable {
    let account: String
    let id: String
    let token: String
    /// RFC 3339, or `never`.
    let expires: String

    init(_ issued: IssuedToken) {
        account = issued.account
        id = issued.id
        token = issued.text
        expires = issued.expires.map(RFC3339.format) ?? "never"
    }
}
