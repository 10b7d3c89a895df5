import ArgumentParser
import Foundation
import TollgateCore

/// `tollgate hash`: the `sha256:` hash of a token read on stdin, for writing the accounts file by hand.
struct HashCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hash",
        abstract: "Read a token on stdin and print its sha256: hash (one trailing newline or CRLF is dropped).")

    func run() throws {
        var bytes = Array(FileHandle.standardInput.readDataToEndOfFile())
        // Exactly one line ending: `echo TOKEN |` and `printf 'TOKEN\r\n'` hash like the token itself.
        if bytes.last == UInt8(ascii: "\n") {
            bytes.removeLast()
            if bytes.last == UInt8(ascii: "\r") { bytes.removeLast() }
        }
        guard !bytes.isEmpty else {
            printError("error: no token on stdin")
            throw ExitCode(1)
        }
        print(TokenHash.sha256(ofSecret: bytes).text)
    }
}
