import Gateway
import HTTPRouting

/// What the routes use, built once at start-up by ``GatewayServer``.
struct AppServices: Sendable {
    /// One pool per worker loop; nil when no database is configured.
    var database: DatabasePools?
    /// The `/readyz` checks.
    var readiness: Readiness
    /// The frontend and admin API (answering 503 while no database is configured).
    var gateway: Gateway
    /// What `GET /metrics` reads (``GatewayServer`` passes its own; the default, for route
    /// listings, has a registry of its own and no pools or connections).
    var metrics = MetricsRoutes.Sources(metrics: GatewayMetrics(), database: nil, openConnections: { 0 }, token: nil)
    /// Registers the bench-only routes (`THREADGATE_BENCH_ROUTES=1`).
    var benchRoutes = false
}

extension AppServices {
    /// The gateway over `database` (its routes answer 503 while there is none).
    static func makeGateway(
        database pools: DatabasePools?, dialects: UpstreamDialects, authenticator: any CallerAuthenticator,
        configuration: GatewayConfiguration
    ) -> Gateway {
        Gateway(
            database: { [pools] () throws(APIError) in
                guard let pools else { throw GatewayServer.noDatabase }
                return pools.current
            },
            dialects: dialects, authenticator: authenticator, configuration: configuration)
    }
}
