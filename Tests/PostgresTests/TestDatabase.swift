import EventLoop
import Postgres
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Set `THREADGATE_SKIP_DB_TESTS=1` to skip the database suites; otherwise a missing
/// `TEST_DATABASE_URL` fails them with instructions.
let databaseTestsEnabled = environment("THREADGATE_SKIP_DB_TESTS") != "1"

func environment(_ name: String) -> String? {
    getenv(name).map { String(cString: $0) }
}

struct TestSetupError: Error, CustomStringConvertible {
    let description: String
}

/// The repository's `migrations/` directory.
let repositoryMigrations: String = {
    var parts = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false)
    parts.removeLast(3)  // Tests/PostgresTests/TestDatabase.swift
    return parts.joined(separator: "/") + "/migrations"
}()

/// What a database test gets: its own loop and a fresh database.
struct TestDatabase {
    let loop: EventLoop
    let admin: PostgresConnection
    let name: String
    let configuration: PostgresConfiguration

    func connect() async throws -> PostgresConnection {
        try await PostgresConnection.connect(to: configuration, on: loop)
    }
}

func randomName(_ prefix: String) -> String {
    var generator = SystemRandomNumberGenerator()
    return prefix + String(generator.next() as UInt64, radix: 36)
}

/// Runs `body` on a new loop against a new database (`CREATE DATABASE t_…`, migrations applied
/// unless `migrate` is false), drops the database, ends the loop and checks no handle was left.
func withTestDatabase(migrate: Bool = true, _ body: (TestDatabase) async throws -> Void) async throws {
    guard let url = environment("TEST_DATABASE_URL"), !url.isEmpty else {
        throw TestSetupError(
            description: "TEST_DATABASE_URL is not set. Start a throwaway server with "
                + "`eval \"$(scripts/pg-test-cluster.sh start)\"`, or set THREADGATE_SKIP_DB_TESTS=1 to skip the database tests.")
    }
    let loop = try EventLoop.start(name: "pg-test")
    let adminConfiguration = try PostgresConfiguration(url)
    let name = randomName("t_")
    try await withTaskExecutorPreference(loop) {
        let admin = try await PostgresConnection.connect(to: adminConfiguration, on: loop)
        try await admin.executeScript("CREATE DATABASE \(name)")  // a generated identifier, not a value
        var failure: (any Error)?
        do {
            let database = TestDatabase(loop: loop, admin: admin, name: name, configuration: adminConfiguration.database(name))
            if migrate {
                let connection = try await database.connect()
                try await Migrator(directory: repositoryMigrations).migrate(on: connection)
                await connection.close()
            }
            try await body(database)
        } catch {
            failure = error
        }
        do {
            try await admin.executeScript("DROP DATABASE \(name) WITH (FORCE)")
        } catch let error as PostgresError where error.code == .connectionFailed || error.code == .closed {
            // The server restarted under the test (the crash drill): drop through a new connection.
            let again = try await PostgresConnection.connect(to: adminConfiguration, on: loop)
            try await again.executeScript("DROP DATABASE \(name) WITH (FORCE)")
            await again.close()
        }
        await admin.close()
        if let failure { throw failure }
    }
    loop.shutdown()
    loop.join()
    #expect(loop.closeStatus == 0)
    #expect(loop.forcedCloses == 0)
}

/// Expects `body` to throw a `PostgresError` with `code`; returns it.
@discardableResult
func expectPostgresError(
    _ code: PostgresError.Code, sourceLocation: SourceLocation = #_sourceLocation, _ body: () async throws -> Void
) async -> PostgresError? {
    do {
        try await body()
        Issue.record("expected PostgresError \(code), nothing was thrown", sourceLocation: sourceLocation)
    } catch let error as PostgresError {
        #expect(error.code == code, "\(error.debugDescription)", sourceLocation: sourceLocation)
        return error
    } catch {
        Issue.record("expected PostgresError \(code), got \(error)", sourceLocation: sourceLocation)
    }
    return nil
}

/// Seconds since `start` (a `EventLoop.monotonicNanoseconds` reading).
func seconds(since start: UInt64) -> Double {
    Double(EventLoop.monotonicNanoseconds - start) / 1e9
}
