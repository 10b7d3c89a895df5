/// Why authentication failed: the `reason` label of `tollgate_auth_failures_total`, never shown to clients
/// (every 401 looks the same).
public enum AuthFailure: String, Error, Sendable {
    case missing, malformed, unknown, expired, disabled, wrongAccount
}
