import ArgumentParser
import TollgateProxy

/// `tollgate token revoke ACCOUNT ID --accounts FILE`.
struct TokenRevoke: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke", abstract: "Delete a token (the proxy refuses it after its next reload).")

    @Argument(help: "The token's account.")
    var account: String

    @Argument(help: "The token's id.")
    var id: String

    @OptionGroup var options: AccountsOptions

    func run() throws {
        try options.refusingInvalidInput {
            try AccountsEditor.edit(path: options.accounts) { try $0.revokeToken(account: account, id: id) }
        }
        print("revoked token \(account)/\(id)")
    }
}
