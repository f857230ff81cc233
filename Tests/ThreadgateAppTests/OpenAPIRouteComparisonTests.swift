import HTTP1
import HTTPRouting
import JSON
import Testing

/// The comparison behind `openAPIDocumentMatchesRoutes`, on a small hand-made router and document.
@Suite struct OpenAPIRouteComparisonTests {
    static func router(_ register: (RouterBuilder) -> Void) -> Router {
        let routes = RouterBuilder()
        register(routes)
        return routes.build()
    }

    static let ok = HTTPResponse(status: .ok)

    /// Two routed paths, one with a path-level `parameters` key and a `summary` (not operations).
    static let document: JSONValue = [
        "openapi": "3.1.0",
        "paths": [
            "/healthz": ["get": ["operationId": "health"]],
            "/v1/threads/{thread_id}": [
                "summary": "A thread",
                "parameters": [["name": "thread_id", "in": "path"]],
                "get": ["operationId": "getThread"],
                "delete": ["operationId": "deleteThread"],
            ],
        ],
    ]

    static func matchingRoutes(_ routes: RouterBuilder) {
        routes.addImmediate(.get, "/healthz") { _ in ok }
        let v1 = routes.group("/v1")
        v1.get("/threads/{thread_id}") { _ in ok }
        v1.delete("/threads/{thread_id}") { _ in ok }
    }

    static func compare(_ router: Router, _ document: JSONValue = document) throws -> OpenAPIRouteComparison {
        try OpenAPIRouteComparison(
            document: document, routes: router.routes, isInternal: { $0.pattern.hasPrefix("/_bench/") })
    }

    @Test func operationsAreReadInDocumentOrderSkippingNonOperationKeys() throws {
        #expect(
            try OpenAPIRouteComparison.operations(in: Self.document) == [
                "GET /healthz", "GET /v1/threads/{thread_id}", "DELETE /v1/threads/{thread_id}",
            ])
    }

    @Test func identicalTablesMatch() throws {
        let comparison = try Self.compare(Self.router(Self.matchingRoutes))
        #expect(comparison.matches)
        #expect(comparison == OpenAPIRouteComparison(undocumented: [], unrouted: []))
    }

    @Test func aRouteMissingFromTheDocumentIsUndocumented() throws {
        let comparison = try Self.compare(
            Self.router { routes in
                Self.matchingRoutes(routes)
                routes.post("/v1/threads") { _ in Self.ok }
            })
        #expect(comparison == OpenAPIRouteComparison(undocumented: ["POST /v1/threads"], unrouted: []))
        #expect(!comparison.matches)
        #expect(comparison.report.contains("  + POST /v1/threads"))
        #expect(comparison.report.contains("scripts/embed-openapi.sh"))
    }

    @Test func anOperationWithoutARouteIsUnrouted() throws {
        let comparison = try Self.compare(
            Self.router { routes in
                routes.addImmediate(.get, "/healthz") { _ in Self.ok }
                routes.get("/v1/threads/{thread_id}") { _ in Self.ok }
            })
        #expect(comparison == OpenAPIRouteComparison(undocumented: [], unrouted: ["DELETE /v1/threads/{thread_id}"]))
        #expect(comparison.report.contains("  - DELETE /v1/threads/{thread_id}"))
        #expect(!comparison.report.contains("  + "))
    }

    @Test func aRenamedPathParameterIsADifferenceBothWays() throws {
        let comparison = try Self.compare(
            Self.router { routes in
                routes.addImmediate(.get, "/healthz") { _ in Self.ok }
                routes.get("/v1/threads/{id}") { _ in Self.ok }
                routes.delete("/v1/threads/{thread_id}") { _ in Self.ok }
            })
        #expect(comparison.undocumented == ["GET /v1/threads/{id}"])
        #expect(comparison.unrouted == ["GET /v1/threads/{thread_id}"])
    }

    @Test func internalRoutesAreLeftOut() throws {
        let comparison = try Self.compare(
            Self.router { routes in
                Self.matchingRoutes(routes)
                routes.get("/_bench/account/{aid}") { _ in Self.ok }
            })
        #expect(comparison.matches)
    }

    @Test func theImplicitHEADOfAGETRouteNeedsNoOperation() throws {
        let router = Self.router(Self.matchingRoutes)
        #expect(try Self.compare(router).matches)
        #expect(!router.routes.contains { $0.method == .head })
    }

    @Test func aDocumentWithoutPathsIsAnError() {
        #expect(throws: OpenAPIRouteComparison.DocumentError.self) {
            try Self.compare(Self.router(Self.matchingRoutes), ["openapi": "3.1.0"])
        }
    }
}
