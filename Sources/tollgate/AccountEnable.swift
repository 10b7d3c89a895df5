import ArgumentParser
import TollgateProxy

/// `tollgate account enable NAME --accounts FILE`.
struct AccountEnable: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "enable", abstract: "Enable a disabled service account.")

    @Argument(help: "Account name.")
    var name: String

    @OptionGroup var options: AccountsOptions

    func run() throws {
        try options.refusingInvalidInput {
            try AccountsEditor.edit(path: options.accounts) { try $0.setDisabled(false, account: name) }
        }
        print("enabled account \(name)")
    }
}
