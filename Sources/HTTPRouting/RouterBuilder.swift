public import HTTP1

/// Registers routes; shared by ``RouterBuilder`` and ``RouteGroup``.
///
/// Patterns start with `/` and name parameters as whole segments: `/v1/threads/{thread_id}`.
/// Literal segments are matched against the still-encoded request path. A malformed pattern
/// or a duplicate method + pattern stops the program at start-up (a bug in the route table).
public protocol RouteRegistrar {
    /// Registers `handler` for `method` on `path`, run in a task (``HTTPDispatch/deferred(_:)``).
    func add(_ method: HTTPMethod, _ path: String, _ handler: @escaping RouteHandler)

    /// Registers `handler` for `method` on `path`, answered inline on the loop thread
    /// (``HTTPDispatch/immediate(_:)``). Its ``RoutedRequest/context`` is nil.
    func addImmediate(_ method: HTTPMethod, _ path: String, _ handler: @escaping ImmediateRouteHandler)

    /// A group whose routes live under `prefix` and run through `middleware` (first outermost),
    /// after any middleware of this registrar.
    func group(_ prefix: String, middleware: [any Middleware]) -> RouteGroup
}

extension RouteRegistrar {
    /// Registers a GET route (which also answers HEAD).
    public func get(_ path: String, _ handler: @escaping RouteHandler) { add(.get, path, handler) }
    /// Registers a POST route.
    public func post(_ path: String, _ handler: @escaping RouteHandler) { add(.post, path, handler) }
    /// Registers a PUT route.
    public func put(_ path: String, _ handler: @escaping RouteHandler) { add(.put, path, handler) }
    /// Registers a PATCH route.
    public func patch(_ path: String, _ handler: @escaping RouteHandler) { add(.patch, path, handler) }
    /// Registers a DELETE route.
    public func delete(_ path: String, _ handler: @escaping RouteHandler) { add(.delete, path, handler) }

    /// A group under `prefix` with no middleware of its own.
    public func group(_ prefix: String) -> RouteGroup { group(prefix, middleware: []) }
}

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
        Router(root: RouteNode.build(definitions), templates: definitions.map(\.template), onUnexpectedError: onUnexpectedError)
    }
}

/// Routes sharing a path prefix and middleware, registered into a ``RouterBuilder``.
public struct RouteGroup: RouteRegistrar {
    private let builder: RouterBuilder
    /// The path prefix, such as `/v1`; empty for the root.
    public let prefix: String
    private let middleware: [any Middleware]

    init(builder: RouterBuilder, prefix: String, middleware: [any Middleware]) {
        self.builder = builder
        self.prefix = prefix
        self.middleware = middleware
    }

    public func add(_ method: HTTPMethod, _ path: String, _ handler: @escaping RouteHandler) {
        builder.register(method, fullPath(path), RouteAction.deferred(handler).wrapped(by: middleware))
    }

    public func addImmediate(_ method: HTTPMethod, _ path: String, _ handler: @escaping ImmediateRouteHandler) {
        builder.register(method, fullPath(path), RouteAction.immediate(handler).wrapped(by: middleware))
    }

    public func group(_ prefix: String, middleware: [any Middleware]) -> RouteGroup {
        RouteGroup(builder: builder, prefix: self.prefix + Self.validatedPrefix(prefix), middleware: self.middleware + middleware)
    }

    /// `path` under the prefix; `/` names the prefix itself.
    private func fullPath(_ path: String) -> String {
        if path == "/", !prefix.isEmpty { return prefix }
        return prefix + path
    }

    /// A prefix is empty or starts with `/` and does not end with one.
    static func validatedPrefix(_ prefix: String) -> String {
        precondition(
            prefix.isEmpty || (prefix.hasPrefix("/") && !prefix.hasSuffix("/")),
            "route group prefix must be empty or start but not end with '/': \(prefix)")
        return prefix
    }
}
