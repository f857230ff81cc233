import Gateway

/// What the routes use, built once at start-up by ``GatewayServer``.
struct AppServices: Sendable {
    /// One pool per worker loop; nil when no database is configured.
    var database: DatabasePools?
    /// The `/readyz` checks.
    var readiness: Readiness
    /// The frontend and admin API; nil without a database.
    var gateway: Gateway?
    /// Registers the bench-only routes (`THREADGATE_BENCH_ROUTES=1`).
    var benchRoutes = false
}
