private import CLibevent

/// An OpenSSL server context (certificate + key), shared by the listeners that terminate TLS.
/// A new context is built on reload and swapped in; existing sessions keep the old one.
public final class TLSContext: @unchecked Sendable {
    private let ctx: OpaquePointer

    /// TLS 1.2 suites: Mozilla's "intermediate" list (ECDHE with AEAD only). TLS 1.3 keeps OpenSSL's defaults,
    /// which are all AEAD.
    static let tls12Ciphers = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
        + "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
        + "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305"

    /// Loads a PEM certificate chain and private key; TLS 1.2 minimum, modern ciphers, ALPN `http/1.1`.
    public init(certificatePath: String, keyPath: String) throws(SocketError) {
        EventLoop.setUp()
        guard let c = SSL_CTX_new(TLS_server_method()) else { throw SocketError(message: "SSL_CTX_new failed") }
        _ = tollgate_SSL_CTX_set_min_proto_version(c, TLS1_2_VERSION)
        // OpenSSL 3 treats a peer close without close_notify as an error unless told otherwise.
        SSL_CTX_set_options(c, tollgate_SSL_OP_IGNORE_UNEXPECTED_EOF() | tollgate_SSL_OP_NO_RENEGOTIATION())
        _ = SSL_CTX_set_cipher_list(c, TLSContext.tls12Ciphers)
        // Only HTTP/1.1 is spoken: a client offering ALPN must be able to take it (as nginx without http2 does).
        SSL_CTX_set_alpn_select_cb(c, { _, out, outlen, input, inlen, _ in
            guard let out, let outlen, let input else { return SSL_TLSEXT_ERR_NOACK }
            let wanted: [UInt8] = Array("http/1.1".utf8)
            var i = 0
            let n = Int(inlen)
            while i < n {
                let len = Int(input[i])
                if i + 1 + len > n { break }
                if len == wanted.count && (0..<len).allSatisfy({ input[i + 1 + $0] == wanted[$0] }) {
                    out.pointee = input + i + 1
                    outlen.pointee = UInt8(len)
                    return SSL_TLSEXT_ERR_OK
                }
                i += 1 + len
            }
            return SSL_TLSEXT_ERR_ALERT_FATAL
        }, nil)
        guard SSL_CTX_use_certificate_chain_file(c, certificatePath) == 1 else {
            SSL_CTX_free(c)
            throw SocketError(message: "cannot load TLS certificate \(certificatePath): \(TLSContext.lastError())")
        }
        guard SSL_CTX_use_PrivateKey_file(c, keyPath, SSL_FILETYPE_PEM) == 1, SSL_CTX_check_private_key(c) == 1 else {
            SSL_CTX_free(c)
            throw SocketError(message: "cannot load TLS key \(keyPath): \(TLSContext.lastError())")
        }
        ctx = c
    }

    deinit { SSL_CTX_free(ctx) }

    func newSession() -> OpaquePointer? { SSL_new(ctx) }

    private static func lastError() -> String {
        let code = ERR_get_error()
        if code == 0 { return "unknown error" }
        var buf = [CChar](repeating: 0, count: 256)
        ERR_error_string_n(code, &buf, 256)
        return buf.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }
}
