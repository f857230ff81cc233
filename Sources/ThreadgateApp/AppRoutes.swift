import HTTP1
import HTTPRouting

/// The gateway's route table and the mapping of refused requests to the public error shape.
enum AppRoutes {
    /// Builds the router once at start-up; it is immutable afterwards.
    static func make(_ services: AppServices) -> Router {
        let routes = RouterBuilder()
        HealthRoutes.register(on: routes)
        ReadinessRoutes.register(on: routes, readiness: services.readiness)
        MetricsRoutes.register(on: routes, services.metrics)
        OpenAPIRoutes.register(on: routes)
        services.gateway.register(on: routes)
        if services.benchRoutes, let database = services.database {
            BenchRoutes.register(on: routes, database: database)
        }
        return routes.build()
    }

    /// The public-shape response for a request the HTTP server refused before routing.
    @Sendable
    static func errorResponse(_ error: HTTPServerError) -> HTTPResponse {
        APIError(
            status: error.status, type: .invalidRequest, code: APIError.Code(error.code.name),
            message: error.message
        ).response()
    }
}

/// `/healthz`: answers on the loop thread with no task, database or upstream involved, so it
/// reflects only whether the loop is responsive.
enum HealthRoutes {
    private static let healthy = HTTPResponse.json(["status": "ok"])

    static func register(on routes: RouterBuilder) {
        routes.addImmediate(.get, "/healthz") { _ in healthy }
    }
}
