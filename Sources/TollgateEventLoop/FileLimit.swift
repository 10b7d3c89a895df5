import Glibc

/// The process's open-file limit (RLIMIT_NOFILE) against what `max_connections` needs.
///
/// Every client connection holds a descriptor, and one with a request in flight holds a second one towards the
/// upstream; idle pooled upstream links, listeners, event-loop descriptors and the admin listener's own budget
/// come on top. Many environments start a process with a soft limit of 1024 and a far higher hard limit, so at
/// start-up (and on reload) the soft limit is raised towards what the configuration needs, never above the hard
/// limit and never lowered (HAProxy does the same from `maxconn`; nginx has `worker_rlimit_nofile`).
public enum FileLimit {
    /// Descriptors outside the connections: stdio, log files, event-loop and wake-up descriptors, listeners,
    /// the admin listener's 64 connections, config and accounts-file reads.
    public static func reserve(workers: Int) -> Int { 128 + 4 * workers }

    /// What a configuration needs, and what the limits allow.
    public struct Plan: Sendable, Equatable {
        /// Descriptors for `max_connections` clients, each with an upstream link, plus idle pooled links and the
        /// reserve.
        public var wanted: Int
        /// Descriptors for `max_connections` clients and the reserve, without upstream links.
        public var forClients: Int
        /// The soft limit to set (equal to the current one when nothing changes).
        public var soft: Int
        /// The soft limit before.
        public var before: Int
        /// The hard limit.
        public var hard: Int

        /// The soft limit goes up.
        public var raises: Bool { soft > before }
        /// Every client connection fits, with an upstream link each.
        public var fitsAll: Bool { soft >= wanted }
        /// Every client connection fits (but not an upstream link for each at once).
        public var fitsClients: Bool { soft >= forClients }
    }

    /// The plan for `maxConnections` with `workers` loops keeping up to `idleUpstreamPerWorker` pooled links,
    /// given the current `soft` and `hard` limits. Pure.
    public static func plan(maxConnections: Int, workers: Int, idleUpstreamPerWorker: Int, soft: Int, hard: Int)
        -> Plan
    {
        let reserve = reserve(workers: workers)
        let (doubled, o1) = maxConnections.multipliedReportingOverflow(by: 2)
        let idle = workers.multipliedReportingOverflow(by: idleUpstreamPerWorker)
        var wanted = Int.max
        if !o1 && !idle.overflow {
            let (sum, o2) = doubled.addingReportingOverflow(idle.partialValue + reserve)
            if !o2 { wanted = sum }
        }
        let (forClients, o3) = maxConnections.addingReportingOverflow(reserve)
        let target = max(soft, min(hard, wanted))
        return Plan(wanted: wanted, forClients: o3 ? Int.max : forClients, soft: target, before: soft, hard: hard)
    }

    /// The current soft and hard limits (RLIM_INFINITY as `Int.max`).
    public static func current() -> (soft: Int, hard: Int) {
        var rl = rlimit()
        guard getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &rl) == 0 else { return (1024, 1024) }
        return (clamp(rl.rlim_cur), clamp(rl.rlim_max))
    }

    /// Sets the soft limit to `soft` (hard unchanged); false when the kernel refused.
    public static func setSoft(_ soft: Int) -> Bool {
        var rl = rlimit()
        guard getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &rl) == 0 else { return false }
        rl.rlim_cur = soft == Int.max ? rlim_t.max : rlim_t(soft)
        return setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &rl) == 0
    }

    private static func clamp(_ v: rlim_t) -> Int { v >= rlim_t(Int.max) ? Int.max : Int(v) }
}
