public import EventLoop
public import Logging
import Auth
import Gateway
import HTTP1
import HTTPRouting
import Postgres
import UpstreamHTTP

/// A running gateway: its worker loops, one database pool per loop, and the HTTP server.
///
/// `ServeRuntime.run` is `start`, a wait for SIGTERM/SIGINT, and `stop`; tests and
/// `threadgate dev` start it in-process the same way.
///
/// ```swift
/// let gateway = try await GatewayServer.start(config, logger: logger)   // port 0 → gateway.port
/// // …
/// await gateway.stop(gracePeriod: .seconds(10))
/// ```
public final class GatewayServer: Sendable {
    /// The port the server listens on (the real one when 0 was configured).
    public let port: Int
    /// The worker loops, one per worker thread.
    public let loops: [EventLoop]
    private let server: HTTPServer
    private let database: DatabasePools?
    private let upstream: UpstreamClients
    private let gateway: Gateway
    private let stopping = LockedValue(false)
    static let poolCloseLimit: Duration = .seconds(3)

    private init(
        port: Int, loops: [EventLoop], server: HTTPServer, database: DatabasePools?, upstream: UpstreamClients, gateway: Gateway
    ) {
        self.gateway = gateway
        self.port = port
        self.loops = loops
        self.server = server
        self.database = database
        self.upstream = upstream
    }

    /// Starts the worker loops, applies migrations first when `config.migrateOnStart`, opens the
    /// database pools (a database that is down does not stop the start: the pools keep retrying,
    /// and `/readyz` says so), and starts listening.
    /// - Throws: `ConfigurationError` (no migration files found), `PostgresError` (`--migrate`
    ///   could not reach the database or a migration failed), or the listener's error.
    public static func start(_ config: ServeConfiguration, logger: Logger) async throws -> GatewayServer {
        try await start(config, readiness: Readiness.Settings(), logger: logger)
    }

    static func start(
        _ config: ServeConfiguration, readiness: Readiness.Settings, logger: Logger = .silent
    ) async throws -> GatewayServer {
        var migrator: Migrator?
        if let url = config.database.url {
            migrator = try MigrationsLocation.load(config.database.migrationsDirectory)
            logger.info("database configured", metadata: ["database": "\(url.redacted)"])
        } else {
            logger.warning("DATABASE_URL is not set: serving without a database; /readyz answers 503")
        }
        let loops = try (0..<config.workers).map { index throws(EventLoopError) in
            try EventLoop.start(name: "tg-worker-\(index)")
        }
        var pools: DatabasePools?
        let upstream = UpstreamClients(loops: loops, settings: config.upstream, logger: logger)
        if config.upstream.baseURL == nil {
            logger.warning("UPSTREAM_BASE_URL is not set: thread, message and run calls answer 503")
        }
        do {
            if let url = config.database.url, let migrator, config.migrateOnStart {
                try await MigrateRuntime.applyAtStart(url, migrator, on: loops[0], logger: logger)
            }
            if let poolConfiguration = config.database.poolConfiguration {
                pools = DatabasePools(loops: loops, configuration: poolConfiguration)
                pools?.warmUp(logger: logger)
            }
            let authenticator = try await makeAuthenticator(config.auth, http: upstream.currentClient, logger: logger)
            let gateway = AppServices.makeGateway(
                database: pools, dialects: upstream.dialects, authenticator: authenticator,
                configuration: config.upstream.gatewayConfiguration)
            let services = AppServices(
                database: pools,
                readiness: Readiness(database: pools, migrator: migrator, settings: readiness, logger: logger),
                gateway: gateway,
                benchRoutes: config.benchRoutes)
            let server = try await HTTPServer.start(
                configuration: ServeRuntime.httpConfiguration(config, logger: logger),
                responder: AppRoutes.make(services),
                loops: loops)
            if pools != nil, config.upstream.baseURL != nil {
                // Runs that ended while no instance watched them free their threads.
                Task(executorPreference: loops[0]) {
                    let freed = await gateway.reconcileActiveRuns()
                    if freed > 0 { logger.info("reconciled threads at start-up", metadata: ["freed": .stringConvertible(freed)]) }
                }
            }
            return GatewayServer(
                port: server.port, loops: loops, server: server, database: pools, upstream: upstream, gateway: gateway)
        } catch {
            await pools?.close()
            await upstream.shutdown()
            await BlockingThread.value { EventLoop.shutdownAndJoin(loops) }
            throw error
        }
    }

    /// The answer of database-backed routes when `DATABASE_URL` is not set.
    static let noDatabase = APIError(
        status: .serviceUnavailable, type: .server, code: APIError.Code("database_not_configured"),
        message: "The gateway has no database configured.")

    /// Stops accepting, lets in-flight requests finish within `gracePeriod`, closes the database
    /// pools, then stops the loops. Returns when every loop thread has ended.
    ///
    /// Closing a pool ends its connection attempts at once (a database that swallows packets
    /// does not hold the exit for a connect timeout) and waits for lent connections. A host
    /// name still being resolved, or a connection a request still holds, can delay it: after
    /// `poolCloseLimit` the loops stop anyway, and their shutdown closes what is left.
    public func stop(gracePeriod: Duration) async {
        let first = stopping.withLock { stopping in
            defer { stopping = true }
            return !stopping
        }
        guard first else { return }  // stopped already (or being stopped)
        gateway.beginDraining()  // waiting asks answer 202 with their run id
        await server.shutdown(gracePeriod: gracePeriod)
        if let database {
            _ = await loops[0].run(timeout: Self.poolCloseLimit) { await database.close() }
        }
        await upstream.shutdown()
        let loops = self.loops
        await BlockingThread.value { EventLoop.shutdownAndJoin(loops) }
    }
}

/// The token verifier for `auth`, or one that refuses every request when no key source is set.
/// - Throws: `ConfigurationError` when the keys cannot be loaded (a JWKS file or URL that
///   does not answer with usable keys).
private func makeAuthenticator(_ auth: AuthConfiguration?, http: UpstreamHTTPClient, logger: Logger) async throws -> any CallerAuthenticator {
    guard let auth else {
        logger.warning("no AUTH_JWT_SECRET, AUTH_JWKS_FILE or AUTH_JWKS_URL: every /v1 and /admin request answers 401")
        return UnconfiguredAuthenticator()
    }
    do {
        return TokenAuthenticator(verifier: try await TokenVerifier.make(auth, http: http))
    } catch {
        throw ConfigurationError(setting: "AUTH", error.detail.isEmpty ? error.message : error.detail)
    }
}

extension Logger {
    /// Discards everything (in-process servers in tests).
    static let silent = Logger(label: "threadgate", factory: { _ in SwiftLogNoOpLogHandler() })
}
