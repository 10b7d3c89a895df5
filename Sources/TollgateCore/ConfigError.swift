/// One problem found in a config file, with its position when known.
public struct ConfigError: Error, Sendable, CustomStringConvertible, Equatable {
    /// The file as it was named to the loader.
    public var file: String
    /// 1-based line, when known.
    public var line: Int?
    /// 1-based column (in Unicode scalars), when known.
    public var column: Int?
    /// What is wrong, and where useful how to fix it.
    public var message: String

    /// Creates an error; `line` and `column` are optional.
    public init(file: String, line: Int? = nil, column: Int? = nil, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.message = message
    }

    /// `file:line:column: message`, leaving out the parts that are unknown.
    public var description: String {
        var text = file
        if let line {
            text += ":\(line)"
            if let column { text += ":\(column)" }
        }
        return text + ": " + message
    }
}

/// Every problem found in one config file (validation never stops at the first).
public struct ConfigErrors: Error, Sendable, CustomStringConvertible {
    /// The problems, in the order of the file.
    public var errors: [ConfigError]

    /// Wraps a list of errors.
    public init(errors: [ConfigError]) {
        self.errors = errors
    }

    /// One error per line.
    public var description: String {
        errors.map(\.description).joined(separator: "\n")
    }
}
