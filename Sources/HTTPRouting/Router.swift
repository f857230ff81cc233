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
/// - Every response carries ``HTTPResponse/routeTemplate``: the route's `METHOD /pattern`, or
///   ``unmatchedRouteTemplate`` for 404 and 405.
public struct Router: HTTPResponder {
    /// The route template of 404 and 405 responses.
    public static let unmatchedRouteTemplate = "unmatched"

    private let root: RouteNode
    private let onUnexpectedError: (@Sendable (any Error, RoutedRequest) -> Void)?

    /// Every registered route's template (`METHOD /pattern`), in registration order.
    public let routeTemplates: [String]

    init(root: RouteNode, templates: [String], onUnexpectedError: (@Sendable (any Error, RoutedRequest) -> Void)?) {
        self.root = root
        self.routeTemplates = templates
        self.onUnexpectedError = onUnexpectedError
    }

    /// Matches `request` and answers inline (immediate routes and errors) or in a task.
    public func dispatch(_ request: HTTPRequest) -> HTTPDispatch {
        switch resolve(request) {
        case .answer(let response):
            return .immediate(response)
        case .route(let route, let routed):
            switch route.action {
            case .immediate(let handler):
                return .immediate(Self.run(handler, routed))
            case .deferred(let handler):
                let hook = onUnexpectedError
                return .deferred { _, context in
                    var routed = routed
                    routed.context = context
                    return await Self.run(handler, routed, onUnexpectedError: hook)
                }
            }
        }
    }

    /// Answers `request` whichever way its route runs; for tests and in-process callers.
    public func respond(to request: HTTPRequest, context: HTTPRequestContext) async -> HTTPResponse {
        switch dispatch(request) {
        case .immediate(let response): response
        case .deferred(let work): await work(request, context)
        }
    }
}

extension Router {
    private enum Resolution {
        case answer(HTTPResponse)
        case route(Route, RoutedRequest)
    }

    private enum Match {
        case found(Route, PathParameters)
        case invalidParameter(Route)
        case methodNotAllowed([HTTPMethod])
        case notFound
    }

    private func resolve(_ request: HTTPRequest) -> Resolution {
        let outcome: Match
        if let found = request.target.utf8.withContiguousStorageIfAvailable({ match(request.method, in: $0) }) {
            outcome = found
        } else {
            outcome = Array(request.target.utf8).withUnsafeBufferPointer { match(request.method, in: $0) }
        }

        switch outcome {
        case .notFound:
            var response = APIError.notFound(message: "Invalid URL (\(request.method.rawValue) \(request.path)).").response()
            response.routeTemplate = Self.unmatchedRouteTemplate
            return .answer(response)
        case .methodNotAllowed(let allowed):
            var response = APIError.methodNotAllowed(allowed: allowed).response()
            response.routeTemplate = Self.unmatchedRouteTemplate
            return .answer(response)
        case .invalidParameter(let route):
            let error = APIError.badRequest(code: .invalidPath, message: "The request path has an invalid percent-encoding.")
            return .answer(Self.finish(error.response(), route.template))
        case .found(let route, let parameters):
            var query = QueryParameters()
            if let text = request.query, !text.isEmpty {
                do {
                    query = try QueryParameters(parsing: text)
                } catch {
                    return .answer(Self.finish(error.response(), route.template))
                }
            }
            return .route(route, RoutedRequest(request, context: nil, routeTemplate: route.template, parameters: parameters, query: query))
        }
    }

    /// Matches the path part of `target` (bytes before any `?`).
    private func match(_ method: HTTPMethod, in target: UnsafeBufferPointer<UInt8>) -> Match {
        var pathEnd = 0
        while pathEnd < target.count, target[pathEnd] != UInt8(ascii: "?") { pathEnd += 1 }
        guard pathEnd > 0, target[0] == UInt8(ascii: "/") else { return .notFound }
        let matcher = PathMatcher(path: UnsafeBufferPointer(rebasing: target[..<pathEnd]))

        var ranges: [Range<Int>] = []
        guard let route = matcher.find(method, in: root, at: 0, parameters: &ranges) else {
            var allowed: [HTTPMethod] = []
            matcher.allowedMethods(in: root, at: 0, into: &allowed)
            return allowed.isEmpty ? .notFound : .methodNotAllowed(allowed)
        }
        guard !ranges.isEmpty else { return .found(route, PathParameters()) }

        var pairs: [(name: String, value: String)] = []
        pairs.reserveCapacity(ranges.count)
        for (name, range) in zip(route.parameterNames, ranges) {
            let bytes = UnsafeBufferPointer(rebasing: target[range])
            guard let value = PercentDecoding.decode(bytes, plusAsSpace: false) else { return .invalidParameter(route) }
            pairs.append((name: name, value: value))
        }
        return .found(route, PathParameters(pairs))
    }
}

extension Router {
    private static func finish(_ response: HTTPResponse, _ template: String) -> HTTPResponse {
        var response = response
        response.routeTemplate = template
        return response
    }

    private static func run(_ handler: ImmediateRouteHandler, _ request: RoutedRequest) -> HTTPResponse {
        do {
            return finish(try handler(request), request.routeTemplate)
        } catch {
            return finish(error.response(), request.routeTemplate)
        }
    }

    private static func run(
        _ handler: RouteHandler, _ request: RoutedRequest,
        onUnexpectedError: (@Sendable (any Error, RoutedRequest) -> Void)?
    ) async -> HTTPResponse {
        do {
            return finish(try await handler(request), request.routeTemplate)
        } catch let error as any APIErrorConvertible {
            return finish(error.apiError.response(), request.routeTemplate)
        } catch {
            onUnexpectedError?(error, request)
            return finish(APIError.internal().response(), request.routeTemplate)
        }
    }
}
