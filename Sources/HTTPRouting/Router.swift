public import HTTP1

/// The immutable route table, built once by ``RouterBuilder``; answers requests as an
/// ``HTTPResponder``.
///
/// - Matching works on the still-encoded path (see ``RouterBuilder``): literal segments
///   before parameters; `//` never matches; one trailing `/` is ignored.
/// - Parameters are percent-decoded; a malformed escape or invalid UTF-8 answers 400
///   `invalid_path`. A malformed query answers 400 `invalid_query`.
/// - An unknown path answers 404 `not_found`; a known path with another method answers 405
///   `method_not_allowed` with `Allow`. HEAD runs the GET route (the server drops the body).
/// - Every response carries ``HTTPResponse/routeTemplate``: the route's `METHOD /pattern`
///   (a HEAD answered by a GET route keeps `GET …`), or ``unmatchedRouteTemplate`` for 404
///   and 405.
public struct Router: HTTPResponder {
    /// The route template of 404 and 405 responses.
    public static let unmatchedRouteTemplate = "unmatched"

    private let root: RouteNode
    private let onUnexpectedError: (@Sendable (any Error, RoutedRequest) -> Void)?

    /// Every registered route (method and full pattern), in registration order; read-only, for
    /// checks such as comparing the table with the OpenAPI document.
    public let routes: [RegisteredRoute]

    /// Every registered route's template (`METHOD /pattern`), in registration order.
    public var routeTemplates: [String] { routes.map(\.description) }

    init(root: RouteNode, routes: [RegisteredRoute], onUnexpectedError: (@Sendable (any Error, RoutedRequest) -> Void)?) {
        self.root = root
        self.routes = routes
        self.onUnexpectedError = onUnexpectedError
    }

    /// Matches `request` and answers inline (immediate routes and errors) or in a task.
    public func dispatch(_ request: HTTPRequest) -> HTTPDispatch {
        let lookup = lookUp(request.method, in: request.target)
        guard let route = lookup.route else {
            return .immediate(unmatchedResponse(request, lookup))
        }
        guard let parameters = lookup.parameters else {
            let error = APIError.badRequest(code: .invalidPath, message: "The request path has an invalid percent-encoding.")
            return .immediate(Self.finish(error.response(), route.template))
        }
        let query: QueryParameters
        do {
            query = try Self.parseQuery(of: request.target, pathLength: lookup.pathLength)
        } catch {
            return .immediate(Self.finish(error.response(), route.template))
        }

        switch route.action {
        case .immediate(let handler):
            return .immediate(Self.run(handler, request, route.template, parameters, query))
        case .deferred(let handler):
            let hook = onUnexpectedError
            return .deferred { request, context in
                let routed = RoutedRequest(
                    request: request, context: context, routeTemplate: route.template, parameters: parameters, query: query)
                return await Self.run(handler, routed, onUnexpectedError: hook)
            }
        }
    }

    /// Answers `request` whichever way its route runs; for tests and in-process callers.
    public func respond(to request: HTTPRequest, context: HTTPRequestContext) async -> HTTPResponse {
        var response =
            switch dispatch(request) {
            case .immediate(let response): response
            case .deferred(let work): await work(request, context)
            }
        // A later response is awaited here, as the server's connection would.
        while case .later(let work, let finishers) = response.body {
            let standIn = response
            response =
                (try? await HTTPResponse.resolve(work, finishers: finishers).get())
                ?? Self.finish(APIError.internal().response(), standIn.routeTemplate ?? "")
            if response.user == nil { response.user = standIn.user }
        }
        return response
    }
}

extension Router {
    /// What matching found.
    private struct Lookup {
        /// The route matched for the method, if any.
        var route: Route?
        /// Its decoded parameters; nil when one is malformed.
        var parameters: PathParameters? = PathParameters()
        /// Methods the path answers, when no route answers the request's method.
        var allowed: [HTTPMethod] = []
        /// The byte length of the path (the target before any `?`).
        var pathLength = 0
    }

    private func lookUp(_ method: HTTPMethod, in target: String) -> Lookup {
        if let lookup = target.utf8.withContiguousStorageIfAvailable({ lookUp(method, inBytes: $0) }) {
            return lookup
        }
        return Array(target.utf8).withUnsafeBufferPointer { lookUp(method, inBytes: $0) }
    }

    private func lookUp(_ method: HTTPMethod, inBytes target: UnsafeBufferPointer<UInt8>) -> Lookup {
        var lookup = Lookup()
        while lookup.pathLength < target.count, target[lookup.pathLength] != UInt8(ascii: "?") { lookup.pathLength += 1 }
        guard lookup.pathLength > 0, target[0] == UInt8(ascii: "/") else { return lookup }
        let matcher = PathMatcher(path: UnsafeBufferPointer(rebasing: target[..<lookup.pathLength]))

        var ranges: [Range<Int>] = []
        lookup.route = matcher.find(method, in: root, at: 0, parameters: &ranges)
        guard let route = lookup.route else {
            matcher.allowedMethods(in: root, at: 0, into: &lookup.allowed)
            return lookup
        }
        guard !ranges.isEmpty else { return lookup }

        var pairs: [(name: String, value: String)] = []
        pairs.reserveCapacity(ranges.count)
        for (name, range) in zip(route.parameterNames, ranges) {
            guard let value = PercentDecoding.decode(UnsafeBufferPointer(rebasing: target[range]), plusAsSpace: false) else {
                lookup.parameters = nil
                return lookup
            }
            pairs.append((name: name, value: value))
        }
        lookup.parameters = PathParameters(pairs)
        return lookup
    }

    /// The query after the path, parsed; empty when there is none.
    private static func parseQuery(of target: String, pathLength: Int) throws(APIError) -> QueryParameters {
        guard pathLength + 1 < target.utf8.count else { return QueryParameters() }
        let start = target.utf8.index(target.utf8.startIndex, offsetBy: pathLength + 1)
        return try QueryParameters(parsing: target[start...])
    }

    /// 404, or 405 with `Allow` when the path is known.
    private func unmatchedResponse(_ request: HTTPRequest, _ lookup: Lookup) -> HTTPResponse {
        let error: APIError
        if lookup.allowed.isEmpty {
            let target = request.target
            let path = target[..<target.utf8.index(target.utf8.startIndex, offsetBy: lookup.pathLength)]
            error = .notFound(message: "Invalid URL (\(request.method.rawValue) \(path)).")
        } else {
            error = .methodNotAllowed(allowed: lookup.allowed)
        }
        return Self.finish(error.response(), Self.unmatchedRouteTemplate)
    }

    private static func finish(_ response: consuming HTTPResponse, _ template: String) -> HTTPResponse {
        response.routeTemplate = template
        return response
    }

    /// Runs an immediate handler. Kept out of line: inlined, the optimizer copies the routed
    /// request once more (measured).
    @inline(never)
    private static func run(
        _ handler: ImmediateRouteHandler, _ request: HTTPRequest, _ template: String, _ parameters: PathParameters,
        _ query: QueryParameters
    ) -> HTTPResponse {
        let routed = RoutedRequest(request: request, context: nil, routeTemplate: template, parameters: parameters, query: query)
        do {
            return finish(try handler(routed), template)
        } catch {
            return finish(error.response(), template)
        }
    }

    /// Runs a deferred handler. Its async frame lives as long as the request (minutes for a
    /// waiting ask), so it only awaits; turning the outcome into a response is out of line.
    private static func run(
        _ handler: RouteHandler, _ request: RoutedRequest,
        onUnexpectedError: (@Sendable (any Error, RoutedRequest) -> Void)?
    ) async -> HTTPResponse {
        let outcome: Result<HTTPResponse, any Error>
        do {
            outcome = .success(try await handler(request))
        } catch {
            outcome = .failure(error)
        }
        return settle(outcome, request, onUnexpectedError: onUnexpectedError)
    }

    @inline(never)
    private static func settle(
        _ outcome: Result<HTTPResponse, any Error>, _ request: RoutedRequest,
        onUnexpectedError: (@Sendable (any Error, RoutedRequest) -> Void)?
    ) -> HTTPResponse {
        switch outcome {
        case .success(var response):
            // A later response's errors get the same answers as the handler's own.
            response.whenKnown { outcome in .success(settle(outcome, request, onUnexpectedError: onUnexpectedError)) }
            return finish(response, request.routeTemplate)
        case .failure(let error as any APIErrorConvertible):
            return finish(error.apiError.response(), request.routeTemplate)
        case .failure(let error):
            onUnexpectedError?(error, request)
            return finish(APIError.internal().response(), request.routeTemplate)
        }
    }
}
