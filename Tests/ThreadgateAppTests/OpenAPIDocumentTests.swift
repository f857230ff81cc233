import HTTP1
import HTTPRouting
import JSON
import Gateway
import Testing
@testable import ThreadgateApp

/// `openapi/openapi.json`: embedded unchanged, served as is, and describing exactly the routes.
@Suite struct OpenAPIDocumentTests {
    /// Routes deliberately left out of the public document; each says why.
    static let internalRoutePrefixes = [
        // BenchRoutes: bench-only (THREADGATE_BENCH_ROUTES=1 with a database), not product API.
        "/_bench/"
    ]

    static func isInternal(_ route: RegisteredRoute) -> Bool {
        internalRoutePrefixes.contains { route.pattern.hasPrefix($0) }
    }

    /// The router exactly as `GatewayServer.start` builds it. Routes are only listed here, never
    /// called, so nothing needs to be reachable.
    ///
    /// When AppRoutes.make registers more routes from new services, build those services here the
    /// way GatewayServer.start does (the test must see every route the server registers).
    static func appRouterAsServed() -> Router {
        AppRoutes.make(
            AppServices(
                database: nil, readiness: Readiness(database: nil, migrator: nil, logger: .silent),
                gateway: AppServices.makeGateway(
                    database: nil, dialects: UpstreamDialects { _ in nil }, authenticator: UnconfiguredAuthenticator(),
                    configuration: GatewayConfiguration())))
    }

    static func documentBytes() throws -> [UInt8] { try repositoryFile("openapi/openapi.json") }

    @Test func embeddedDocumentIsTheRepositoryFile() throws {
        let file = try Self.documentBytes()
        let embedded = Array(OpenAPIDocument.text.utf8)
        let firstDifference = file.indices.first { $0 >= embedded.count || file[$0] != embedded[$0] } ?? file.count
        #expect(
            file == embedded,
            """
            Sources/ThreadgateApp/OpenAPIDocument.swift is stale: run scripts/embed-openapi.sh \
            (file \(file.count) bytes, embedded \(embedded.count) bytes, first difference at byte \(firstDifference))
            """)
    }

    @Test func documentIsOpenAPI31WithAllOperationsNamed() throws {
        let document = try JSONValue(parsing: Self.documentBytes())
        #expect(document["openapi"] == "3.1.0")
        #expect(document["components"]?["securitySchemes"]?["bearerAuth"]?["bearerFormat"] == "JWT")
        var operationIDs: [String] = []
        for (_, item) in document["paths"]?.objectValue ?? JSONObject() {
            for key in OpenAPIRouteComparison.operationKeys {
                guard let operation = item[key] else { continue }
                let id = try #require(operation["operationId"]?.stringValue)
                operationIDs.append(id)
            }
        }
        #expect(!operationIDs.isEmpty)
        #expect(Set(operationIDs).count == operationIDs.count, "operationIds repeat")
    }

    @Test func routerServesTheDocumentBytes() async throws {
        let response = await Self.appRouterAsServed().respond(
            to: HTTPRequest(method: .get, target: "/openapi.json"),
            context: HTTPRequestContext(remoteAddress: "127.0.0.1:1", receivedAtNanos: 0))
        #expect(response.status == .ok)
        #expect(response.headers["content-type"] == "application/json")
        #expect(response.routeTemplate == "GET /openapi.json")
        guard case .bytes(let body) = response.body else {
            Issue.record("the document is not a fixed body")
            return
        }
        #expect(body == (try Self.documentBytes()))
    }

    @Test(.timeLimit(.minutes(1)))
    func gatewayServesTheDocumentOverHTTP() async throws {
        let file = try Self.documentBytes()
        try await withGateway(try testConfiguration(databaseURL: nil)) { port in
            let response = try await get("/openapi.json", port: port)
            #expect(response.status == 200)
            #expect(response[header: "content-type"] == "application/json")
            #expect(response.body == file)
        }
    }

    /// The drift check: every operation in the document is routed, and every route except the
    /// internal ones is in the document. Run alone with
    /// `swift test --filter OpenAPIDocumentTests/openAPIDocumentMatchesRoutes`.
    @Test func openAPIDocumentMatchesRoutes() throws {
        let comparison = try OpenAPIRouteComparison(
            document: JSONValue(parsing: Self.documentBytes()), routes: Self.appRouterAsServed().routes,
            isInternal: Self.isInternal)
        let routesMatchDocument = comparison.matches
        #expect(routesMatchDocument, "\(comparison.report)")
    }
}
