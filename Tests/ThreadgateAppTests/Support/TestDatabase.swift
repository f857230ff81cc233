import EventLoop
import Postgres
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Set `THREADGATE_SKIP_DB_TESTS=1` to skip the database suites; otherwise a missing
/// `TEST_DATABASE_URL` fails them with instructions (the conventions of PostgresTests).
let databaseTestsEnabled = environment("THREADGATE_SKIP_DB_TESTS") != "1"

func environment(_ name: String) -> String? {
    getenv(name).map { String(cString: $0) }
}

struct TestSetupError: Error, CustomStringConvertible {
    let description: String
}

/// The repository root, from this file's path (`Tests/ThreadgateAppTests/Support/…`).
let repositoryRoot: String = {
    var parts = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false)
    parts.removeLast(4)
    return parts.joined(separator: "/")
}()

/// The repository's `migrations/` directory.
let repositoryMigrations = repositoryRoot + "/migrations"

/// A fresh database for one test, with an admin connection to the server's `postgres` database.
struct TestDatabase: Sendable {
    let name: String
    /// libpq key=value string for the fresh database (the admin URL with `dbname` replaced).
    let url: String
    let admin: PostgresConnection

    /// Runs administrative SQL (no values) as the admin.
    func execute(_ sql: String) async throws {
        try await admin.executeScript(sql)
    }

    /// Refuses new connections to the database and ends the open ones: to clients it is down.
    func makeUnreachable() async throws {
        try await execute("ALTER DATABASE \(name) ALLOW_CONNECTIONS false")
        try await admin.query(
            PostgresQuery(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
                name))
    }

    func makeReachable() async throws {
        try await execute("ALTER DATABASE \(name) ALLOW_CONNECTIONS true")
    }
}

func randomName(_ prefix: String) -> String {
    var generator = SystemRandomNumberGenerator()
    return prefix + String(generator.next() as UInt64, radix: 36)
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

/// Runs `body` against a new database (`CREATE DATABASE a_…`, migrations applied unless
/// `migrate` is false), then drops it, ends the admin loop and checks no handle was left.
func withTestDatabase(migrate: Bool = true, _ body: (TestDatabase) async throws -> Void) async throws {
    let adminConfiguration = try PostgresConfiguration(try testDatabaseURL())
    let loop = try EventLoop.start(name: "app-test-admin")
    let name = randomName("a_")
    let url = conninfo(adminConfiguration, database: name)
    var failure: (any Error)?
    do {
        let admin = try await PostgresConnection.connect(to: adminConfiguration, on: loop)
        try await admin.executeScript("CREATE DATABASE \(name)")  // a generated identifier, not a value
        do {
            if migrate {
                let connection = try await PostgresConnection.connect(to: adminConfiguration.database(name), on: loop)
                try await Migrator(directory: repositoryMigrations).migrate(on: connection)
                await connection.close()
            }
            try await body(TestDatabase(name: name, url: url, admin: admin))
        } catch {
            failure = error
        }
        try await admin.executeScript("DROP DATABASE \(name) WITH (FORCE)")
        await admin.close()
    } catch {
        failure = failure ?? error
    }
    try await onThread { EventLoop.shutdownAndJoin([loop]) }
    #expect(loop.closeStatus == 0)
    #expect(loop.forcedCloses == 0)
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
