import ArgumentParser
import TollgateCore
import TollgateProxy

/// `tollgate check --config FILE`: validate the config and the accounts file it names, like `nginx -t`.
struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Validate the config and accounts files; print every error with file:line.")

    @Option(name: .long, help: "Path to the YAML config file.")
    var config: String

    func run() throws {
        switch ConfigLoader.load(path: config) {
        case .failure(let errors):
            for e in errors.errors { printError(e.description) }
            print("\(config): \(errors.errors.count) error(s)")
            throw ExitCode(1)
        case .success(let c):
            var summary = "\(config): ok (\(c.routes.count) route(s), upstream \(c.upstream.hostHeader))"
            if let tls = c.tls {
                if let problem = TLSCheck.problem(tls) {
                    printError("\(config): tls: \(problem)")
                    print("\(config): 1 error(s)")
                    throw ExitCode(1)
                }
                summary += "; TLS certificate ok"
            }
            if !c.accountsFile.isEmpty {
                switch AccountsLoader.load(path: c.accountsFile) {
                case .failure(let errors):
                    for e in errors.errors { printError(e.description) }
                    print("\(c.accountsFile): \(errors.errors.count) error(s)")
                    throw ExitCode(1)
                case .success(let file):
                    let tokens = file.accounts.reduce(0) { $0 + $1.tokens.count }
                    summary += "; \(c.accountsFile): ok (\(file.accounts.count) account(s), \(tokens) token(s))"
                }
            }
            print(summary)
        }
    }
}

/// Writes a line to stderr.
func printError(_ s: String) {
    FileHandleStderr.write(s + "\n")
}
