import HTTP1
import HTTPRouting
import JSON
import Testing

@Suite struct RouterErrorTests {
    static let router: Router = {
        let routes = RouterBuilder()
        routes.get("/v1/threads/{thread_id}") { _ in text("get") }
        routes.post("/v1/threads/{thread_id}") { _ in text("post") }
        routes.delete("/v1/threads/{thread_id}") { _ in text("delete") }
        routes.post("/v1/threads/{thread_id}/runs") { _ in text("runs") }
        routes.get("/v1/threads/special") { _ in text("special") }
        routes.add(.head, "/explicit") { _ in HTTPResponse(status: .noContent) }
        routes.get("/explicit") { _ in text("get explicit") }
        routes.addImmediate(.get, "/metrics") { _ in text("metrics") }
        return routes.build()
    }()

    @Test func unknownPathIs404InErrorShape() async {
        let response = await Self.router.respond(.get, "/v2/nothing?secret=token")
        #expect(response.status == .notFound)
        #expect(response.headers["content-type"] == "application/json")
        #expect(response.routeTemplate == "unmatched")
        let error = response.bodyJSON["error"]
        #expect(error?["type"] == "not_found_error")
        #expect(error?["code"] == "not_found")
        #expect(error?["param"] == .null)
        #expect(error?["message"] == "Invalid URL (GET /v2/nothing).")
        #expect(!response.bodyText.contains("secret"))
    }

    @Test func wrongMethodIs405WithAllow() async {
        let response = await Self.router.respond(.put, "/v1/threads/t1")
        #expect(response.status == .methodNotAllowed)
        #expect(response.headers["allow"] == "GET, HEAD, POST, DELETE")
        #expect(response.headers["content-type"] == "application/json")
        #expect(response.routeTemplate == "unmatched")
        let error = response.bodyJSON["error"]
        #expect(error?["code"] == "method_not_allowed")
        #expect(error?["type"] == "invalid_request_error")
        #expect(error?["param"] == .null)
        #expect(error?["message"]?.stringValue?.contains("GET, HEAD, POST, DELETE") == true)
    }

    @Test func allowUnitesEveryMatchingRoute() async {
        // `/v1/threads/special` matches the literal route (GET) and the parameter routes.
        let response = await Self.router.respond(.patch, "/v1/threads/special")
        #expect(response.headers["allow"] == "GET, HEAD, POST, DELETE")
        let runs = await Self.router.respond(.get, "/v1/threads/t1/runs")
        #expect(runs.status == .methodNotAllowed)
        #expect(runs.headers["allow"] == "POST")
    }

    @Test func methodFoundOnParameterBranchWhenLiteralLacksIt() async {
        #expect(await Self.router.respond(.get, "/v1/threads/special").bodyText == "special")
        #expect(await Self.router.respond(.post, "/v1/threads/special").bodyText == "post")
    }

    @Test func headRunsTheGetRoute() async {
        let response = await Self.router.respond(.head, "/v1/threads/t1")
        #expect(response.status == .ok)
        #expect(response.bodyText == "get")
        #expect(response.routeTemplate == "GET /v1/threads/{thread_id}")
        #expect(Self.router.isImmediate(.head, "/metrics"))
    }

    @Test func explicitHeadRouteWins() async {
        let head = await Self.router.respond(.head, "/explicit")
        #expect(head.status == .noContent)
        #expect(head.routeTemplate == "HEAD /explicit")
        let wrong = await Self.router.respond(.post, "/explicit")
        #expect(wrong.headers["allow"] == "HEAD, GET")
    }

    @Test func headOnPostOnlyRouteIs405() async {
        let response = await Self.router.respond(.head, "/v1/threads/t1/runs")
        #expect(response.status == .methodNotAllowed)
    }
}
