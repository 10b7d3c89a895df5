import ArgumentParser
import Foundation
import TollgateCore
import TollgateProxy

/// `tollgate token issue ACCOUNT --accounts FILE [--id ID] [--intent api|app-password] [--expires ...]
/// [--extend MAXAGE]`: prints only the token and a newline on stdout.
struct TokenIssue: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "issue",
        abstract: "Generate a token, store only its sha256: hash, and print the token once on stdout.")

    @Argument(help: "The account that gets the token.")
    var account: String

    @OptionGroup var options: AccountsOptions

    @Option(name: .long, help: "Token id (a-z 0-9 -); default t1, t2, ... (one more than the highest tN).")
    var id: String?

    @Option(name: .long, help: ArgumentHelp("What the token is for (informational).", valueName: "api|app-password"))
    var intent = "api"

    @Option(
        name: .long,
        help: ArgumentHelp(
            "A duration (90d), a date (2027-01-31 = midnight UTC, or RFC 3339) or never.",
            valueName: "duration|date|never"))
    var expires = "360d"

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Sliding expiry: each use extends the token to last use + this.",
            valueName: "maxage"))
    var extend: String?

    func run() throws {
        guard let tokenIntent = TokenIntent(rawValue: intent) else {
            throw options.invalid("--intent: '\(intent)' is not api or app-password")
        }
        guard let expiry = TokenExpiry.parse(expires) else {
            throw options.invalid("--expires: '\(expires)' is not a duration (90d), a date (2027-01-31) or never")
        }
        var maxAge: Double?
        if let extend {
            guard let seconds = DurationParser.parse(extend) else {
                throw options.invalid("--extend: '\(extend)' is not a duration (30d, 12h, ...)")
            }
            maxAge = seconds
        }
        let new = NewToken(account: account, id: id, intent: tokenIntent, expiry: expiry, extend: maxAge)
        let issued = try options.refusingInvalidInput {
            try AccountsEditor.edit(path: options.accounts) { try $0.issueToken(new, now: Date()) }
        }
        print(issued.text)
    }
}
