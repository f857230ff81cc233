import ArgumentParser
import Logging
import ThreadgateApp

/// `threadgate dev`: a private database and the gateway on one machine, no setup.
struct Dev: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the gateway with a private PostgreSQL cluster under .threadgate/ (no setup needed).",
        discussion: """
            The first run creates a PostgreSQL cluster in ./.threadgate/pg with initdb from the installed server \
            package (/usr/lib/postgresql/*/bin); later runs reuse it and its data. It listens only on a unix \
            socket in .threadgate/pg/socket. As root the server runs as the postgres OS user. Migrations are \
            applied, then the gateway serves on http://127.0.0.1:8080 (HOST/PORT/WORKERS and the flags change \
            that; every other serve setting applies, DATABASE_URL excepted). Ctrl-C or SIGTERM stops the \
            gateway, then the cluster. Progress goes to stdout, JSON logs to stderr.
            """)

    @Option(help: "Address to listen on (env HOST; default 127.0.0.1).")
    var host: String?

    @Option(help: "TCP port, 0–65535; 0 picks a free one (env PORT; default 8080).")
    var port: String?

    @Option(help: "Worker threads, each with its own event loop, 1–256 (env WORKERS; default: the number of cores).")
    var workers: String?

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
        do { _ = try resolved() } catch { throw ValidationError(error.description) }
    }

    func run() async throws {
        let config = try resolved()
        JSONLogHandler.bootstrap(level: config.logLevel, output: .standardError)
        let logger = Logger(label: "threadgate")
        if ProcessEnvironment.current["DATABASE_URL"] != nil {
            ConsoleOutput.standardOutput.line("threadgate dev: ignoring DATABASE_URL; using the private cluster in .threadgate/pg")
        }
        do {
            try await DevRuntime.run(config, output: .standardOutput, logger: logger)
        } catch {
            ConsoleOutput.standardError.line("threadgate dev: \(error)")
            throw ExitCode(1)
        }
    }
}
