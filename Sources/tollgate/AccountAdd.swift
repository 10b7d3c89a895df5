import ArgumentParser
import TollgateProxy

/// `tollgate account add NAME --accounts FILE [--group G]... [--role R]... [--description TEXT] [--create-group]`.
struct AccountAdd: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Add a service account (creates the accounts file, mode 0600, if it does not exist).")

    @Argument(help: "Account name: a DNS label (1-63 of a-z 0-9 -).")
    var name: String

    @OptionGroup var options: AccountsOptions

    @Option(name: .customLong("group"), help: "A group defined in the file to join (repeatable).")
    var groups: [String] = []

    @Option(name: .customLong("role"), help: "A direct role (repeatable).")
    var roles: [String] = []

    @Option(name: .long, help: "Free text for people.")
    var description: String?

    @Flag(name: .long, help: "Define a group named after the account, with no roles, and put the account in it.")
    var createGroup = false

    func run() throws {
        let new = NewAccount(
            name: name, groups: groups, roles: roles, description: description, createGroup: createGroup)
        try options.refusingInvalidInput {
            try AccountsEditor.edit(path: options.accounts, createIfMissing: true) { try $0.addAccount(new) }
        }
        print("added account \(name)")
    }
}
