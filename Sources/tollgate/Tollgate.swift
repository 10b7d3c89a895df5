import ArgumentParser

/// The `tollgate` command and its subcommands.
@main
struct Tollgate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tollgate",
        abstract: "An authenticating reverse proxy for internal HTTP APIs.",
        subcommands: [
            Serve.self, DemoCommand.self, Check.self, Echo.self, AccountCommand.self, TokenCommand.self, HashCommand.self,
        ])

    /// ArgumentParser's `main()`, except that a usage error exits 2 (SPEC section 1) instead of 64 (EX_USAGE).
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            if exitCode(for: error) == .validationFailure {
                printError(fullMessage(for: error))
                exit(withError: ExitCode(2))
            }
            exit(withError: error)
        }
    }
}
