import ArgumentParser
import Foundation
import TollgateCore
import TollgateProxy

/// `tollgate token list --accounts FILE [--json]`: accounts and tokens, never a hash or a secret.
struct TokenList: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List accounts and their tokens: intent, created, expires, extend, status. Never secrets.",
        discussion: """
            Status is active, expired, or expiring-soon (expires within 30 days); a sliding expiry (extend) \
            that recent use has pushed out is not visible here.
            """)

    @OptionGroup var options: AccountsOptions
    @OptionGroup var output: JSONOutputOptions

    func run() throws {
        let file = try options.refusingInvalidInput { try AccountsEditor.read(path: options.accounts) }
        let now = Date()
        if output.json {
            try output.printJSON(file.accounts.map { ListedAccount($0, now: now) })
            return
        }
        var accountRows = [["ACCOUNT", "STATE", "GROUPS", "ROLES", "DESCRIPTION"]]
        var tokenRows = [["ACCOUNT", "TOKEN", "INTENT", "CREATED", "EXPIRES", "EXTEND", "STATUS"]]
        for account in file.accounts {
            accountRows.append([
                account.name, account.disabled ? "disabled" : "enabled", list(account.groups), list(account.roles),
                oneLine(account.description ?? ""),
            ])
            for token in account.tokens {
                let listed = ListedToken(token, now: now)
                tokenRows.append([
                    account.name, listed.id, listed.intent, listed.created ?? "-", listed.expires,
                    listed.extend ?? "-", listed.status,
                ])
            }
        }
        print(accountRows.count == 1 ? "no accounts" : table(accountRows))
        print("")
        print(tokenRows.count == 1 ? "no tokens" : table(tokenRows))
    }

    private func list(_ names: [String]) -> String { names.isEmpty ? "-" : names.joined(separator: ",") }

    /// Control characters (a newline in a description) would break the table.
    private func oneLine(_ text: String) -> String {
        String(text.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7f ? " " : Character($0) })
    }

    /// Columns padded to their widest cell, two spaces apart.
    private func table(_ rows: [[String]]) -> String {
        var widths = [Int](repeating: 0, count: rows[0].count)
        for row in rows { for (column, cell) in row.enumerated() { widths[column] = max(widths[column], cell.count) } }
        return rows.map { row in
            var line = ""
            for (column, cell) in row.enumerated() {
                line += cell + String(repeating: " ", count: widths[column] - cell.count + 2)
            }
            while line.last == " " { line.removeLast() }
            return line
        }.joined(separator: "\n")
    }
}

/// One account of `token list --json`.
private struct ListedAccount: Encodable {
    let name: String
    let description: String?
    let disabled: Bool
    let groups: [String]
    let roles: [String]
    let tokens: [ListedToken]

    private enum CodingKeys: String, CodingKey { case name, description, disabled, groups, roles, tokens }

    init(_ account: AccountRecord, now: Date) {
        name = account.name
        description = account.description
        disabled = account.disabled
        groups = account.groups
        roles = account.roles
        tokens = account.tokens.map { ListedToken($0, now: now) }
    }

    func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encode(description, forKey: .description)  // null when absent, not left out
        try container.encode(disabled, forKey: .disabled)
        try container.encode(groups, forKey: .groups)
        try container.encode(roles, forKey: .roles)
        try container.encode(tokens, forKey: .tokens)
    }
}

/// One token of `token list`: everything but the hash.
private struct ListedToken: Encodable {
    let id: String
    let intent: String
    /// RFC 3339; nil when the file does not say.
    let created: String?
    /// RFC 3339, or `never`.
    let expires: String
    /// A duration (`30d`); nil without sliding expiry.
    let extend: String?
    let status: String

    private enum CodingKeys: String, CodingKey { case id, intent, created, expires, extend, status }

    init(_ token: TokenRecord, now: Date) {
        id = token.id
        intent = token.intent.rawValue
        created = token.created.map(RFC3339.format)
        expires = token.expires.map(RFC3339.format) ?? "never"
        extend = token.extend.map { AccountsWriter.duration($0) }
        status = TokenStatus(expires: token.expires, now: now).rawValue
    }

    func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(intent, forKey: .intent)
        try container.encode(created, forKey: .created)
        try container.encode(expires, forKey: .expires)
        try container.encode(extend, forKey: .extend)
        try container.encode(status, forKey: .status)
    }
}
