public import EventLoop
public import HTTP1
import HTTPRouting

/// The Assistants v2 simulator served over HTTP/1.1 on the project's own server.
///
/// ```swift
/// let loops = [try EventLoop.start(name: "sim-0")]
/// let simulator = try await SimulatorServer.start(SimulatorConfiguration(apiKey: "sk-test"), loops: loops)
/// // base URL: http://127.0.0.1:\(simulator.port)/v1
/// await simulator.shutdown(gracePeriod: .seconds(5))
/// ```
public final class SimulatorServer: Sendable {
    /// The state and its loop (the first of `loops`).
    public let engine: SimulatorEngine
    /// Request and fault counters (also at `GET /v1/_simulator/stats`).
    public let stats: SimulatorStats
    /// The seed in use (the configured one, or the random one picked), for replaying faults.
    public let seed: UInt64
    private let server: HTTPServer

    private init(engine: SimulatorEngine, stats: SimulatorStats, seed: UInt64, server: HTTPServer) {
        self.engine = engine
        self.stats = stats
        self.seed = seed
        self.server = server
    }

    /// The port listened on (the real one when 0 was configured).
    public var port: Int { server.port }

    /// Builds the state (default assistants plus `configuration.assistants`) on `loops[0]`
    /// and starts serving on every loop.
    /// - Throws: `SimulatorError` for an invalid preloaded assistant; the server's errors
    ///   (such as the port being taken).
    public static func start(
        _ configuration: SimulatorConfiguration, loops: [EventLoop], clock: any SimulatorClock = SystemSimulatorClock(),
        accessLog: (@Sendable (HTTPAccessRecord) -> Void)? = nil
    ) async throws -> SimulatorServer {
        precondition(!loops.isEmpty, "the simulator needs at least one loop")
        var system = SystemRandomNumberGenerator()
        let seed = configuration.seed ?? system.next()
        var state = SimulatorState(seed: seed, timing: configuration.timing, now: clock.nowMillis())
        for assistant in configuration.assistants {
            _ = try state.preloadAssistant(assistant, now: clock.nowMillis())
        }
        let engine = SimulatorEngine(loop: loops[0], clock: clock, state: state)
        let stats = SimulatorStats()
        var faultSeed = SeededRandom(seed: seed ^ 0x5EED_FA17)
        let injector = FaultInjector(settings: configuration.faults, seed: faultSeed.next())
        let router = SimulatorRoutes(engine: engine, stats: stats, injector: injector, configuration: configuration).build()
        let http = HTTPServerConfiguration(
            host: configuration.host, port: configuration.port, reusePort: loops.count > 1, limits: configuration.limits,
            timeouts: configuration.timeouts, errorResponse: Self.errorResponse,
            accessLog: { record in
                stats.record(record)
                accessLog?(record)
            })
        let server = try await HTTPServer.start(configuration: http, responder: router, loops: loops)
        return SimulatorServer(engine: engine, stats: stats, seed: seed, server: server)
    }

    /// Stops accepting, lets in-flight requests (streams included) finish for up to
    /// `gracePeriod`, then closes every connection.
    public func shutdown(gracePeriod: Duration) async {
        await server.shutdown(gracePeriod: gracePeriod)
    }

    /// Open connections across all loops.
    public func connectionCount() async -> Int { await server.connectionCount() }

    @Sendable
    static func errorResponse(_ error: HTTPServerError) -> HTTPResponse {
        APIError(
            status: error.status, type: .invalidRequest, code: APIError.Code(error.code.name), message: error.message
        ).response()
    }
}
