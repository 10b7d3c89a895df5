import ArgumentParser
import TollgateCore
import TollgateProxy

/// `tollgate demo`: proxy + built-in echo upstream + fresh demo accounts in one process.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run a self-contained demo (proxy, echo upstream, demo accounts) and print curl lines to try.")

    @Option(name: .long, help: "Address the demo proxy listens on.")
    var listen: String = "127.0.0.1:8080"

    @Option(name: .long, help: "Address of the demo's admin endpoints (/healthz /readyz /metrics).")
    var admin: String = "127.0.0.1:9090"

    func run() throws {
        guard let address = ListenAddress(listen) else {
            throw ValidationError("--listen: expected HOST:PORT, got \(listen)")
        }
        guard let adminAddress = ListenAddress(admin) else {
            throw ValidationError("--admin: expected HOST:PORT, got \(admin)")
        }
        let code = Demo(listen: address, admin: adminAddress, logger: LogSetup.logger()).run()
        if code != 0 { throw ExitCode(code) }
    }
}
