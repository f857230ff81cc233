import EventLoop
import HTTP1
import Metrics
import Postgres
import Prometheus
import UpstreamHTTP

/// The figures one running gateway keeps, in its own Prometheus registry (tests that start
/// several gateways in one process see each one's own counts); `GET /metrics` exposes them
/// together with the process-wide ``ProcessMetrics/registry``.
///
/// Recording is called on the loop threads: each series' swift-metrics handle is made once
/// and cached under a lock, so a request costs a dictionary lookup and the handle's atomics.
final class GatewayMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    private let factory: PrometheusMetricsFactory
    private let httpSeries = LockedValue<[HTTPSeriesKey: HTTPSeries]>([:])
    private let upstreamSeries = LockedValue<[UpstreamSeriesKey: Metrics.Counter]>([:])
    private let upstreamOperations = LockedValue<[String: UpstreamOperationSeries]>([:])
    private let openConnections: Metrics.Gauge
    private let poolIdle: Metrics.Gauge
    private let poolInUse: Metrics.Gauge
    private let poolConnecting: Metrics.Gauge
    private let poolWaiters: Metrics.Gauge
    /// `threadgate_db_query_duration_seconds`, fed by the pools' `queryObserver`.
    let databaseQueryDuration: Metrics.Timer

    init() {
        factory = ProcessMetrics.makeFactory(registry)
        openConnections = Metrics.Gauge(label: "threadgate_http_open_connections", factory: factory)
        let factory = factory
        func pool(_ state: String) -> Metrics.Gauge {
            Metrics.Gauge(label: "threadgate_db_pool_connections", dimensions: [("state", state)], factory: factory)
        }
        poolIdle = pool("idle")
        poolInUse = pool("in_use")
        poolConnecting = pool("connecting")
        poolWaiters = Metrics.Gauge(label: "threadgate_db_pool_waiters", factory: factory)
        databaseQueryDuration = Metrics.Timer(label: "threadgate_db_query_duration_seconds", factory: factory)
        Metrics.Gauge(
            label: "threadgate_build_info",
            dimensions: [("version", ThreadgateVersion.current), ("swift", ThreadgateVersion.swift)], factory: factory
        ).record(1)
    }

    // MARK: HTTP

    private struct HTTPSeriesKey: Hashable {
        var route: String
        var method: String
        var status: Int
    }

    private struct HTTPSeries {
        var requests: Metrics.Counter
        var duration: Metrics.Timer
    }

    /// Counts one answered (or refused, or abandoned) request under its route template.
    func record(_ access: HTTPAccessRecord) {
        let key = HTTPSeriesKey(route: access.routeTemplate ?? "unknown", method: access.method, status: access.status)
        let series = httpSeries.withLock { cache in
            if let series = cache[key] { return series }
            let series = HTTPSeries(
                requests: Metrics.Counter(
                    label: "threadgate_http_requests_total",
                    dimensions: [("route", key.route), ("method", key.method), ("status", String(key.status))],
                    factory: factory),
                duration: Metrics.Timer(
                    label: "threadgate_http_request_duration_seconds",
                    dimensions: [("route", key.route), ("method", key.method)], factory: factory))
            cache[key] = series
            return series
        }
        series.requests.increment()
        series.duration.recordNanoseconds(Int64(clamping: access.durationNanos))
    }

    // MARK: Upstream

    private struct UpstreamSeriesKey: Hashable {
        var operation: String
        var status: String
    }

    private struct UpstreamOperationSeries {
        var duration: Metrics.Timer
        var retries: Metrics.Counter
    }

    /// Counts one upstream attempt under its operation (`GET /threads/{id}/runs`).
    func record(_ attempt: UpstreamAttemptRecord, operation: String) {
        let status = attempt.status.map(String.init) ?? attempt.error?.name ?? "error"
        let key = UpstreamSeriesKey(operation: operation, status: status)
        let requests = upstreamSeries.withLock { cache in
            if let counter = cache[key] { return counter }
            let counter = Metrics.Counter(
                label: "threadgate_upstream_requests_total", dimensions: [("operation", operation), ("status", status)],
                factory: factory)
            cache[key] = counter
            return counter
        }
        let series = upstreamOperations.withLock { cache in
            if let series = cache[operation] { return series }
            let series = UpstreamOperationSeries(
                duration: Metrics.Timer(
                    label: "threadgate_upstream_request_duration_seconds", dimensions: [("operation", operation)],
                    factory: factory),
                retries: Metrics.Counter(label: "threadgate_upstream_retries_total", dimensions: [("operation", operation)], factory: factory))
            cache[operation] = series
            return series
        }
        requests.increment()
        series.duration.recordNanoseconds(Int64(clamping: attempt.durationNanos))
        if case .retry = attempt.decision { series.retries.increment() }
    }

    // MARK: Sampled at scrape time

    /// Sets the gauges read at scrape time: open connections and the pools' figures, summed.
    func sample(openConnections connections: Int, pools: [PostgresPoolStatistics]) {
        openConnections.record(connections)
        var idle = 0
        var inUse = 0
        var connecting = 0
        var waiters = 0
        for pool in pools {
            idle += pool.idle
            inUse += pool.inUse
            connecting += pool.connecting
            waiters += pool.waiters
        }
        poolIdle.record(idle)
        poolInUse.record(inUse)
        poolConnecting.record(connecting)
        poolWaiters.record(waiters)
    }
}
