public import HTTP1

/// Collects routes at start-up; ``build()`` turns them into an immutable ``Router``.
///
/// ```swift
/// let routes = RouterBuilder()
/// routes.addImmediate(.get, "/healthz") { _ in healthyResponse }
/// let v1 = routes.group("/v1", middleware: [auth])
/// v1.get("/threads/{thread_id}") { request in
///     let id = try request.requireParameter("thread_id")
///     return .json(try await store.thread(id))
/// }
/// routes.onUnexpectedError = { error, request in logger.error("\(request.routeTemplate): \(error)") }
/// let router = routes.build()
/// ```
public final class RouterBuilder: RouteRegistrar {
    /// Called with any error a handler throws that is neither ``APIError`` nor
    /// ``APIErrorConvertible`` (the client gets a generic 500), so the app can log it.
    public var onUnexpectedError: (@Sendable (any Error, RoutedRequest) -> Void)?

    private var definitions: [RouteDefinition] = []

    /// An empty route table.
    public init() {}

    public func add(_ method: HTTPMethod, _ path: String, _ handler: @escaping RouteHandler) {
        register(method, path, .deferred(handler))
    }

    public func addImmediate(_ method: HTTPMethod, _ path: String, _ handler: @escaping ImmediateRouteHandler) {
        register(method, path, .immediate(handler))
    }

    public func group(_ prefix: String, middleware: [any Middleware]) -> RouteGroup {
        RouteGroup(builder: self, prefix: RouteGroup.validatedPrefix(prefix), middleware: middleware)
    }

    func register(_ method: HTTPMethod, _ path: String, _ action: RouteAction) {
        definitions.append(RouteDefinition(method: method, pattern: RoutePattern(path), action: action))
    }

    /// The immutable router for the routes registered so far.
    public func build() -> Router {
        Router(
            root: RouteNode.build(definitions),
            routes: definitions.map { RegisteredRoute(method: $0.method, pattern: $0.pattern.text) },
            onUnexpectedError: onUnexpectedError)
    }
}
