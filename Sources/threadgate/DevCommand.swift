import ArgumentParser
import Logging
import ThreadgateApp

/// `threadgate dev`: a private database, the simulator and the gateway on one machine, no setup.
struct Dev: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the gateway with a private PostgreSQL cluster and the upstream simulator (no setup needed).",
        discussion: """
            The first run creates a PostgreSQL cluster in ./.threadgate/pg with initdb from the installed server \
            package (/usr/lib/postgresql/*/bin); later runs reuse it and its data. It listens only on a unix \
            socket in .threadgate/pg/socket. As root the server runs as the postgres OS user. The upstream \
            simulator runs in-process on 127.0.0.1:8090 (a free port when that is taken; --simulator-port), with \
            assistants asst_default (ASSISTANT_ID) and asst_tools (ASSISTANT_ALLOWLIST); its state lives in memory, so \
            threads listed from an earlier run have no messages upstream any more. An HS256 secret and the \
            simulator's key are generated once into .threadgate/jwt-secret and .threadgate/upstream-api-key (0600). \
            Migrations are applied, then the gateway serves on http://127.0.0.1:8080 and prints a user token \
            (dev-user) and an admin token (dev-admin), valid 24 h, with commands to try. \
            The environment still wins: UPSTREAM_BASE_URL means no simulator (UPSTREAM_API_KEY, ASSISTANT_ID \
            and ASSISTANT_ALLOWLIST then come from the environment too), AUTH_JWT_SECRET or AUTH_JWKS_* replace \
            the generated secret, and HOST/PORT/WORKERS and every other serve setting apply, DATABASE_URL \
            excepted. Ctrl-C or SIGTERM drains the gateway, stops the simulator, then the cluster, and exits 0. \
            Progress goes to stdout, JSON logs to stderr.
            """)

    @Option(help: "Address to listen on (env HOST; default 127.0.0.1).")
    var host: String?

    @Option(help: "TCP port, 0–65535; 0 picks a free one (env PORT; default 8080).")
    var port: String?

    @Option(help: "Worker threads, each with its own event loop, 1–256 (env WORKERS; default: the number of cores).")
    var workers: String?

    @Option(name: .customLong("simulator-port"), help: "Port of the in-process simulator, 0–65535 (default 8090, or a free one when taken).")
    var simulatorPort: String?

    private func resolved() throws(ConfigurationError) -> ServeConfiguration {
        var environment = ProcessEnvironment.current
        environment["DATABASE_URL"] = nil  // dev always uses its own cluster
        var config = try ServeConfiguration.resolve(
            flags: .init(host: host, port: port, workers: workers),
            environment: environment,
            cores: ProcessEnvironment.cores)
        if host == nil && environment["HOST"] == nil { config.host = "127.0.0.1" }
        return config
    }

    func validate() throws {
        do {
            _ = try resolved()
            _ = try DevOptions.resolve(simulatorPort: simulatorPort)
        } catch { throw ValidationError(error.description) }
    }

    func run() async throws {
        let config = try resolved()
        let options = try DevOptions.resolve(simulatorPort: simulatorPort)
        JSONLogHandler.bootstrap(level: config.logLevel, output: .standardError)
        let logger = Logger(label: "threadgate")
        if ProcessEnvironment.current["DATABASE_URL"] != nil {
            ConsoleOutput.standardOutput.line("threadgate dev: ignoring DATABASE_URL; using the private cluster in .threadgate/pg")
        }
        do {
            try await DevRuntime.run(config, options: options, output: .standardOutput, logger: logger)
        } catch {
            ConsoleOutput.standardError.line("threadgate dev: \(error)")
            throw ExitCode(1)
        }
    }
}
