import TollgateCore
import TollgateEventLoop

/// `tollgate check`'s TLS step: the certificate and key must load and match, as they must at start and on reload.
public enum TLSCheck {
    /// Nil when `tls` loads; else the reason, naming the file.
    public static func problem(_ tls: TLSConfig) -> String? {
        do {
            _ = try TLSContext(certificatePath: tls.certPath, keyPath: tls.keyPath)
            return nil
        } catch {
            return error.message
        }
    }
}
