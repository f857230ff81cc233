import HTTP1
import HTTPRouting
import Postgres

/// `GET /metrics`: the Prometheus text exposition (format 0.0.4) of the gateway's own figures
/// and of everything emitted through swift-metrics in the process.
///
/// Outside the gateway's JWT middleware. With `METRICS_TOKEN` set it asks for
/// `Authorization: Bearer <METRICS_TOKEN>` and answers 401 otherwise.
enum MetricsRoutes {
    /// What the scrape reads besides the registries.
    struct Sources: Sendable {
        var metrics: GatewayMetrics
        var database: DatabasePools?
        /// Open HTTP connections across the workers (set once the server listens).
        var openConnections: @Sendable () async -> Int
        var token: String?
    }

    static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    static func register(on routes: RouterBuilder, _ sources: Sources) {
        routes.get("/metrics") { request in
            if let token = sources.token, !authorized(request.headers["authorization"], token: token) {
                throw APIError.unauthorized(
                    message: "This endpoint needs the metrics token as a bearer token.", challenge: #"Bearer realm="metrics""#)
            }
            sources.metrics.sample(
                openConnections: await sources.openConnections(),
                pools: sources.database?.pools.map(\.statistics) ?? [])
            return HTTPResponse(
                status: .ok, headers: ["content-type": contentType, "cache-control": "no-store"],
                bytes: exposition(sources.metrics))
        }
    }

    /// The server's registry, then the process-wide one, with `# HELP` lines for threadgate's
    /// metric names (swift-metrics carries no help text).
    static func exposition(_ metrics: GatewayMetrics) -> [UInt8] {
        var raw = metrics.registry.emitToBuffer()
        raw.append(contentsOf: ProcessMetrics.registry.emitToBuffer())
        var out: [UInt8] = []
        out.reserveCapacity(raw.count + 2048)
        let typePrefix = Array("# TYPE ".utf8)
        var lineStart = 0
        while lineStart < raw.count {
            let lineEnd = raw[lineStart...].firstIndex(of: 0x0A) ?? raw.count
            let line = raw[lineStart..<lineEnd]
            if line.starts(with: typePrefix) {
                let rest = line.dropFirst(typePrefix.count)
                let name = String(decoding: rest.prefix { $0 != 0x20 }, as: UTF8.self)
                if let help = MetricsHelp.text[name] {
                    out.append(contentsOf: "# HELP \(name) \(help)\n".utf8)
                }
            }
            out.append(contentsOf: line)
            out.append(0x0A)
            lineStart = lineEnd + 1
        }
        return out
    }

    /// True when `header` is `Bearer <token>`; compares in time independent of where they differ.
    static func authorized(_ header: String?, token: String) -> Bool {
        guard let header, header.count > 7, header.prefix(7).lowercased() == "bearer " else { return false }
        let given = Array(header.utf8.dropFirst(7))
        let expected = Array(token.utf8)
        var difference = UInt8(given.count == expected.count ? 0 : 1)
        for index in 0..<expected.count {
            difference |= expected[index] ^ (index < given.count ? given[index] : 0)
        }
        return difference == 0
    }
}

/// Help text per metric name, documented in docs/OPERATIONS.md.
enum MetricsHelp {
    static let text: [String: String] = [
        "threadgate_http_requests_total": "HTTP requests answered, by route template, method and status.",
        "threadgate_http_request_duration_seconds": "Time from a request's head to its response being handed to the socket.",
        "threadgate_http_open_connections": "Open client connections across the worker loops.",
        "threadgate_upstream_requests_total": "Upstream attempts, by operation and HTTP status or transport error code.",
        "threadgate_upstream_request_duration_seconds": "Time of one upstream attempt until its response head or failure.",
        "threadgate_upstream_retries_total": "Upstream attempts that were followed by a retry.",
        "threadgate_db_pool_connections": "Database connections summed over the worker pools, by state.",
        "threadgate_db_pool_waiters": "Callers waiting for a free database connection, summed over the worker pools.",
        "threadgate_db_query_duration_seconds": "Time of one pooled query (wait for a connection included) or transaction.",
        "threadgate_build_info": "Always 1; the labels name the version and the Swift compiler.",
        "threadgate_asks_total": "Ask-and-wait calls, by outcome.",
        "threadgate_ask_upstream_requests": "Upstream requests one ask-and-wait call made.",
        "threadgate_asks_waiting": "Ask-and-wait calls currently waiting for their run.",
        "threadgate_ask_streams_open": "Waiting asks following their run over an upstream stream (at most ASK_MAX_STREAMS).",
        "threadgate_ask_stream_budget_exhausted_total": "Asks that polled because every stream slot was taken.",
        "threadgate_ask_polls_in_flight": "Upstream polls of waiting asks in flight (at most ASK_MAX_POLLS).",
        "threadgate_ask_polls_deferred_total": "Polls that waited in line for a slot because every poll slot was in flight.",
    ]
}
