/// An IPv4 or IPv6 network such as `10.0.0.0/8` or `fd00::/8`; a plain address means /32 or /128.
///
/// IPv4-mapped IPv6 addresses (`::ffff:1.2.3.4`) count as IPv4, both in the network and in
/// `contains(_:)`. An IPv6 network never contains an IPv4 address, so `::/0` does not trust every
/// IPv4 peer by accident.
public struct CIDR: Sendable, Equatable, CustomStringConvertible {
    private var network: IPAddress
    /// Prefix length: 0...32 for IPv4, 0...128 for IPv6.
    public private(set) var prefixLength: Int

    /// Parses `address` or `address/prefix`; host bits beyond the prefix are cleared.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = IPAddress(String(parts[0])) else { return nil }
        let writtenAsV6 = parts[0].contains(":")
        var prefix = address.isV4 ? 32 : 128
        if parts.count == 2 {
            let digits = parts[1]
            guard !digits.isEmpty, digits.count <= 3, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
                let value = Int(digits)
            else { return nil }
            prefix = value
            if address.isV4 && writtenAsV6 {
                // `::ffff:10.0.0.0/104` is the IPv4 network 10.0.0.0/8.
                guard prefix >= 96, prefix <= 128 else { return nil }
                prefix -= 96
            }
            guard prefix <= (address.isV4 ? 32 : 128) else { return nil }
        }
        network = CIDR.masked(address, prefix)
        prefixLength = prefix
    }

    /// True when `address` (a plain IPv4 or IPv6 address) is inside this network; false when it does not parse.
    public func contains(_ address: String) -> Bool {
        guard let parsed = IPAddress(address) else { return false }
        return contains(parsed)
    }

    /// True when the already parsed `address` is inside this network.
    func contains(_ address: IPAddress) -> Bool {
        guard address.isV4 == network.isV4 else { return false }
        return CIDR.masked(address, prefixLength) == network
    }

    /// `network/prefix` in canonical form.
    public var description: String {
        "\(network.text)/\(prefixLength)"
    }

    private static func masked(_ address: IPAddress, _ prefix: Int) -> IPAddress {
        if address.isV4 {
            let mask: UInt64 = prefix == 0 ? 0 : (0xffff_ffff << UInt64(32 - prefix)) & 0xffff_ffff
            return IPAddress(high: 0, low: address.low & mask, isV4: true)
        }
        let highMask: UInt64 = prefix >= 64 ? ~0 : (prefix == 0 ? 0 : ~0 << UInt64(64 - prefix))
        let lowMask: UInt64 = prefix <= 64 ? 0 : (prefix == 128 ? ~0 : ~0 << UInt64(128 - prefix))
        return IPAddress(high: address.high & highMask, low: address.low & lowMask, isV4: false)
    }
}

extension Array where Element == CIDR {
    /// True when any network in the list contains `address`; the address is parsed once.
    public func containsAddress(_ address: String) -> Bool {
        guard let parsed = IPAddress(address) else { return false }
        return contains { $0.contains(parsed) }
    }
}
