/// Header-name comparison the way backends read names.
enum HeaderName {
    /// Lower-cased with `_` read as `-`: many backends (CGI, WSGI, PHP) cannot tell `X_User` from `X-User`.
    static func key(_ name: String) -> String {
        var bytes = Array(name.utf8)
        for index in bytes.indices {
            let byte = bytes[index]
            if byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") {
                bytes[index] = byte + 32
            } else if byte == UInt8(ascii: "_") {
                bytes[index] = UInt8(ascii: "-")
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Headers tollgate itself manages; none may be configured as an identity or api-key header.
    static let managed: Set<String> = [
        "authorization", "host", "content-length", "transfer-encoding", "expect", "connection", "keep-alive",
        "proxy-connection", "te", "trailer", "upgrade", "x-forwarded-for", "x-forwarded-proto",
        "x-forwarded-host", "x-request-id", "cookie", "content-type",
    ]
}
