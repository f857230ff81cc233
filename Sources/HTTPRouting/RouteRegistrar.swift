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
