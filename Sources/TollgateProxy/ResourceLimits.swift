import Glibc
import Logging
import TollgateEventLoop

/// Start-up and reload checks of the process's resources against the configuration, and the log lines for
/// listeners that cannot accept.
enum ResourceLimits {
    /// Raises the soft open-file limit towards what `maxConnections` needs (never above the hard limit, never
    /// lower) and says so; warns when the limits cannot hold the configuration.
    static func adjustFileLimit(maxConnections: Int, workers: Int, idleUpstreamPerWorker: Int, logger: Logger) {
        let (soft, hard) = FileLimit.current()
        var plan = FileLimit.plan(maxConnections: maxConnections, workers: workers,
                                  idleUpstreamPerWorker: idleUpstreamPerWorker, soft: soft, hard: hard)
        let metadata: Logger.Metadata = ["event": "rlimit", "max_connections": "\(maxConnections)"]
        if plan.raises {
            if FileLimit.setSoft(plan.soft) {
                logger.info("raised the open-file limit (RLIMIT_NOFILE) from \(plan.before) to \(plan.soft) for max_connections \(maxConnections)",
                            metadata: metadata)
            } else {
                logger.warning("could not raise the open-file limit (RLIMIT_NOFILE) from \(plan.before) to \(plan.soft)",
                               metadata: metadata)
                plan.soft = plan.before
            }
        }
        let raise = "raise the hard limit (systemd LimitNOFILE=, docker run --ulimit nofile=N:N, ulimit -Hn)"
        if !plan.fitsClients {
            logger.warning("open-file limit \(plan.soft) (hard limit \(show(plan.hard))) cannot hold max_connections \(maxConnections): about \(plan.forClients) descriptors are needed for the client connections alone, \(plan.wanted) with an upstream link each; connections beyond the limit wait in the accept queue and requests whose upstream link cannot be opened get 502; \(raise) or lower max_connections",
                           metadata: metadata)
        } else if !plan.fitsAll {
            logger.notice("open-file limit \(plan.soft) (hard limit \(show(plan.hard))) holds max_connections \(maxConnections) client connections but not an upstream link for each at once (that needs \(plan.wanted)); requests beyond it get 502; \(raise) to remove the gap",
                          metadata: metadata)
        }
    }

    private static func show(_ n: Int) -> String { n == Int.max ? "unlimited" : "\(n)" }

    /// A rate-limited reporter (see `AcceptBackoff`) for a listener named `name` ("proxy", "admin"…).
    static func acceptReporter(_ logger: Logger, listener name: String) -> (AcceptBackoff.Report, Int32) -> Void {
        { report, error in
            switch report {
            case .failing(let failures, let pause):
                let since = failures > 1 ? "; \(failures) failed accepts since the last report" : ""
                logger.warning("accept() on the \(name) listener failed: \(describe(error)); pausing accepts for \(Int((pause * 1000).rounded())) ms (doubling up to 1 s while it lasts)\(since)",
                               metadata: ["event": "accept_error", "listener": "\(name)", "errno": "\(error)",
                                          "failures": "\(failures)"])
            case .recovered(let failures, let seconds):
                let s = (seconds * 1000).rounded() / 1000
                logger.notice("accepting again on the \(name) listener after \(failures) failed accept(s) over \(s) s",
                              metadata: ["event": "accept_recovered", "listener": "\(name)", "failures": "\(failures)"])
            }
        }
    }

    private static func describe(_ error: Int32) -> String {
        let text = String(cString: strerror(error))
        switch error {
        case EMFILE: return "EMFILE (\(text): the open-file limit is reached)"
        case ENFILE: return "ENFILE (\(text): the system-wide file table is full)"
        case ENOBUFS, ENOMEM: return "\(error == ENOMEM ? "ENOMEM" : "ENOBUFS") (\(text))"
        default: return "errno \(error) (\(text))"
        }
    }
}
