import ArgumentParser

/// `tollgate token ...`: tokens of the service accounts in the accounts file.
struct TokenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Issue, revoke, rotate and list service-account tokens.",
        subcommands: [TokenIssue.self, TokenRevoke.self, TokenRotate.self, TokenList.self])
}
