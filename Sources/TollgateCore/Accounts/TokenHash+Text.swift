/// The `hash:` text of the accounts file: `sha256:<64 hex>` or a crypt(3) hash.
extension TokenHash {
    /// The hash stored for a token with these secret bytes (`sha256:` form).
    public static func sha256(ofSecret secret: [UInt8]) -> TokenHash {
        .sha256(SHA256.hash(secret))
    }

    /// The text written to the file: `sha256:` + 64 lowercase hex, or the crypt hash as is.
    public var text: String {
        switch self {
        case .sha256(let digest): return "sha256:" + SHA256.hex(digest)
        case .crypt(let hash): return hash
        }
    }

    /// Parses `hash:` text; hex may be upper- or lowercase; crypt hashes are checked for shape only.
    public static func parse(_ text: String) -> Result<TokenHash, InvalidValue> {
        if text.hasPrefix("sha256:") {
            let bytes = Array(text.utf8)  // a contiguous copy; a dropFirst view would be copied byte by byte
            guard bytes.count == 7 + 64, let digest = decodeHex(Array(bytes[7...])) else {
                return .failure(InvalidValue("sha256: must be followed by exactly 64 hex digits"))
            }
            return .success(.sha256(digest))
        }
        guard text.hasPrefix("$") else {
            return .failure(
                InvalidValue("must be sha256:<64 hex digits> or a crypt hash starting $2y$, $2b$, $6$ or $y$"))
        }
        let bytes = Array(text.utf8)
        let valid: Bool
        if text.hasPrefix("$2y$") || text.hasPrefix("$2b$") {
            valid = isBcrypt(bytes)
        } else if text.hasPrefix("$6$") {
            valid = isSHA512Crypt(bytes)
        } else if text.hasPrefix("$y$") {
            valid = isYescrypt(bytes)
        } else {
            return .failure(InvalidValue("unsupported crypt hash; use $2y$, $2b$, $6$ or $y$ (or sha256:)"))
        }
        guard valid else { return .failure(InvalidValue("is not a well-formed crypt hash of its kind")) }
        return .success(.crypt(text))
    }

    /// Hex digit values by byte (0xFF: not a hex digit).
    private static let hexValues: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (value, digit) in "0123456789abcdef".utf8.enumerated() { table[Int(digit)] = UInt8(value) }
        for (value, digit) in "ABCDEF".utf8.enumerated() { table[Int(digit)] = UInt8(10 + value) }
        return table
    }()

    /// The bytes an even number of hex digits stand for; nil when a byte is not a hex digit.
    static func decodeHex(_ hex: [UInt8]) -> [UInt8]? {
        guard hex.count % 2 == 0 else { return nil }
        var invalid: UInt8 = 0
        let bytes = [UInt8](unsafeUninitializedCapacity: hex.count / 2) { out, count in
            hexValues.withUnsafeBufferPointer { table in
                for i in 0..<hex.count / 2 {
                    let high = table[Int(hex[2 * i])]
                    let low = table[Int(hex[2 * i + 1])]
                    invalid |= (high | low) & 0xF0
                    out[i] = high << 4 | low
                }
            }
            count = hex.count / 2
        }
        return invalid == 0 ? bytes : nil
    }

    /// crypt's base-64 alphabet `[./0-9A-Za-z]`.
    private static func isCrypt64<S: Sequence>(_ bytes: S) -> Bool where S.Element == UInt8 {
        bytes.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "."), UInt8(ascii: "/"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"):
                return true
            default: return false
            }
        }
    }

    private static func isDigits(_ bytes: ArraySlice<UInt8>) -> Bool {
        !bytes.isEmpty && bytes.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
    }

    /// `$2b$NN$` + 53 characters (22 salt + 31 hash), cost 04-31.
    private static func isBcrypt(_ b: [UInt8]) -> Bool {
        guard b.count == 60, isDigits(b[4..<6]), b[6] == UInt8(ascii: "$"), isCrypt64(b[7...]) else { return false }
        let cost = Int(b[4] - UInt8(ascii: "0")) * 10 + Int(b[5] - UInt8(ascii: "0"))
        return (4...31).contains(cost)
    }

    /// `$6$[rounds=N$]salt$` + 86 characters; salt 1-16 characters.
    private static func isSHA512Crypt(_ b: [UInt8]) -> Bool {
        var parts = b[3...].split(separator: UInt8(ascii: "$"), omittingEmptySubsequences: false)
        if let first = parts.first, first.starts(with: "rounds=".utf8) {
            guard parts.count == 3, isDigits(first.dropFirst(7)), first.count <= 16 else { return false }
            parts.removeFirst()
        }
        guard parts.count == 2 else { return false }
        return (1...16).contains(parts[0].count) && isCrypt64(parts[0]) && parts[1].count == 86
            && isCrypt64(parts[1])
    }

    /// `$y$params$salt$` + 43 characters.
    private static func isYescrypt(_ b: [UInt8]) -> Bool {
        let parts = b[3...].split(separator: UInt8(ascii: "$"), omittingEmptySubsequences: false)
        return parts.count == 3 && parts.allSatisfy { !$0.isEmpty && isCrypt64($0) } && parts[2].count == 43
    }
}
