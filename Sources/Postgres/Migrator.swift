internal import EventLoop

/// Applies `migrations/NNNN_name.sql` files in order, each once and in its own transaction,
/// under a PostgreSQL advisory lock so gateway instances starting together never race.
///
/// Applied files are recorded in `schema_migrations` with their checksum (FNV-1a 64); an
/// applied file whose checksum changed stops the run with `.migrationEdited`.
///
/// ```swift
/// let migrator = try Migrator(directory: "migrations")
/// let applied = try await migrator.migrate(on: connection)
/// ```
public struct Migrator: Sendable {
    /// The advisory lock held for a whole run (`'thrdgate'` in ASCII).
    public static let advisoryLockKey: Int64 = 0x7468_7264_6761_7465

    public let migrations: [Migration]

    public init(directory: String) throws(PostgresError) {
        migrations = try Migration.load(directory: directory)
    }

    public init(migrations: [Migration]) {
        self.migrations = migrations.sorted { $0.version < $1.version }
    }

    /// Where one file stands in a database.
    public struct Status: Hashable, Sendable {
        public enum State: Hashable, Sendable {
            case pending
            case applied(at: PostgresTimestamp)
            /// Applied with another checksum: the file was edited afterwards.
            case edited(appliedChecksum: String)
        }
        public let migration: Migration
        public let state: State
    }

    /// Applies every pending migration; returns those applied by this call (none when another
    /// instance got there first).
    /// - Throws: `.migrationEdited` (nothing applied), or the failing file's error (earlier files stay applied).
    @discardableResult
    public func migrate(on connection: PostgresConnection) async throws -> [Migration] {
        try await withTaskExecutorPreference(connection.loop) {
            _ = try await connection.run(PostgresQuery("SELECT pg_advisory_lock($1)", Self.advisoryLockKey), timeout: nil)
            do {
                let applied = try await applyPending(on: connection)
                try await unlock(connection)
                return applied
            } catch {
                try? await unlock(connection)
                throw error
            }
        }
    }

    /// Each file with its state; files applied in the database but absent here are not listed.
    public func status(on connection: PostgresConnection) async throws -> [Status] {
        let applied = try await appliedRecords(on: connection)
        return migrations.map { migration in
            guard let record = applied[migration.version] else { return Status(migration: migration, state: .pending) }
            if record.checksum != migration.checksum {
                return Status(migration: migration, state: .edited(appliedChecksum: record.checksum))
            }
            return Status(migration: migration, state: .applied(at: record.appliedAt))
        }
    }

    /// True when every file is applied unchanged (for readiness checks).
    public func isCurrent(on connection: PostgresConnection) async throws -> Bool {
        try await status(on: connection).allSatisfy { if case .applied = $0.state { true } else { false } }
    }

    private func applyPending(on connection: PostgresConnection) async throws -> [Migration] {
        try await connection.executeScript(
            """
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version     integer     PRIMARY KEY,
                name        text        NOT NULL,
                checksum    text        NOT NULL,
                applied_at  timestamptz NOT NULL DEFAULT now()
            )
            """)
        let applied = try await appliedRecords(on: connection)
        for migration in migrations {
            if let record = applied[migration.version], record.checksum != migration.checksum {
                throw PostgresError(
                    .migrationEdited,
                    message: "migration \(migration.version)_\(migration.name) was edited after it was applied "
                        + "(checksum \(record.checksum), file now \(migration.checksum))")
            }
        }
        var done: [Migration] = []
        for migration in migrations where applied[migration.version] == nil {
            do {
                try await connection.transaction { tx in
                    try await tx.executeScript(migration.sql)
                    try await tx.query(
                        PostgresQuery(
                            "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
                            Int32(migration.version), migration.name, migration.checksum))
                }
            } catch let error as PostgresError {
                throw PostgresError(
                    error.code, message: "migration \(migration.version)_\(migration.name): \(error.message ?? "")",
                    sqlState: error.sqlState, detail: error.detail)
            }
            done.append(migration)
        }
        return done
    }

    private struct Record {
        let checksum: String
        let appliedAt: PostgresTimestamp
    }

    private func appliedRecords(on connection: PostgresConnection) async throws -> [Int: Record] {
        let exists = try await connection.query(PostgresQuery("SELECT to_regclass('schema_migrations') IS NOT NULL"))
        guard try exists[0].decode(column: 0, as: Bool.self) else { return [:] }
        let rows = try await connection.query(PostgresQuery("SELECT version, checksum, applied_at FROM schema_migrations"))
        var records: [Int: Record] = [:]
        for row in rows {
            records[try row.decode(column: 0)] = Record(
                checksum: try row.decode(column: 1), appliedAt: try row.decode(column: 2))
        }
        return records
    }

    private func unlock(_ connection: PostgresConnection) async throws {
        _ = try await connection.run(
            PostgresQuery("SELECT pg_advisory_unlock($1)", Self.advisoryLockKey), timeout: nil, cancellable: false)
    }
}
