import Foundation
import Prometheus
import TollgateCore

/// The process-wide metrics of SPEC §7. Counters live in swift-prometheus's registry (atomics, updated by the
/// workers directly); the two duration histograms are `DurationFamily`s of per-worker, lock-free histograms
/// (swift-prometheus's take a lock and walk every bucket per observation). Each worker caches its handles
/// (`WorkerMetrics`) so a request costs no registry lookup. Families that describe the table in force (accounts, tokens, expiry
/// times, generation) and open connections are read at scrape time instead of being kept up to date.
/// Thread-safe.
final class ProxyMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    let reloadSuccess: Counter
    let reloadError: Counter
    let lastReloadSuccess: Gauge
    let requestDuration = DurationFamily(
        name: "tollgate_request_duration_seconds", help: "Time from a request's head to the end of its response.")
    let upstreamDuration = DurationFamily(
        name: "tollgate_upstream_duration_seconds",
        help: "Time from sending a request upstream to the end of its response head.")

    static let durationBuckets: [Double] = [
        0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
    ]
    private static func name(_ metric: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "tollgate", metricName: metric, unitName: unit, helpText: help)
    }
    private static var requestsName: MetricNameDescriptor {
        name("requests", "total", "Requests answered, by route, method, status code and decision.")
    }
    private static var failuresName: MetricNameDescriptor {
        name("auth_failures", "total", "Credentials refused, by reason (every 401 looks the same to clients).")
    }
    private static var reloadsName: MetricNameDescriptor {
        name("reloads", "total", "Reloads of the config or accounts file, by result.")
    }

    init() {
        reloadSuccess = registry.makeCounter(descriptor: Self.reloadsName, labels: [("result", "success")])
        reloadError = registry.makeCounter(descriptor: Self.reloadsName, labels: [("result", "error")])
        lastReloadSuccess = registry.makeGauge(descriptor: Self.name(
            "last_reload_success_timestamp", "seconds",
            "Unix time of the last successful load of the config or accounts file."))
        // Every reason exists from the start, so alerts on rate() see a zero rather than no series.
        for reason in AuthFailure.allLabels { _ = authFailures(reason: reason) }
    }

    /// Records a successful reload now (`counted: false` for the load at start-up, which is not a reload).
    func reloaded(counted: Bool = true) {
        if counted { reloadSuccess.increment() }
        lastReloadSuccess.set(Date().timeIntervalSince1970)
    }

    func requests(route: String, method: String, code: Int, decision: String) -> Counter {
        registry.makeCounter(
            descriptor: Self.requestsName,
            labels: [("route", route), ("method", method), ("code", String(code)), ("decision", decision)])
    }

    func authFailures(reason: String) -> Counter {
        registry.makeCounter(descriptor: Self.failuresName, labels: [("reason", reason)])
    }

    /// The whole exposition: the registry's families, then the gauges read from `snapshot` now.
    func render(snapshot: ProxySnapshot?, openConnections: Int, failedAuthTracked: Int = 0, logDropped: Int) -> [UInt8] {
        var out: [UInt8] = []
        registry.emit(into: &out)
        requestDuration.emit(into: &out)
        upstreamDuration.emit(into: &out)
        var text = ""
        func gauge(_ name: String, _ help: String, _ value: Int) {
            text += "# HELP \(name) \(help)\n# TYPE \(name) gauge\n\(name) \(value)\n"
        }
        gauge("tollgate_open_connections", "Client connections open now (proxy and forward-auth listeners).",
              openConnections)
        gauge("tollgate_failed_auth_tracked_clients",
              "Client IPs the failed-auth brake tracks now (at most failed_auth.max_tracked).", failedAuthTracked)
        text += "# HELP tollgate_access_log_dropped_total Access-log lines dropped because stdout fell behind.\n"
        text += "# TYPE tollgate_access_log_dropped_total counter\ntollgate_access_log_dropped_total \(logDropped)\n"
        if let snapshot {
            let table = snapshot.table
            gauge("tollgate_accounts", "Accounts in the table in force, disabled ones included.", table.accountCount)
            gauge("tollgate_tokens", "Tokens in the table in force, expired ones included.", table.tokenCount)
            gauge("tollgate_accounts_generation", "Number of the table in force (+1 on every applied reload).",
                  snapshot.generation)
            out.append(contentsOf: text.utf8)
            text = ""
            Self.renderExpiry(table.file, into: &out)
        }
        out.append(contentsOf: text.utf8)
        return out
    }

    /// One series per token that has an expiry (`never` tokens have none).
    static func renderExpiry(_ file: AccountsFile, into out: inout [UInt8]) {
        let name = "tollgate_token_expiry_timestamp_seconds"
        out.append(contentsOf: "# HELP \(name) Unix time at which a token expires (absent: never).\n".utf8)
        out.append(contentsOf: "# TYPE \(name) gauge\n".utf8)
        for account in file.accounts {
            for token in account.tokens {
                guard let expires = token.expires else { continue }
                var line = name + "{account=\"" + labelValue(account.name) + "\",token=\"" + labelValue(token.id)
                line += "\"} " + String(Int64(expires.timeIntervalSince1970)) + "\n"
                out.append(contentsOf: line.utf8)
            }
        }
    }

    /// Escapes a label value for the text format (backslash, quote, newline).
    static func labelValue(_ s: String) -> String {
        guard s.contains(where: { $0 == "\\" || $0 == "\"" || $0 == "\n" }) else { return s }
        var out = ""
        for c in s {
            switch c {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.append(c)
            }
        }
        return out
    }
}

extension AuthFailure {
    /// The `reason` label values, in declaration order.
    static let allLabels = ["missing", "malformed", "unknown", "expired", "disabled", "wrong_account"]

    /// This failure's `reason` label.
    var label: String { self == .wrongAccount ? "wrong_account" : rawValue }
}

/// One worker's cached metric handles. Thread rule: that worker's loop only.
final class WorkerMetrics {
    private struct RequestKey: Hashable {
        var route: String
        var method: String
        var code: Int
        var decision: String
    }

    private struct RouteHandles {
        var duration: WorkerHistogram
        var upstream: WorkerHistogram
    }

    let shared: ProxyMetrics
    private var requests: [RequestKey: Counter] = [:]
    private var routes: [String: RouteHandles] = [:]
    private var failures: [AuthFailure: Counter] = [:]

    /// The last request's series: consecutive requests on a worker mostly share it, and comparing the key (its
    /// Strings share storage with the route table and literals) costs less than hashing it.
    private var lastKey: RequestKey?
    private var lastCounter: Counter?
    private var lastRoute: String?
    private var lastHandles: RouteHandles?

    init(shared: ProxyMetrics) { self.shared = shared }

    /// Counts one finished request.
    func record(_ r: AccessRecord) {
        let route = r.route ?? "none"
        let method = Self.methodLabel(r.method)
        let counter: Counter
        if let c = lastCounter, let last = lastKey, last.code == r.status, last.route == route, last.method == method,
            last.decision == r.decision
        {
            counter = c
        } else {
            let key = RequestKey(route: route, method: method, code: r.status, decision: r.decision)
            if let c = requests[key] {
                counter = c
            } else {
                counter = shared.requests(route: key.route, method: key.method, code: key.code, decision: key.decision)
                requests[key] = counter
            }
            lastKey = key
            lastCounter = counter
        }
        counter.increment()
        let handles: RouteHandles
        if let h = lastHandles, route == lastRoute {
            handles = h
        } else {
            if let h = routes[route] {
                handles = h
            } else {
                handles = RouteHandles(duration: shared.requestDuration.histogram(route: route),
                                       upstream: shared.upstreamDuration.histogram(route: route))
                routes[route] = handles
            }
            lastRoute = route
            lastHandles = handles
        }
        handles.duration.record(r.durationMs / 1000)
        if let up = r.upstreamMs { handles.upstream.record(up / 1000) }
        if let failure = r.authFailure {
            if let c = failures[failure] {
                c.increment()
            } else {
                let c = shared.authFailures(reason: failure.label)
                failures[failure] = c
                c.increment()
            }
        }
    }

    /// Methods outside the registered set share one label, so a client cannot grow the series count.
    static func methodLabel(_ m: String) -> String {
        switch m {
        case "GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "CONNECT", "TRACE": return m
        default: return "OTHER"
        }
    }
}
