import ArgumentParser
import ThreadgateApp

/// `threadgate migrate [--status]`: apply or list the SQL migrations.
struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Apply pending database migrations, or list their state with --status.",
        discussion: """
            Environment: DATABASE_URL (required; a libpq URI or key=value string), MIGRATIONS_DIR (default: \
            ./migrations, else migrations/ next to the executable or in one of its four nearest parents).
            Each NNNN_name.sql file is applied once, in order, in its own transaction, under an advisory lock, \
            so concurrent runs (and gateways started with --migrate) never apply a file twice. Prints \
            'applied NNNN_name' per file; exits 0, or 1 on any failure (an edited applied file stops it).
            With --status: prints each file as 'applied <time>', 'pending' or 'EDITED'; exits 0 when every \
            file is applied unchanged, 1 when any is pending or edited or the database cannot be reached.
            """)

    @Flag(help: "List each migration file's state instead of applying.")
    var status = false

    private func settings() throws(ConfigurationError) -> DatabaseSettings {
        try DatabaseSettings.resolve(environment: ProcessEnvironment.current)
    }

    func validate() throws {
        do { _ = try settings() } catch { throw ValidationError(error.description) }
    }

    func run() async throws {
        let settings = try settings()
        let code =
            status
            ? await MigrateRuntime.status(settings, output: .standardOutput, errors: .standardError)
            : await MigrateRuntime.apply(settings, output: .standardOutput, errors: .standardError)
        if code != 0 { throw ExitCode(code) }
    }
}
