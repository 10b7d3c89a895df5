import ArgumentParser
import TollgateProxy

/// `tollgate serve --config FILE`.
struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the proxy in the foreground.")

    @Option(name: .long, help: "Path to the YAML config file.")
    var config: String

    func run() throws {
        let code = ProxyServer(configPath: config, logger: LogSetup.logger()).run()
        if code != 0 { throw ExitCode(code) }
    }
}
