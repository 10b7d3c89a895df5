import ArgumentParser
import TollgateProxy

/// `tollgate account remove NAME --accounts FILE`.
struct AccountRemove: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove", abstract: "Remove a service account and its tokens (its groups stay).")

    @Argument(help: "Account name.")
    var name: String

    @OptionGroup var options: AccountsOptions

    func run() throws {
        try options.refusingInvalidInput {
            try AccountsEditor.edit(path: options.accounts) { try $0.removeAccount(named: name) }
        }
        print("removed account \(name)")
    }
}
