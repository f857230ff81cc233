import HTTP1
import HTTPRouting
import JSON
import Testing

@Suite struct RouterMatchingTests {
    static let router: Router = {
        let routes = RouterBuilder()
        routes.addImmediate(.get, "/") { _ in text("root") }
        routes.addImmediate(.get, "/healthz") { _ in text("healthz") }
        routes.get("/v1/threads") { _ in text("list") }
        routes.post("/v1/threads") { _ in text("create") }
        routes.get("/v1/threads/{thread_id}") { request in text("thread \(try request.requireParameter("thread_id"))") }
        routes.get("/v1/threads/search") { _ in text("search") }
        routes.post("/v1/threads/{thread_id}/runs/{run_id}/cancel") { request in
            text("cancel \(request.parameters["thread_id"] ?? "-") \(request.parameters["run_id"] ?? "-")")
        }
        routes.get("/a/b/c") { _ in text("abc") }
        routes.get("/a/{x}/d") { request in text("axd \(request.parameters["x"] ?? "-")") }
        return routes.build()
    }()

    @Test func literalRoutes() async {
        #expect(await Self.router.respond(.get, "/healthz").bodyText == "healthz")
        #expect(await Self.router.respond(.get, "/v1/threads").bodyText == "list")
        #expect(await Self.router.respond(.post, "/v1/threads").bodyText == "create")
        #expect(await Self.router.respond(.get, "/").bodyText == "root")
    }

    @Test func parametersAreCaptured() async {
        #expect(await Self.router.respond(.get, "/v1/threads/thread_abc").bodyText == "thread thread_abc")
        let cancel = await Self.router.respond(.post, "/v1/threads/t1/runs/run_9/cancel")
        #expect(cancel.bodyText == "cancel t1 run_9")
        #expect(cancel.routeTemplate == "POST /v1/threads/{thread_id}/runs/{run_id}/cancel")
    }

    @Test func literalBeatsParameter() async {
        #expect(await Self.router.respond(.get, "/v1/threads/search").bodyText == "search")
        #expect(await Self.router.respond(.get, "/v1/threads/searchx").bodyText == "thread searchx")
    }

    @Test func failedLiteralBranchBacktracksToParameter() async {
        #expect(await Self.router.respond(.get, "/a/b/c").bodyText == "abc")
        #expect(await Self.router.respond(.get, "/a/b/d").bodyText == "axd b")
        #expect(await Self.router.respond(.get, "/a/z/d").bodyText == "axd z")
    }

    @Test func parametersArePercentDecoded() async {
        #expect(await Self.router.respond(.get, "/v1/threads/a%20b%2Fc%C3%A9").bodyText == "thread a b/cé")
        // `+` is literal in paths.
        #expect(await Self.router.respond(.get, "/v1/threads/a+b").bodyText == "thread a+b")
    }

    @Test(arguments: ["/v1/threads/%zz", "/v1/threads/%2", "/v1/threads/ab%", "/v1/threads/%FF", "/v1/threads/%C3"])
    func invalidEscapesAnswer400(target: String) async throws {
        let response = await Self.router.respond(.get, target)
        #expect(response.status == .badRequest)
        #expect(response.bodyJSON["error"]?["code"] == "invalid_path")
        #expect(response.routeTemplate == "GET /v1/threads/{thread_id}")
    }

    @Test func literalSegmentsMatchEncodedBytesOnly() async {
        #expect(await Self.router.respond(.get, "/heal%74hz").status == .notFound)
    }

    @Test func oneTrailingSlashIsIgnored() async {
        #expect(await Self.router.respond(.get, "/healthz/").bodyText == "healthz")
        #expect(await Self.router.respond(.get, "/v1/threads/t1/").bodyText == "thread t1")
    }

    @Test(arguments: ["//", "//healthz", "/v1//threads", "/healthz//", "/v1/threads//", "", "*", "healthz", "http://host/healthz"])
    func emptySegmentsAndOddTargetsDoNotMatch(target: String) async {
        let response = await Self.router.respond(.get, target)
        #expect(response.status == .notFound)
        #expect(response.routeTemplate == Router.unmatchedRouteTemplate)
    }

    @Test func queryIsNotPartOfThePath() async {
        #expect(await Self.router.respond(.get, "/healthz?verbose=1").bodyText == "healthz")
        #expect(await Self.router.respond(.get, "/v1/threads/t1?x=%2F").bodyText == "thread t1")
        #expect(await Self.router.respond(.get, "/?").bodyText == "root")
    }

    @Test func routeTemplatesAreSetAndListed() async {
        #expect(await Self.router.respond(.get, "/v1/threads/t1").routeTemplate == "GET /v1/threads/{thread_id}")
        #expect(await Self.router.respond(.get, "/healthz").routeTemplate == "GET /healthz")
        #expect(Self.router.routeTemplates.count == 9)
        #expect(Self.router.routeTemplates.first == "GET /")
    }

    @Test func immediateAndDeferredDispatch() {
        #expect(Self.router.isImmediate(.get, "/healthz"))
        #expect(!Self.router.isImmediate(.get, "/v1/threads"))
        #expect(Self.router.isImmediate(.get, "/nope"))
        #expect(Self.router.isImmediate(.delete, "/v1/threads"))
    }

    @Test func healthzDispatchIsImmediateAndCheap() {
        let request = request(.get, "/healthz")
        for _ in 0..<10_000 {
            guard case .immediate(let response) = Self.router.dispatch(request) else {
                Issue.record("expected immediate")
                return
            }
            #expect(response.status == .ok)
        }
    }

    @Test func duplicateRouteStopsAtStartUp() async {
        await #expect(processExitsWith: .failure) {
            let routes = RouterBuilder()
            routes.get("/x/{a}") { _ in text("1") }
            routes.get("/x/{b}") { _ in text("2") }
            _ = routes.build()
        }
    }

    @Test func malformedPatternsStopAtStartUp() async {
        await #expect(processExitsWith: .failure) { RouterBuilder().get("no-slash") { _ in text("") } }
        await #expect(processExitsWith: .failure) { RouterBuilder().get("/a//b") { _ in text("") } }
        await #expect(processExitsWith: .failure) { RouterBuilder().get("/a/{x}/{x}") { _ in text("") } }
        await #expect(processExitsWith: .failure) { RouterBuilder().get("/a/{x-y}") { _ in text("") } }
        await #expect(processExitsWith: .failure) { RouterBuilder().get("/a/b{x}") { _ in text("") } }
    }
}
