import ArgumentParser

/// `tollgate account ...`: service accounts in the accounts file.
struct AccountCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "account",
        abstract: "Add, remove, disable and enable service accounts in the accounts file.",
        subcommands: [AccountAdd.self, AccountRemove.self, AccountDisable.self, AccountEnable.self])
}
