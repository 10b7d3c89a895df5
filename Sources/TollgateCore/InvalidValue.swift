/// Why a single config value (an address, a URL) was rejected; the loader adds file and line.
public struct InvalidValue: Error, Sendable, Equatable, CustomStringConvertible {
    /// Human-readable reason, e.g. `port must be 0...65535`.
    public var message: String

    /// Wraps a reason.
    public init(_ message: String) {
        self.message = message
    }

    /// The reason.
    public var description: String { message }
}
