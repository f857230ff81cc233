public import EventLoop
public import Postgres
import Testing
import TestSupport

/// Set `THREADGATE_SKIP_DB_TESTS=1` to skip the database suites; otherwise a missing
/// `TEST_DATABASE_URL` fails them with instructions.
public let databaseTestsEnabled = environment("THREADGATE_SKIP_DB_TESTS") != "1"

/// The repository's `migrations/` directory.
public let repositoryMigrations: String = {
    var parts = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false)
    parts.removeLast(3)  // Tests/DatabaseTestSupport/TestDatabase.swift
    return parts.joined(separator: "/") + "/migrations"
}()

/// A fresh database for one test, its loop, and an admin connection to the server's
/// `postgres` database.
public struct TestDatabase: Sendable {
    public let name: String
    /// The loop the admin connection (and every `connect()`) runs on.
    public let loop: EventLoop
    public let admin: PostgresConnection
    /// The fresh database's configuration (the admin one with the database replaced).
    public let configuration: PostgresConfiguration
    /// libpq key=value string for the fresh database (the admin URL with `dbname` replaced).
    public let url: String

    /// A new connection to the fresh database on `loop`.
    public func connect() async throws -> PostgresConnection {
        try await PostgresConnection.connect(to: configuration, on: loop)
    }

    /// Runs administrative SQL (no values) as the admin.
    func execute(_ sql: String) async throws {
        try await admin.executeScript(sql)
    }

    /// Refuses new connections to the database and ends the open ones: to clients it is down.
    public func makeUnreachable() async throws {
        try await execute("ALTER DATABASE \(name) ALLOW_CONNECTIONS false")
        try await admin.query(
            PostgresQuery(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
                name))
    }

    public func makeReachable() async throws {
        try await execute("ALTER DATABASE \(name) ALLOW_CONNECTIONS true")
    }
}

/// The admin URL, or a setup error explaining how to get one.
func testDatabaseURL() throws -> String {
    guard let url = environment("TEST_DATABASE_URL"), !url.isEmpty else {
        throw TestSetupError(
            description: "TEST_DATABASE_URL is not set. Start a throwaway server with "
                + "`eval \"$(scripts/pg-test-cluster.sh start)\"`, or set THREADGATE_SKIP_DB_TESTS=1 to skip the database tests.")
    }
    return url
}

/// Runs `body` on a new loop against a new database (`CREATE DATABASE t_…`, migrations applied
/// unless `migrate` is false), drops the database, ends the loop and checks no handle was left.
///
/// `onLoop`: setup, `body` and the drop run with the loop as their task executor preference,
/// so the test's awaits run on the loop thread (PostgresTests drive the connection layer that
/// way); otherwise `body` runs wherever the test does.
public func withTestDatabase(
    migrate: Bool = true, onLoop: Bool = false, _ body: (TestDatabase) async throws -> Void
) async throws {
    let adminConfiguration = try PostgresConfiguration(try testDatabaseURL())
    let loop = try EventLoop.start(name: "pg-test")
    var failure: (any Error)?
    do {
        if onLoop {
            try await withTaskExecutorPreference(loop) {
                try await withFreshDatabase(adminConfiguration, loop: loop, migrate: migrate, body)
            }
        } else {
            try await withFreshDatabase(adminConfiguration, loop: loop, migrate: migrate, body)
        }
    } catch {
        failure = error
    }
    try await onThread { EventLoop.shutdownAndJoin([loop]) }
    #expect(loop.closeStatus == 0)
    #expect(loop.forcedCloses == 0)
    if let failure { throw failure }
}

/// Creates the database, migrates it if asked, runs `body`, drops the database (also after a
/// failure) and closes the admin connection. The first error wins.
private func withFreshDatabase(
    _ adminConfiguration: PostgresConfiguration, loop: EventLoop, migrate: Bool,
    _ body: (TestDatabase) async throws -> Void
) async throws {
    let name = randomName("t_")
    let admin = try await PostgresConnection.connect(to: adminConfiguration, on: loop)
    do {
        try await admin.executeScript("CREATE DATABASE \(name)")  // a generated identifier, not a value
    } catch {
        await admin.close()
        throw error
    }
    var failure: (any Error)?
    do {
        let database = TestDatabase(
            name: name, loop: loop, admin: admin, configuration: adminConfiguration.database(name),
            url: conninfo(adminConfiguration, database: name))
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
        do {
            let again = try await PostgresConnection.connect(to: adminConfiguration, on: loop)
            do {
                try await again.executeScript("DROP DATABASE \(name) WITH (FORCE)")
            } catch {
                failure = failure ?? error
            }
            await again.close()
        } catch {
            failure = failure ?? error
        }
    } catch {
        failure = failure ?? error
    }
    await admin.close()
    if let failure { throw failure }
}

/// A key=value connection string with `configuration`'s explicit settings and `database`.
func conninfo(_ configuration: PostgresConfiguration, database: String) -> String {
    let keywords = [
        "host", "hostaddr", "port", "user", "password", "sslmode", "sslrootcert", "sslcert", "sslkey", "options",
        "connect_timeout", "target_session_attrs",
    ]
    func quoted(_ value: String) -> String {
        "'" + value.replacing("\\", with: "\\\\").replacing("'", with: "\\'") + "'"
    }
    let pairs = keywords.compactMap { keyword in configuration.value(for: keyword).map { "\(keyword)=\(quoted($0))" } }
    return (pairs + ["dbname=\(quoted(database))"]).joined(separator: " ")
}
