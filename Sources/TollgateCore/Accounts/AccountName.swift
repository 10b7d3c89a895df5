/// Name rules of the accounts file that are not shared with the config (roles and groups use `RoleName`).
public enum AccountName {
    /// True for a DNS label: 1-63 of `[a-z0-9-]`, starting and ending with a letter or digit.
    public static func isValid(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard !bytes.isEmpty, bytes.count <= 63, isAlphanumeric(bytes[0]), isAlphanumeric(bytes[bytes.count - 1])
        else { return false }
        return bytes.allSatisfy { isAlphanumeric($0) || $0 == UInt8(ascii: "-") }
    }

    /// True for a token id: 1-63 of `[a-z0-9-]`.
    public static func isValidTokenID(_ id: String) -> Bool {
        let bytes = id.utf8
        guard !bytes.isEmpty, bytes.count <= 63 else { return false }
        return bytes.allSatisfy { isAlphanumeric($0) || $0 == UInt8(ascii: "-") }
    }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
            || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
    }
}
