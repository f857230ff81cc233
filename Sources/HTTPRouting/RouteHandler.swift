public import HTTP1

/// A route handler run in a task on the connection's loop (``HTTPDispatch/deferred(_:)``).
///
/// A thrown ``APIError`` (or ``APIErrorConvertible``) becomes its response; any other error
/// becomes a 500 `internal_error` and is passed to ``RouterBuilder/onUnexpectedError``.
public typealias RouteHandler = @Sendable (RoutedRequest) async throws -> HTTPResponse

/// A route handler answered inline on the loop thread (``HTTPDispatch/immediate(_:)``), for
/// cheap non-blocking routes such as `/healthz`. It must not block.
public typealias ImmediateRouteHandler = @Sendable (RoutedRequest) throws(APIError) -> HTTPResponse

/// How a route answers.
enum RouteAction: Sendable {
    case immediate(ImmediateRouteHandler)
    case deferred(RouteHandler)
}
