import ArgumentParser
import TollgateCore
import TollgateProxy

/// `tollgate echo --listen ADDR`.
struct Echo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "A tiny upstream that answers every request with a JSON dump of what it received.")

    @Option(name: .long, help: "Address to listen on, e.g. 127.0.0.1:8081 or [::1]:8081.")
    var listen: String

    func run() throws {
        guard let address = ListenAddress(listen) else {
            throw ValidationError("--listen: expected HOST:PORT, got \(listen)")
        }
        let code = EchoServer(logger: LogSetup.logger("tollgate-echo")).run(host: address.host, port: address.port)
        if code != 0 { throw ExitCode(code) }
    }
}
