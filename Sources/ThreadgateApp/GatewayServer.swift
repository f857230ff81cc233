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
    private let listening: LockedValue<HTTPServer?>
    private let probe: UpstreamProbe?
    private let readiness: Readiness
    /// This server's own figures, exposed by `GET /metrics`.
    let metrics: GatewayMetrics
    private let stopped = LockedValue(false)
    static let poolCloseLimit: Duration = .seconds(3)

    private init(
        port: Int, loops: [EventLoop], server: HTTPServer, database: DatabasePools?, upstream: UpstreamClients,
        gateway: Gateway, probe: UpstreamProbe?, readiness: Readiness, metrics: GatewayMetrics,
        listening: LockedValue<HTTPServer?>
    ) {
        self.gateway = gateway
        self.listening = listening
        self.port = port
        self.loops = loops
        self.server = server
        self.database = database
        self.upstream = upstream
        self.probe = probe
        self.readiness = readiness
        self.metrics = metrics
    }

    /// Starts the worker loops, applies migrations first when `config.migrateOnStart`, opens the
    /// database pools (a database that is down does not stop the start: the pools keep retrying,
    /// and `/readyz` says so), and starts listening.
    /// - Throws: `ConfigurationError` (no migration files found), `PostgresError` (`--migrate`
    ///   could not reach the database or a migration failed), or the listener's error.
    public static func start(_ config: ServeConfiguration, logger: Logger) async throws -> GatewayServer {
        let readiness = Readiness.Settings(
            upstreamProbeInterval: config.upstreamProbeInterval, requireUpstream: config.readinessRequiresUpstream)
        return try await start(config, readiness: readiness, logger: logger)
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
        let metrics = GatewayMetrics()
        let upstream = UpstreamClients(loops: loops, settings: config.upstream, metrics: metrics, logger: logger)
        var probe: UpstreamProbe?
        if let baseURL = config.upstream.baseURL {
            probe = UpstreamProbe(
                loop: loops[0], settings: config.upstream, baseURL: baseURL, interval: readiness.upstreamProbeInterval,
                logger: logger)
        } else {
            logger.warning("UPSTREAM_BASE_URL is not set: thread, message and run calls answer 503")
        }
        do {
            if let url = config.database.url, let migrator, config.migrateOnStart {
                try await MigrateRuntime.applyAtStart(url, migrator, on: loops[0], logger: logger)
            }
            if var poolConfiguration = config.database.poolConfiguration {
                let queryDuration = metrics.databaseQueryDuration
                poolConfiguration.queryObserver = { nanoseconds in
                    queryDuration.recordNanoseconds(Int64(clamping: nanoseconds))
                }
                pools = DatabasePools(loops: loops, configuration: poolConfiguration)
                pools?.warmUp(logger: logger)
            }
            let authenticator = try await makeAuthenticator(config.auth, http: upstream.currentClient, logger: logger)
            let gateway = AppServices.makeGateway(
                database: pools, dialects: upstream.dialects, authenticator: authenticator,
                configuration: config.upstream.gatewayConfiguration(workers: config.workers))
            let checks = Readiness(database: pools, migrator: migrator, upstream: probe, settings: readiness, logger: logger)
            // The server, for `/metrics`' connection count: set once it listens, cleared by
            // `stop` (the routes hold this box and the server holds the routes).
            let listening = LockedValue<HTTPServer?>(nil)
            let services = AppServices(
                database: pools,
                readiness: checks,
                gateway: gateway,
                metrics: MetricsRoutes.Sources(
                    metrics: metrics, database: pools,
                    openConnections: {
                        guard let server = listening.withLock({ $0 }) else { return 0 }
                        return await server.connectionCount()
                    },
                    token: config.metricsToken),
                benchRoutes: config.benchRoutes)
            let server = try await HTTPServer.start(
                configuration: ServeRuntime.httpConfiguration(config, logger: logger, metrics: metrics),
                responder: AppRoutes.make(services),
                loops: loops)
            listening.withLock { $0 = server }
            probe?.start()
            if pools != nil, config.upstream.baseURL != nil {
                // Runs that ended while no instance watched them free their threads.
                Task(executorPreference: loops[0]) {
                    let freed = await gateway.reconcileActiveRuns()
                    if freed > 0 { logger.info("reconciled threads at start-up", metadata: ["freed": .stringConvertible(freed)]) }
                }
            }
            return GatewayServer(
                port: server.port, loops: loops, server: server, database: pools, upstream: upstream, gateway: gateway,
                probe: probe, readiness: checks, metrics: metrics, listening: listening)
        } catch {
            await pools?.close()
            await upstream.shutdown()
            await probe?.stop()
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
    /// A second call returns at once, without waiting for the first to finish.
    public func stop(gracePeriod: Duration) async {
        guard stopped.withLock({ stopped in
            defer { stopped = true }
            return !stopped
        }) else { return }
        readiness.beginDraining()
        gateway.beginDraining()  // waiting asks answer 202 with their run id
        await server.shutdown(gracePeriod: gracePeriod)
        listening.withLock { $0 = nil }  // breaks the server → routes → box → server cycle
        if let database {
            _ = await loops[0].run(timeout: Self.poolCloseLimit) { await database.close() }
        }
        await probe?.stop()
        await upstream.shutdown()
        let loops = self.loops
        await BlockingThread.value { EventLoop.shutdownAndJoin(loops) }
    }
}

extension GatewayServer {
    /// A ``ThreadMigrator`` over this server's pools and upstream clients, with `options` (tests
    /// stop attempts at its checkpoints).
    func threadMigrator(_ options: ThreadMigrator.Options) -> ThreadMigrator {
        let pools = database
        return ThreadMigrator(
            database: { () throws(APIError) in
                guard let pools else { throw GatewayServer.noDatabase }
                return pools.current
            },
            dialects: upstream.dialects, options: options)
    }

    /// From now on `/readyz` answers 503 `draining`; the server keeps accepting and serving.
    public func beginDraining() { readiness.beginDraining() }

    /// The SIGTERM sequence: `/readyz` turns 503 `draining` at once, the server keeps serving
    /// for `drainDelay` (so load balancers see the change and stop sending new requests), then
    /// stops accepting and lets in-flight requests finish within `gracePeriod`.
    public func drainAndStop(drainDelay: Duration, gracePeriod: Duration) async {
        beginDraining()
        if drainDelay > .zero {
            try? await loops[0].sleep(for: drainDelay)
        }
        await stop(gracePeriod: gracePeriod)
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
