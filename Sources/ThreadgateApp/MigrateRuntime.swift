import EventLoop
import Logging
import Postgres

/// `threadgate migrate` and `threadgate migrate --status`.
///
/// `migrate` applies every pending file in order (each in its own transaction, under the
/// migrator's advisory lock, so concurrent runs and gateways starting with `--migrate` never
/// apply a file twice), prints `applied NNNN_name` for each, and exits 0; it exits 1 when the
/// database cannot be reached, a file fails, or an applied file was edited (nothing is applied then).
///
/// `--status` prints every file as `applied <time>`, `pending` or `EDITED`, then a summary line,
/// and exits 0 only when every file is applied unchanged — 1 when something is pending or
/// edited (or the database cannot be reached), so scripts can gate a deploy on it.
public enum MigrateRuntime {
    /// Applies pending migrations. Returns the process exit status.
    public static func apply(_ settings: DatabaseSettings, output: ConsoleOutput, errors: ConsoleOutput) async -> Int32 {
        await withDatabase(settings, errors: errors) { migrator, connection in
            let applied = try await migrator.migrate(on: connection)
            for migration in applied { output.line("applied \(migration.label)") }
            let total = migrator.migrations.count
            if applied.isEmpty {
                output.line("nothing to apply: all \(total) migration\(total == 1 ? "" : "s") already applied")
            } else {
                output.line("\(applied.count) applied now; all \(total) migration\(total == 1 ? "" : "s") applied")
            }
            return 0
        }
    }

    /// Lists each migration file's state. Returns the process exit status.
    public static func status(_ settings: DatabaseSettings, output: ConsoleOutput, errors: ConsoleOutput) async -> Int32 {
        await withDatabase(settings, errors: errors) { migrator, connection in
            let files = try await migrator.status(on: connection)
            let width = files.map(\.migration.label.count).max() ?? 0
            var counts = (applied: 0, pending: 0, edited: 0)
            for file in files {
                let label = file.migration.label.padding(to: width)
                switch file.state {
                case .applied(let at):
                    counts.applied += 1
                    output.line("\(label)  applied \(at)")
                case .pending:
                    counts.pending += 1
                    output.line("\(label)  pending")
                case .edited(let appliedChecksum):
                    counts.edited += 1
                    output.line(
                        "\(label)  EDITED (applied with checksum \(appliedChecksum), the file now has \(file.migration.checksum))")
                }
            }
            output.line("\(counts.applied) applied, \(counts.pending) pending, \(counts.edited) edited")
            return counts.pending + counts.edited == 0 ? 0 : 1
        }
    }

    /// Applies pending migrations before the gateway listens (`serve --migrate`, `dev`), on a
    /// connection of its own on `loop`; logs each file applied.
    static func applyAtStart(
        _ url: DatabaseURL, _ migrator: Migrator, on loop: EventLoop, logger: Logger
    ) async throws {
        let connection: PostgresConnection
        do {
            connection = try await PostgresConnection.connect(to: url.configuration, on: loop)
        } catch {
            logger.error("cannot connect to the database to apply migrations", metadata: ["error": "\(describe(error))"])
            throw error
        }
        do {
            let applied = try await migrator.migrate(on: connection)
            for migration in applied { logger.info("migration applied", metadata: ["migration": "\(migration.label)"]) }
            logger.info(
                "migrations current",
                metadata: ["applied_now": .stringConvertible(applied.count), "total": .stringConvertible(migrator.migrations.count)])
        } catch {
            logger.error("migrations failed", metadata: ["error": "\(describe(error))"])
            await connection.close()
            throw error
        }
        await connection.close()
    }

    /// Loads the files, connects on a private loop, runs `body`, and tears everything down.
    private static func withDatabase(
        _ settings: DatabaseSettings, errors: ConsoleOutput,
        _ body: @escaping @Sendable (Migrator, PostgresConnection) async throws -> Int32
    ) async -> Int32 {
        guard let url = settings.url else {
            errors.line("threadgate migrate: DATABASE_URL is not set (a libpq URI or key=value connection string)")
            return 1
        }
        let migrator: Migrator
        do {
            migrator = try MigrationsLocation.load(settings.migrationsDirectory)
        } catch {
            errors.line("threadgate migrate: \(describe(error))")
            return 1
        }
        let loop: EventLoop
        do {
            loop = try EventLoop.start(name: "tg-migrate")
        } catch {
            errors.line("threadgate migrate: \(error)")
            return 1
        }
        let status: Int32 = await withTaskExecutorPreference(loop) {
            let connection: PostgresConnection
            do {
                connection = try await PostgresConnection.connect(to: url.configuration, on: loop)
            } catch {
                errors.line("threadgate migrate: cannot connect to the database: \(describe(error))")
                return 1
            }
            let status: Int32
            do {
                status = try await body(migrator, connection)
            } catch {
                errors.line("threadgate migrate: \(describe(error))")
                status = 1
            }
            await connection.close()
            return status
        }
        await BlockingThread.value { EventLoop.shutdownAndJoin([loop]) }
        return status
    }

    /// An error for a person at a terminal: PostgreSQL's own message (never the connection string).
    static func describe(_ error: any Error) -> String {
        if let error = error as? PostgresError {
            return error.message.map { "\($0)" } ?? error.description
        }
        return "\(error)"
    }
}

extension Migration {
    /// `0001_initial`: the file name without `.sql`, version padded to four digits.
    var label: String {
        let digits = String(version)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits + "_" + name
    }
}

extension String {
    func padding(to width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
