import ArgumentParser
import Foundation
import TollgateCore
import TollgateProxy

/// `--accounts FILE`, shared by every command that reads or edits the accounts file.
struct AccountsOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Path to the accounts file (YAML).", valueName: "file"))
    var accounts: String

    /// Runs `body`; an invalid file (every error with file:line) or a refused change is printed on stderr and
    /// becomes exit code 1. The library guarantees the file is unchanged then.
    func refusingInvalidInput<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let errors as ConfigErrors {
            for error in errors.errors { printError(error.description) }
            throw ExitCode(1)
        } catch let error as AccountsEditError {
            printError("\(accounts): \(error.message)")
            throw ExitCode(1)
        }
    }

    /// Prints `message` about a flag's value and exits 1 (a value that parses but is not acceptable).
    func invalid(_ message: String) -> ExitCode {
        printError("error: \(message)")
        return ExitCode(1)
    }
}

/// `--json`, for commands whose output scripts read.
struct JSONOutputOptions: ParsableArguments {
    @Flag(name: .long, help: "Print JSON instead of text.")
    var json = false

    /// Prints `value` as pretty JSON with sorted keys.
    func printJSON<T: Encodable>(_ value: T) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        print(String(decoding: try encoder.encode(value), as: UTF8.self))
    }
}
