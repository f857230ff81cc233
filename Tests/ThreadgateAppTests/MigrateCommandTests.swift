import DatabaseTestSupport
import EventLoop
import Postgres
import Testing
import TestSupport
@testable import ThreadgateApp

#if canImport(Glibc)
import Glibc
#endif

/// `threadgate migrate` and `migrate --status`: in-process, and as two real processes at once.
@Suite(.enabled(if: databaseTestsEnabled, "THREADGATE_SKIP_DB_TESTS=1"), .timeLimit(.minutes(1)))
struct MigrateCommandTests {
    final class Lines: Sendable {
        let lines = LockedValue([String]())
        var output: ConsoleOutput { ConsoleOutput { line in self.lines.withLock { $0.append(line) } } }
        var all: [String] { lines.withLock { $0 } }
    }

    func settings(_ url: String, migrations: String = repositoryMigrations) throws -> DatabaseSettings {
        try DatabaseSettings.resolve(environment: ["DATABASE_URL": url, "MIGRATIONS_DIR": migrations])
    }

    @Test func migrateAppliesThenReportsStatus() async throws {
        let directory = try temporaryMigrations(extra: [("0900_notes.sql", "CREATE TABLE notes (id int PRIMARY KEY);\n")])
        defer { removeDirectory(directory) }
        // The repository's files, then the extra one: `0001_initial`, …, `0900_notes`.
        let labels = try Migration.load(directory: repositoryMigrations).map(\.label) + ["0900_notes"]
        let width = labels.map(\.count).max() ?? 0
        let count = labels.count
        try await withTestDatabase(migrate: false) { db in
            let settings = try settings(db.url, migrations: directory)
            let before = Lines()
            #expect(await MigrateRuntime.status(settings, output: before.output, errors: before.output) == 1)
            #expect(before.all == labels.map { $0.padding(to: width) + "  pending" } + ["0 applied, \(count) pending, 0 edited"])

            let first = Lines()
            #expect(await MigrateRuntime.apply(settings, output: first.output, errors: first.output) == 0)
            #expect(first.all == labels.map { "applied \($0)" } + ["\(count) applied now; all \(count) migrations applied"])

            let second = Lines()
            #expect(await MigrateRuntime.apply(settings, output: second.output, errors: second.output) == 0)
            #expect(second.all == ["nothing to apply: all \(count) migrations already applied"])

            let after = Lines()
            #expect(await MigrateRuntime.status(settings, output: after.output, errors: after.output) == 0)
            #expect(after.all.count == count + 1)
            #expect(after.all.first?.hasPrefix("0001_initial".padding(to: width) + "  applied 20") == true)
            #expect(after.all.last == "\(count) applied, 0 pending, 0 edited")
        }
    }

    @Test func editedFilesAreReportedAndStopMigrate() async throws {
        let directory = try temporaryMigrations(editing: true)
        defer { removeDirectory(directory) }
        try await withTestDatabase { db in
            let settings = try settings(db.url, migrations: directory)
            let status = Lines()
            #expect(await MigrateRuntime.status(settings, output: status.output, errors: status.output) == 1)
            let width = try Migration.load(directory: repositoryMigrations).map(\.label.count).max() ?? 0
            #expect(status.all.first?.hasPrefix("0001_initial".padding(to: width) + "  EDITED") == true, "\(status.all)")
            let apply = Lines()
            #expect(await MigrateRuntime.apply(settings, output: apply.output, errors: apply.output) == 1)
            #expect(apply.all.joined().contains("edited"))
        }
    }

    @Test func withoutDatabaseOrReachableServerMigrateFailsClearly() async throws {
        let none = Lines()
        #expect(await MigrateRuntime.apply(DatabaseSettings(), output: none.output, errors: none.output) == 1)
        #expect(none.all.joined().contains("DATABASE_URL is not set"))
        let down = Lines()
        let settings = try settings("host=/nonexistent-threadgate password=hunter2")
        #expect(await MigrateRuntime.status(settings, output: down.output, errors: down.output) == 1)
        #expect(down.all.joined().contains("cannot connect"))
        #expect(!down.all.joined().contains("hunter2"))
    }

    /// Two `threadgate migrate` processes against one fresh database: each file applied once.
    @Test func twoProcessesMigrateConcurrently() async throws {
        let binary = try threadgateBinary()
        let slow = [("0100_slow.sql", "SELECT pg_sleep(0.3);\nCREATE TABLE slow_marks (id int PRIMARY KEY);\nINSERT INTO slow_marks VALUES (1);\n")]
        let directory = try temporaryMigrations(extra: slow)
        defer { removeDirectory(directory) }
        try await withTestDatabase(migrate: false) { db in
            let environment = ["DATABASE_URL=\(db.url)", "MIGRATIONS_DIR=\(directory)", "PATH=/usr/bin:/bin"]
            let logs = ["/tmp/tg-migrate-a-\(db.name).log", "/tmp/tg-migrate-b-\(db.name).log"]
            defer { logs.forEach { unlink($0) } }
            let a = try ChildProcess.spawn(binary, ["migrate"], outputFile: logs[0], environment: environment)
            let b = try ChildProcess.spawn(binary, ["migrate"], outputFile: logs[1], environment: environment)
            async let aEnded = a.wait()
            async let bEnded = b.wait()
            let (aStatus, bStatus) = await (aEnded, bEnded)
            let outputs = logs.map { DevCluster.tail(of: $0, lines: 20) }
            #expect(aStatus == .exited(0), "\(outputs[0])")
            #expect(bStatus == .exited(0), "\(outputs[1])")
            let applied = outputs.joined().split(separator: "\n").filter { $0.contains("applied 0") }
            let repository = try Migration.load(directory: repositoryMigrations).map(\.version)
            #expect(applied.count == repository.count + 1, "each file is reported applied by exactly one process: \(outputs)")

            let check = try await PostgresConnection.connect(to: try PostgresConfiguration(db.url), on: db.admin.loop)
            let versions = try await check.query(PostgresQuery("SELECT version FROM schema_migrations ORDER BY version"))
            #expect(try versions.map { try $0.decode(column: 0, as: Int.self) } == repository + [100])
            #expect(try await check.query(PostgresQuery("SELECT count(*) FROM slow_marks"))[0].decode(column: 0, as: Int.self) == 1)
            await check.close()
        }
    }
}

/// The `threadgate` executable built next to this test bundle (`swift test` builds it).
func threadgateBinary() throws -> String {
    guard let executable = MigrationsLocation.executablePath() else {
        throw TestSetupError(description: "cannot read /proc/self/exe")
    }
    let binary = MigrationsLocation.parent(of: executable) + "/threadgate"
    guard access(binary, X_OK) == 0 else {
        throw TestSetupError(description: "\(binary) is missing: build it with `swift build --product threadgate`")
    }
    return binary
}
