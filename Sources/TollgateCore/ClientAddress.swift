/// Which address is "the client" (SPEC section 2, `trusted_proxies`).
public enum ClientAddress {
    /// The client IP for `X-Forwarded-For`, the failed-auth brake and the log.
    ///
    /// The peer, unless the peer is trusted; then the right-most `X-Forwarded-For` address that is not itself
    /// trusted (the left-most when all are). The peer when the header is absent or any element is not a plain IP
    /// address. An address taken from the header is returned in canonical form (`::ffff:1.2.3.4` as
    /// `1.2.3.4`), so one client cannot spread its failed attempts over several spellings.
    ///
    /// - Parameter forwardedFor: the values of every `X-Forwarded-For` header, in order.
    public static func resolve(peer: String, peerTrusted: Bool, forwardedFor: [String], trusted: [CIDR]) -> String {
        guard peerTrusted, let chain = parseChain(forwardedFor) else { return peer }
        for address in chain.reversed() where !trusted.contains(where: { $0.contains(address) }) {
            return address.text
        }
        return chain[0].text
    }

    /// The addresses of the header values, left to right; nil when there are none or one does not parse.
    static func parseChain(_ values: [String]) -> [IPAddress]? {
        var chain: [IPAddress] = []
        for value in values {
            for element in value.split(separator: ",", omittingEmptySubsequences: false) {
                let trimmed = element.trimmingASCIIWhitespace()
                guard let address = IPAddress(String(trimmed)) else { return nil }
                chain.append(address)
            }
        }
        return chain.isEmpty ? nil : chain
    }
}

extension Substring {
    /// Without leading and trailing spaces and tabs (HTTP's optional whitespace).
    func trimmingASCIIWhitespace() -> Substring {
        var text = self
        while let first = text.first, first == " " || first == "\t" { text.removeFirst() }
        while let last = text.last, last == " " || last == "\t" { text.removeLast() }
        return text
    }
}
