public import HTTP1

/// A request the ``Router`` matched to a route, with its path parameters and parsed query.
///
/// The router builds it with the synthesized memberwise initializer: with a hand-written one
/// the optimizer copied the whole struct once more per request (measured on `/healthz`).
public struct RoutedRequest: Sendable {
    /// The request as the server delivered it.
    public var request: HTTPRequest
    /// The connection facts; nil for immediate routes, which run without a task.
    public var context: HTTPRequestContext?
    /// The matched route, such as `GET /v1/threads/{thread_id}`.
    public var routeTemplate: String
    /// The route's `{name}` values, percent-decoded.
    public var parameters: PathParameters
    /// The parsed query string.
    public var query: QueryParameters
    /// Values middleware attached, such as the authenticated user.
    public var attributes = RequestAttributes()

    /// The method as sent (`HEAD` when a GET route answers a HEAD request).
    public var method: HTTPMethod { request.method }
    /// The request's header fields.
    public var headers: HTTPHeaders { request.headers }
    /// The request body.
    public var body: [UInt8] { request.body }
    /// The request's id, for logs and the `x-request-id` response header.
    public var requestID: String { request.requestID }

    /// The value of path parameter `name`.
    /// - Throws: 500 `internal_error` when the route has no such parameter (a bug in the route).
    public func requireParameter(_ name: String) throws(APIError) -> String {
        guard let value = parameters[name] else {
            throw APIError.internal(debugDetail: "route \(routeTemplate) has no path parameter '\(name)'")
        }
        return value
    }
}

extension RoutedRequest {
    /// A routed request, parsing the query of `request.target`; for tests and adapters.
    /// - Throws: 400 `invalid_query` when the query is malformed.
    public init(
        _ request: HTTPRequest, context: HTTPRequestContext? = nil, routeTemplate: String = "",
        parameters: PathParameters = [:]
    ) throws(APIError) {
        let query = try request.query.map { (text) throws(APIError) in try QueryParameters(parsing: text) }
        self.init(
            request: request, context: context, routeTemplate: routeTemplate, parameters: parameters,
            query: query ?? QueryParameters())
    }
}
