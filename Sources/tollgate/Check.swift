import ArgumentParser
import TollgateCore

/// `tollgate check --config FILE`: validate like `nginx -t`.
struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Validate the config (and accounts) file; print every error with file:line.")

    @Option(name: .long, help: "Path to the YAML config file.")
    var config: String

    func run() throws {
        switch ConfigLoader.load(path: config) {
        case .success(let c):
            print("\(config): ok (\(c.routes.count) route(s), upstream \(c.upstream.hostHeader))")
        case .failure(let errors):
            for e in errors.errors { printError(e.description) }
            print("\(config): \(errors.errors.count) error(s)")
            throw ExitCode(1)
        }
    }
}

/// Writes a line to stderr.
func printError(_ s: String) {
    var line = s
    line += "\n"
    FileHandleStderr.write(line)
}
