public import HTTP1

/// Wraps the handlers of a route group: runs before (and after) them, and may answer alone.
///
/// A middleware calls `next` to continue down the chain, may change the request first (for
/// example attach the authenticated user in ``RoutedRequest/attributes``), may change the
/// response after, or throws an ``APIError`` to answer without calling `next`. Middleware of
/// a group run in the order given, outer groups before inner ones.
///
/// ```swift
/// struct RequireToken: Middleware {
///     func handle(_ request: RoutedRequest, next: RouteHandler) async throws -> HTTPResponse {
///         guard request.headers["authorization"] != nil else { throw APIError.unauthorized() }
///         return try await next(request)
///     }
/// }
/// ```
///
/// Middleware are async, so an immediate route registered in a group with middleware is run
/// deferred (in a task) through the chain.
public protocol Middleware: Sendable {
    /// Handles `request`, calling `next` to run the rest of the chain and the route.
    func handle(_ request: RoutedRequest, next: RouteHandler) async throws -> HTTPResponse
}

/// A middleware from a closure.
///
/// ```swift
/// let timing = ClosureMiddleware { request, next in
///     var response = try await next(request)
///     response.headers.add(name: "x-handled-by", value: "threadgate")
///     return response
/// }
/// ```
public struct ClosureMiddleware: Middleware {
    private let body: @Sendable (RoutedRequest, RouteHandler) async throws -> HTTPResponse

    /// A middleware that runs `body`.
    public init(_ body: @escaping @Sendable (RoutedRequest, RouteHandler) async throws -> HTTPResponse) {
        self.body = body
    }

    public func handle(_ request: RoutedRequest, next: RouteHandler) async throws -> HTTPResponse {
        try await body(request, next)
    }
}

extension RouteAction {
    /// This action wrapped by `middleware`, the first outermost; unchanged when there are none.
    func wrapped(by middleware: [any Middleware]) -> RouteAction {
        guard !middleware.isEmpty else { return self }
        var handler: RouteHandler
        switch self {
        case .immediate(let immediate):
            handler = { request in try immediate(request) }
        case .deferred(let deferred):
            handler = deferred
        }
        for layer in middleware.reversed() {
            let inner = handler
            handler = { request in try await layer.handle(request, next: inner) }
        }
        return .deferred(handler)
    }
}
