import HTTP1
import HTTPRouting
import JSON
import Synchronization
import Testing

@Suite struct RouterHandlerTests {
    struct DomainError: APIErrorConvertible {
        var apiError: APIError { .conflict(code: .init("thread_busy"), message: "Busy.") }
    }

    @Test func thrownAPIErrorBecomesItsResponse() async {
        let routes = RouterBuilder()
        routes.get("/async") { _ in throw APIError.notFound(message: "No thread.") }
        routes.addImmediate(.get, "/sync") { _ throws(APIError) in throw APIError.forbidden() }
        routes.get("/domain") { _ in throw DomainError() }
        let router = routes.build()

        let asyncResponse = await router.respond(.get, "/async")
        #expect(asyncResponse.status == .notFound)
        #expect(asyncResponse.bodyJSON["error"]?["message"] == "No thread.")
        #expect(asyncResponse.routeTemplate == "GET /async")

        let syncResponse = await router.respond(.get, "/sync")
        #expect(syncResponse.status == .forbidden)
        #expect(syncResponse.routeTemplate == "GET /sync")

        let domain = await router.respond(.get, "/domain")
        #expect(domain.status == .conflict)
        #expect(domain.bodyJSON["error"]?["code"] == "thread_busy")
    }

    @Test func unexpectedErrorIsGeneric500AndReported() async {
        let reported = Mutex<[String]>([])
        let routes = RouterBuilder()
        routes.onUnexpectedError = { error, request in
            reported.withLock { $0.append("\(type(of: error)) \(request.routeTemplate)") }
        }
        routes.get("/fail") { _ in throw Boom() }
        let router = routes.build()

        let response = await router.respond(.get, "/fail")
        #expect(response.status == .internalServerError)
        #expect(response.routeTemplate == "GET /fail")
        let error = response.bodyJSON["error"]
        #expect(error?["code"] == "internal_error")
        #expect(error?["type"] == "server_error")
        #expect(!response.bodyText.contains("Boom"))
        #expect(reported.withLock { $0 } == ["Boom GET /fail"])
    }

    @Test func deferredRoutesGetContextImmediateOnesDoNot() async {
        let routes = RouterBuilder()
        routes.get("/deferred") { request in text(request.context?.remoteAddress ?? "none") }
        routes.addImmediate(.get, "/immediate") { request in text(request.context?.remoteAddress ?? "none") }
        let router = routes.build()
        #expect(await router.respond(.get, "/deferred").bodyText == "127.0.0.1:50000")
        #expect(await router.respond(.get, "/immediate").bodyText == "none")
    }

    @Test func handlerSeesRequestFields() async {
        let routes = RouterBuilder()
        routes.post("/echo/{id}") { request in
            .json([
                "method": .string(request.method.rawValue),
                "id": .string(try request.requireParameter("id")),
                "request_id": .string(request.requestID),
                "header": .string(request.headers["x-test"] ?? ""),
                "body": .int(Int64(request.body.count)),
            ])
        }
        let router = routes.build()
        let response = await router.respond(
            to: request(.post, "/echo/7", body: "abc", headers: ["X-Test": "yes"]), context: testContext)
        #expect(response.bodyJSON == ["method": "POST", "id": "7", "request_id": "req_test", "header": "yes", "body": 3])
    }

    @Test func requireParameterOfUnknownNameIs500() async {
        let routes = RouterBuilder()
        routes.get("/x/{id}") { request in text(try request.requireParameter("thread_id")) }
        let response = await routes.build().respond(.get, "/x/1")
        #expect(response.status == .internalServerError)
    }

    @Test func invalidQueryIs400OnMatchedRoute() async {
        let routes = RouterBuilder()
        routes.addImmediate(.get, "/q") { _ in text("ok") }
        let response = await routes.build().respond(.get, "/q?a=%zz")
        #expect(response.status == .badRequest)
        #expect(response.bodyJSON["error"]?["code"] == "invalid_query")
        #expect(response.routeTemplate == "GET /q")
    }

    @Test func precomputedResponsesAreReused() async {
        let healthy = HTTPResponse.json(bytes: Array(#"{"status":"ok"}"#.utf8))
        let routes = RouterBuilder()
        routes.addImmediate(.get, "/healthz") { _ in healthy }
        let response = await routes.build().respond(.get, "/healthz")
        #expect(response.bodyText == #"{"status":"ok"}"#)
        #expect(response.headers["content-type"] == "application/json")
        #expect(response.routeTemplate == "GET /healthz")
    }

    @Test func jsonHelpers() {
        let response = HTTPResponse.json(["a": [1, 2]], status: .created, headers: ["x-extra": "1"])
        #expect(response.status == .created)
        #expect(response.bodyText == #"{"a":[1,2]}"#)
        #expect(response.headers["content-type"] == "application/json")
        #expect(response.headers["x-extra"] == "1")
        let custom = HTTPResponse.json(bytes: [], headers: ["Content-Type": "application/problem+json"])
        #expect(custom.headers.values(of: "content-type") == ["application/problem+json"])
    }
}
