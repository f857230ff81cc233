import HTTP1
import HTTPRouting
import JSON
import Synchronization
import Testing

@Suite struct MiddlewareTests {
    /// Records its name on the way in and out.
    struct Tracer: Middleware {
        let name: String
        let log: Log
        func handle(_ request: RoutedRequest, next: RouteHandler) async throws -> HTTPResponse {
            log.append("\(name)>")
            let response = try await next(request)
            log.append("<\(name)")
            return response
        }
    }

    final class Log: Sendable {
        private let entries = Mutex<[String]>([])
        func append(_ entry: String) { entries.withLock { $0.append(entry) } }
        var all: [String] { entries.withLock { $0 } }
    }

    enum UserKey: RequestAttributeKey { typealias Value = String }

    struct Auth: Middleware {
        func handle(_ request: RoutedRequest, next: RouteHandler) async throws -> HTTPResponse {
            guard let token = request.headers["authorization"] else { throw APIError.unauthorized() }
            var request = request
            request.attributes[UserKey.self] = String(token.dropFirst("Bearer ".count))
            return try await next(request)
        }
    }

    @Test func runsInOrderOuterGroupsFirst() async {
        let log = Log()
        let routes = RouterBuilder()
        let outer = routes.group("/v1", middleware: [Tracer(name: "a", log: log), Tracer(name: "b", log: log)])
        let inner = outer.group("/admin", middleware: [Tracer(name: "c", log: log)])
        inner.get("/users") { _ in
            log.append("handler")
            return text("users")
        }
        let router = routes.build()
        let response = await router.respond(.get, "/v1/admin/users")
        #expect(response.bodyText == "users")
        #expect(response.routeTemplate == "GET /v1/admin/users")
        #expect(log.all == ["a>", "b>", "c>", "handler", "<c", "<b", "<a"])
    }

    @Test func middlewareCanShortCircuitAndAttachAttributes() async {
        let routes = RouterBuilder()
        let v1 = routes.group("/v1", middleware: [Auth()])
        v1.get("/me") { request in text(request.attributes[UserKey.self] ?? "nobody") }
        routes.get("/public") { request in text(request.attributes[UserKey.self] ?? "nobody") }
        let router = routes.build()

        let denied = await router.respond(.get, "/v1/me")
        #expect(denied.status == .unauthorized)
        #expect(denied.headers["www-authenticate"] == "Bearer")
        #expect(denied.routeTemplate == "GET /v1/me")

        let allowed = await router.respond(
            to: request(.get, "/v1/me", headers: ["Authorization": "Bearer alice"]), context: testContext)
        #expect(allowed.bodyText == "alice")
        #expect(await router.respond(.get, "/public").bodyText == "nobody")
    }

    @Test func closureMiddlewareCanEditResponse() async {
        let stamp = ClosureMiddleware { request, next in
            var response = try await next(request)
            response.headers.add(name: "x-stamp", value: "1")
            return response
        }
        let routes = RouterBuilder()
        routes.group("", middleware: [stamp]).get("/x") { _ in text("x") }
        let response = await routes.build().respond(.get, "/x")
        #expect(response.headers["x-stamp"] == "1")
    }

    @Test func middlewareSeesHandlerErrors() async {
        let log = Log()
        let catcher = ClosureMiddleware { request, next in
            do {
                return try await next(request)
            } catch let error as APIError {
                log.append(error.debugDetail ?? "")
                throw error
            }
        }
        let routes = RouterBuilder()
        routes.group("/g", middleware: [catcher]).get("/x") { _ in throw APIError.badGateway(debugDetail: "detail") }
        let response = await routes.build().respond(.get, "/g/x")
        #expect(response.status == .badGateway)
        #expect(log.all == ["detail"])
    }

    @Test func groupRootAndImmediateRoutesUnderMiddleware() async {
        let log = Log()
        let routes = RouterBuilder()
        let group = routes.group("/admin/v1", middleware: [Tracer(name: "t", log: log)])
        group.addImmediate(.get, "/") { _ in text("admin root") }
        group.addImmediate(.get, "/ping") { _ in text("pong") }
        routes.group("/plain").addImmediate(.get, "/ping") { _ in text("plain") }
        let router = routes.build()

        #expect(!router.isImmediate(.get, "/admin/v1/ping"))
        #expect(router.isImmediate(.get, "/plain/ping"))
        #expect(await router.respond(.get, "/admin/v1").bodyText == "admin root")
        #expect(await router.respond(.get, "/admin/v1/ping").bodyText == "pong")
        #expect(log.all == ["t>", "<t", "t>", "<t"])
    }
}
