import DatabaseTestSupport
import EventLoop
import Logging
import Testing
@testable import ThreadgateApp

/// A configuration for an in-process gateway on 127.0.0.1, port 0, two workers.
func testConfiguration(databaseURL: String?, environment: [String: String] = [:]) throws -> ServeConfiguration {
    var environment = environment
    environment["MIGRATIONS_DIR"] = environment["MIGRATIONS_DIR"] ?? repositoryMigrations
    if let databaseURL { environment["DATABASE_URL"] = databaseURL }
    var config = try ServeConfiguration.resolve(
        flags: .init(host: "127.0.0.1", port: "0", workers: "2"), environment: environment, cores: 2)
    config.shutdownGrace = .seconds(2)
    return config
}

/// Starts the real gateway (loops, pools, HTTP server) in-process, runs `body` with its
/// port, stops it, and checks every loop ended with no handle left open.
func withGateway(
    _ config: ServeConfiguration,
    readiness: Readiness.Settings = Readiness.Settings(timeout: .seconds(2), migrationsCacheTTL: .milliseconds(100)),
    logger: Logger = .silent,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: (Int) async throws -> Void
) async throws {
    try await withGatewayServer(config, readiness: readiness, logger: logger, sourceLocation: sourceLocation) {
        try await body($0.port)
    }
}

/// ``withGateway(_:readiness:logger:sourceLocation:_:)`` handing `body` the server itself;
/// `body` may stop it (stopping twice is harmless).
func withGatewayServer(
    _ config: ServeConfiguration,
    readiness: Readiness.Settings = Readiness.Settings(timeout: .seconds(2), migrationsCacheTTL: .milliseconds(100)),
    logger: Logger = .silent,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: (GatewayServer) async throws -> Void
) async throws {
    ProcessMetrics.bootstrap()
    let gateway = try await GatewayServer.start(config, readiness: readiness, logger: logger)
    var failure: (any Error)?
    do {
        try await body(gateway)
    } catch {
        failure = error
    }
    await gateway.stop(gracePeriod: .seconds(2))
    for loop in gateway.loops {
        #expect(loop.closeStatus == 0, "loop \(loop.name) closed with handles open", sourceLocation: sourceLocation)
        #expect(loop.forcedCloses == 0, "loop \(loop.name) force-closed handles", sourceLocation: sourceLocation)
    }
    if let failure { throw failure }
}

/// The readiness body's `checks.<name>.status`.
func checkStatus(_ response: TestResponse, _ name: String) throws -> String? {
    try response.json()["checks"]?[name]?["status"]?.stringValue
}
