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
        subcommands: [Serve.self],
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
            SIGTERM or SIGINT stops accepting, lets in-flight requests finish within the grace period, and exits 0.
            """)

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
        let config = try resolved()
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
