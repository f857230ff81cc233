import ArgumentParser
import ThreadgateApp
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// `threadgate`: the gateway and its tools (the executable does argument parsing only).
@main
struct ThreadgateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "threadgate",
        abstract: "A multi-user HTTP gateway between app frontends and an assistant API upstream.",
        version: ThreadgateVersion.current,
        subcommands: [Serve.self, Migrate.self, MigrateThreads.self, Dev.self, Simulate.self, Token.self],
        defaultSubcommand: nil
    )
}

/// `threadgate serve`: run the gateway.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the gateway's HTTP server.",
        discussion: """
            Environment: HOST, PORT, WORKERS, LOG_LEVEL (trace|debug|info|notice|warning|error|critical), \
            MAX_BODY_BYTES, SHUTDOWN_GRACE_SECONDS. Flags win over the environment.
            Database: DATABASE_URL (libpq URI or key=value; unset: no database, /readyz answers 503), \
            DB_POOL_MIN (default 1), DB_POOL_MAX (default 10) connections per worker, DB_ACQUIRE_TIMEOUT_MS \
            (default 5000), MIGRATIONS_DIR (see threadgate migrate --help).
            SIGTERM or SIGINT stops accepting, lets in-flight requests finish within the grace period, and exits 0.
            """)

    @Flag(help: "Apply pending migrations before listening (safe when several instances start together).")
    var migrate = false

    @Option(help: "Address to listen on (env HOST; default 0.0.0.0).")
    var host: String?

    @Option(help: "TCP port, 0–65535; 0 picks a free one (env PORT; default 8080).")
    var port: String?

    @Option(help: "Worker threads, each with its own event loop, 1–256 (env WORKERS; default: the number of cores).")
    var workers: String?

    @Option(name: .customLong("max-body-bytes"), help: "Largest request body accepted (env MAX_BODY_BYTES; default 1048576).")
    var maxBodyBytes: String?

    @Option(name: .customLong("shutdown-grace"), help: "Seconds in-flight requests get on shutdown (env SHUTDOWN_GRACE_SECONDS; default 10).")
    var shutdownGrace: String?

    private func resolved() throws(ConfigurationError) -> ServeConfiguration {
        try ServeConfiguration.resolve(
            flags: .init(host: host, port: port, workers: workers, maxBodyBytes: maxBodyBytes, shutdownGraceSeconds: shutdownGrace),
            environment: ProcessEnvironment.current,
            cores: ProcessEnvironment.cores)
    }

    func validate() throws {
        do { _ = try resolved() } catch { throw ValidationError(error.description) }
    }

    func run() async throws {
        var config = try resolved()
        config.migrateOnStart = migrate
        JSONLogHandler.bootstrap(level: config.logLevel)
        let logger = Logger(label: "threadgate")
        do {
            try await ServeRuntime.run(config, logger: logger)
        } catch {
            logger.critical("cannot serve", metadata: ["error": "\(error)"])
            throw ExitCode(1)
        }
    }
}

/// `threadgate simulate`: run the upstream simulator (Assistants v2 and Responses + Conversations).
struct Simulate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the upstream simulator (Assistants v2 and Responses + Conversations, state in memory) under /v1.",
        discussion: """
            Clients must send Authorization: Bearer KEY with KEY from --api-key or UPSTREAM_API_KEY; without either \
            the simulator refuses to start. Assistants asst_default (echo) and asst_tools (get_weather, get_time) \
            always exist. Replies are 'Echo: <last user message>'; markers in that message steer the run: [[fail]], \
            [[expire]], [[cancel]], [[incomplete]], [[slow:MS]], [[rounds:N]]; naming a function tool calls it. \
            Per-request faults: header X-Simulator-Fault: latency=MS,status=CODE|CODE,retry-after=S,drop,stall=MS. \
            Counters: GET /v1/_simulator/stats. LOG_LEVEL sets the log level. SIGTERM or SIGINT stops it gracefully.
            """)

    @Option(help: "Address to listen on (default 127.0.0.1).")
    var host: String?

    @Option(help: "TCP port, 0–65535; 0 picks a free one (default 8090).")
    var port: String?

    @Option(name: .customLong("api-key"), help: "The key clients must send (default: env UPSTREAM_API_KEY).")
    var apiKey: String?

    @Option(help: "Worker threads, each with its own event loop; the state lives on the first (default 1).")
    var workers: String?

    @Option(name: .customLong("run-queued-ms"), help: "Milliseconds a run stays queued (default 50).")
    var runQueuedMs: String?

    @Option(name: .customLong("run-duration-ms"), help: "Milliseconds of each in_progress stretch (default 200).")
    var runDurationMs: String?

    @Option(name: .customLong("poll-after-ms"), help: "openai-poll-after-ms sent on run responses (default 100).")
    var pollAfterMs: String?

    @Option(name: .customLong("assistants-file"), help: "JSON array of assistant objects to preload (optional 'id' each).")
    var assistantsFile: String?

    @Option(name: .customLong("fault-latency-ms"), help: "Latency added to every request.")
    var faultLatencyMs: String?

    @Option(name: .customLong("fault-error-rate"), help: "Share (0–1) of requests answered 500/502/503.")
    var faultErrorRate: String?

    @Option(name: .customLong("fault-429-rate"), help: "Share (0–1) of requests answered 429 with Retry-After.")
    var fault429Rate: String?

    @Option(name: .customLong("fault-retry-after"), help: "Retry-After seconds on injected 429s (default 1).")
    var faultRetryAfter: String?

    @Option(name: .customLong("fault-drop-rate"), help: "Share (0–1) of responses cut mid-body (connection reset).")
    var faultDropRate: String?

    @Option(
        name: .customLong("fault-stream-drop-rate"),
        help: "Share (0–1) of event streams cut after their first event (resumed response streams too).")
    var faultStreamDropRate: String?

    @Option(
        name: .customLong("fault-stream-cut-after"),
        help: "Cut every event stream after its Nth event (a resumed response stream gets N more; default 0: never).")
    var faultStreamCutAfter: String?

    @Option(name: .customLong("fault-stall-ms"), help: "Pause after the head and part of the body.")
    var faultStallMs: String?

    @Option(name: .customLong("fault-stall-rate"), help: "Share (0–1) of responses that stall when --fault-stall-ms is set (default 1).")
    var faultStallRate: String?

    @Option(help: "Seed for ids and fault decisions (default: random, logged at start).")
    var seed: String?

    @Flag(name: .customLong("allow-missing-beta-header"), help: "Accept requests without OpenAI-Beta: assistants=v2.")
    var allowMissingBetaHeader = false

    @Option(name: .customLong("shutdown-grace"), help: "Seconds in-flight requests and streams get on shutdown (default 5).")
    var shutdownGrace: String?

    private func resolved() throws(ConfigurationError) -> SimulateConfiguration {
        var flags = SimulateConfiguration.Flags()
        flags.host = host
        flags.port = port
        flags.apiKey = apiKey
        flags.workers = workers
        flags.runQueuedMs = runQueuedMs
        flags.runDurationMs = runDurationMs
        flags.pollAfterMs = pollAfterMs
        flags.assistantsFile = assistantsFile
        flags.faultLatencyMs = faultLatencyMs
        flags.faultErrorRate = faultErrorRate
        flags.fault429Rate = fault429Rate
        flags.faultRetryAfter = faultRetryAfter
        flags.faultDropRate = faultDropRate
        flags.faultStreamDropRate = faultStreamDropRate
        flags.faultStreamCutAfter = faultStreamCutAfter
        flags.faultStallMs = faultStallMs
        flags.faultStallRate = faultStallRate
        flags.seed = seed
        flags.allowMissingBetaHeader = allowMissingBetaHeader
        flags.shutdownGraceSeconds = shutdownGrace
        return try SimulateConfiguration.resolve(flags: flags, environment: ProcessEnvironment.current)
    }

    func validate() throws {
        do { _ = try resolved() } catch { throw ValidationError(error.description) }
    }

    func run() async throws {
        let config = try resolved()
        JSONLogHandler.bootstrap(level: config.logLevel)
        let logger = Logger(label: "threadgate.simulate")
        do {
            try await SimulateRuntime.run(config, logger: logger)
        } catch {
            logger.critical("cannot simulate", metadata: ["error": "\(error)"])
            throw ExitCode(1)
        }
    }
}
