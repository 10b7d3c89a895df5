import ArgumentParser
import TollgateProxy

/// `tollgate account disable NAME --accounts FILE`.
struct AccountDisable: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "disable", abstract: "Disable a service account: all its tokens are refused until it is enabled.")

    @Argument(help: "Account name.")
    var name: String

    @OptionGroup var options: AccountsOptions

    func run() throws {
        try options.refusingInvalidInput {
            try AccountsEditor.edit(path: options.accounts) { try $0.setDisabled(true, account: name) }
        }
        print("disabled account \(name)")
    }
}
