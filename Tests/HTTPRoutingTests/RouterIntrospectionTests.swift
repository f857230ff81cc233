import HTTP1
import HTTPRouting
import Testing

/// `Router.routes`: the read-only list of registered (method, pattern) pairs.
@Suite struct RouterIntrospectionTests {
    static let router: Router = {
        let routes = RouterBuilder()
        routes.addImmediate(.get, "/healthz") { _ in text("healthz") }
        let v1 = routes.group("/v1")
        v1.post("/threads") { _ in text("create") }
        v1.get("/threads/{thread_id}") { _ in text("get") }
        v1.delete("/threads/{thread_id}") { _ in text("delete") }
        let runs = v1.group("/threads/{thread_id}/runs")
        runs.post("/{run_id}/cancel") { _ in text("cancel") }
        runs.get("/") { _ in text("list runs") }
        return routes.build()
    }()

    @Test func routesAreListedInRegistrationOrderWithFullPatterns() {
        #expect(
            Self.router.routes == [
                RegisteredRoute(method: .get, pattern: "/healthz"),
                RegisteredRoute(method: .post, pattern: "/v1/threads"),
                RegisteredRoute(method: .get, pattern: "/v1/threads/{thread_id}"),
                RegisteredRoute(method: .delete, pattern: "/v1/threads/{thread_id}"),
                RegisteredRoute(method: .post, pattern: "/v1/threads/{thread_id}/runs/{run_id}/cancel"),
                RegisteredRoute(method: .get, pattern: "/v1/threads/{thread_id}/runs"),
            ])
    }

    @Test func headIsImplicitAndNotListed() async {
        #expect(!Self.router.routes.contains { $0.method == .head })
        #expect(await Self.router.respond(.head, "/healthz").status == .ok)
    }

    @Test func descriptionIsTheRouteTemplate() async {
        #expect(Self.router.routes.map(\.description) == Self.router.routeTemplates)
        let cancel = await Self.router.respond(.post, "/v1/threads/t1/runs/r1/cancel")
        #expect(cancel.routeTemplate == Self.router.routes[4].description)
        #expect(Self.router.routes[4].description == "POST /v1/threads/{thread_id}/runs/{run_id}/cancel")
    }

    @Test func anEmptyBuilderListsNothing() {
        #expect(RouterBuilder().build().routes.isEmpty)
    }
}
