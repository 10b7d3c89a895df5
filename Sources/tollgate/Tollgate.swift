import ArgumentParser

/// The `tollgate` command and its subcommands.
@main
struct Tollgate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tollgate",
        abstract: "An authenticating reverse proxy for internal HTTP APIs.",
        subcommands: [Serve.self, Check.self, Echo.self])
}
