import DatabaseTestSupport
import EventLoop
import Postgres
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

@Suite(.enabled(if: databaseTestsEnabled, "THREADGATE_SKIP_DB_TESTS=1"), .timeLimit(.minutes(1)))
struct MigratorTests {
    /// A migrations directory with the repository's files plus two slow ones.
    func makeDirectory() throws -> String {
        var template = Array("/tmp/tg-migrations-XXXXXX".utf8CString)
        guard let path = mkdtemp(&template) else { throw TestSetupError(description: "mkdtemp failed") }
        let directory = String(cString: path)
        let files = try Migration.load(directory: repositoryMigrations).map { ("\(String(repeating: "0", count: 4 - String($0.version).count))\($0.version)_\($0.name).sql", $0.sql) }
            + [
                ("0100_slow.sql", "SELECT pg_sleep(0.3);\nCREATE TABLE slow_marks (id int PRIMARY KEY);\n"),
                ("0101_more.sql", "INSERT INTO slow_marks VALUES (1);\n"),
            ]
        for (name, sql) in files {
            let fd = open(directory + "/" + name, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            _ = Array(sql.utf8).withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            close(fd)
        }
        return directory
    }

    @Test func concurrentMigratorsApplyEachFileOnce() async throws {
        let directory = try makeDirectory()
        try await withTestDatabase(migrate: false, onLoop: true) { db in
            let a = try await db.connect()
            let b = try await db.connect()
            let migrator = try Migrator(directory: directory)
            let versions = try Migration.load(directory: repositoryMigrations).map(\.version) + [100, 101]
            #expect(migrator.migrations.map(\.version) == versions)
            async let first = Migrator(directory: directory).migrate(on: a)
            async let second = Migrator(directory: directory).migrate(on: b)
            let (appliedByA, appliedByB) = try await (first, second)
            #expect((appliedByA + appliedByB).map(\.version).sorted() == versions)
            let rows = try await a.query(PostgresQuery("SELECT version FROM schema_migrations ORDER BY version"))
            #expect(try rows.map { try $0.decode(column: 0, as: Int.self) } == versions)
            #expect(try await a.query(PostgresQuery("SELECT count(*) FROM slow_marks"))[0].decode(column: 0, as: Int.self) == 1)
            #expect(try await migrator.migrate(on: a).isEmpty)
            #expect(try await migrator.isCurrent(on: b))
            await a.close()
            await b.close()
        }
    }

    @Test func anEditedAppliedMigrationIsReported() async throws {
        try await withTestDatabase(onLoop: true) { db in
            let connection = try await db.connect()
            let original = try Migrator(directory: repositoryMigrations)
            #expect(try await original.status(on: connection).allSatisfy { if case .applied = $0.state { true } else { false } })
            let edited = original.migrations.map { m in
                m.version == 1 ? Migration(version: 1, name: m.name, sql: m.sql + "\n-- edited\n") : m
            } + [Migration(version: 9999, name: "later", sql: "CREATE TABLE later (id int);")]
            let editedMigrator = Migrator(migrations: edited)
            let error = await expectPostgresError(.migrationEdited) { try await editedMigrator.migrate(on: connection) }
            #expect(error?.message?.contains("0001") == false || error?.message?.contains("1_initial") == true)
            let status = try await editedMigrator.status(on: connection)
            #expect(status.count == original.migrations.count + 1)
            if case .edited(let checksum) = status[0].state {
                #expect(checksum == original.migrations[0].checksum)
            } else {
                Issue.record("expected .edited, got \(status[0].state)")
            }
            #expect(status.last?.state == .pending)  // nothing applied after the edit was found
            #expect(try await !editedMigrator.isCurrent(on: connection))
            // A failing file leaves its own changes out and reports the file.
            let broken = Migrator(migrations: original.migrations + [Migration(version: 9998, name: "broken", sql: "CREATE TABLE half (id int); SELEC 1;")])
            let failure = await expectPostgresError(.queryFailed) { try await broken.migrate(on: connection) }
            #expect(failure?.message?.contains("9998_broken") == true)
            #expect(try await connection.query(PostgresQuery("SELECT to_regclass('half') IS NULL"))[0].decode(column: 0, as: Bool.self))
            await connection.close()
        }
    }
}
