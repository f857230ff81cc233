import DatabaseTestSupport
import EventLoop
@testable import Postgres
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

@Suite(.enabled(if: databaseTestsEnabled, "THREADGATE_SKIP_DB_TESTS=1"), .timeLimit(.minutes(1)))
struct PostgresConnectionTests {
    @Test func typesRoundTripIncludingNullAndUnicode() async throws {
        try await withTestDatabase(onLoop: true) { db in
            let connection = try await db.connect()
            let text = "héllo 🌍 — ✓ 中文 'quoted' \"double\" \\ $1"
            let when = PostgresTimestamp(microsecondsSinceEpoch: 1_700_000_000_123_456)
            let id = PostgresUUID.random()
            let json = PostgresJSON(#"{"b": [1, 2, {"c": "ü"}], "a": null}"#)
            let rows = try await connection.query(
                PostgresQuery(
                    "SELECT $1::text, $2::int8, $3::int8, $4::int4, $5::bool, $6::float8, $7::timestamptz, $8::uuid, $9::jsonb, $10::text, $11::bytea, $12::int8",
                    text, Int64.max, Int64.min, Int32.min, true, 3.141592653589793, when, id, json, String?.none,
                    [UInt8]([0, 255, 10]), Int?.none))
            #expect(rows.count == 1)
            let row = rows[0]
            #expect(try row.decode(column: 0, as: String.self) == text)
            #expect(try row.decode(column: 1, as: Int64.self) == .max)
            #expect(try row.decode(column: 2, as: Int.self) == .min)
            #expect(try row.decode(column: 3, as: Int32.self) == .min)
            #expect(try row.decode(column: 4, as: Bool.self) == true)
            #expect(try row.decode(column: 5, as: Double.self) == 3.141592653589793)
            #expect(try row.decode(column: 6, as: PostgresTimestamp.self) == when)
            #expect(try row.decode(column: 7, as: PostgresUUID.self) == id)
            #expect(try row.decode(column: 8, as: PostgresJSON.self).text.contains(#""c": "ü""#))
            #expect(try row.decode(column: 9, as: String?.self) == nil)
            #expect(row.isNull(column: 9))
            #expect(try row.decode(column: 10, as: [UInt8].self) == [0, 255, 10])
            #expect(try row.decode(column: 11, as: Int?.self) == nil)

            // Server-made values decode too, whatever the session time zone.
            try await connection.executeScript("SET TimeZone = 'Asia/Kolkata'")
            let server = try await connection.query(
                PostgresQuery("SELECT '2024-02-29 12:34:56.789+00'::timestamptz AS at, 'NaN'::float8, now() AS now"))
            #expect(try server[0].decode(column: "at", as: PostgresTimestamp.self).description == "2024-02-29 12:34:56.789000+00")
            #expect(try server[0].decode(column: 1, as: Double.self).isNaN)

            // Precise decoding errors.
            let wrongType = await expectPostgresError(.decoding) { _ = try rows[0].decode(column: 0, as: Int.self) }
            #expect(wrongType?.message?.contains("column 0") == true)
            await expectPostgresError(.decoding) { _ = try rows[0].decode(column: 9, as: String.self) }
            await expectPostgresError(.decoding) { _ = try rows[0].decode(column: "missing", as: String.self) }
            await expectPostgresError(.decoding) { _ = try rows[0].decode(column: 42, as: String.self) }

            // Through a real table, with the schema's own types.
            try await connection.query(
                PostgresQuery("INSERT INTO users (subject, role) VALUES ($1, 'admin')", text))
            let user = try await connection.query(
                PostgresQuery("SELECT subject, role, first_seen_at FROM users WHERE subject = $1", text))
            #expect(try user[0].decode(column: "subject", as: String.self) == text)
            #expect(try user[0].decode(column: "role", as: String.self) == "admin")
            _ = try user[0].decode(column: "first_seen_at", as: PostgresTimestamp.self)
            let unique = await expectPostgresError(.queryFailed) {
                try await connection.query(PostgresQuery("INSERT INTO users (subject) VALUES ($1)", text))
            }
            #expect(unique?.isUniqueViolation == true)
            await connection.close()
        }
    }

    @Test func preparedStatementsAreReused() async throws {
        try await withTestDatabase(migrate: false, onLoop: true) { db in
            let connection = try await db.connect()
            for value in 1...5 {
                let rows = try await connection.query(PostgresQuery("SELECT $1::int8 * 2", value))
                #expect(try rows[0].decode(column: 0, as: Int.self) == value * 2)
            }
            let prepared = try await connection.query(
                PostgresQuery("SELECT count(*) FROM pg_prepared_statements WHERE statement = $1", "SELECT $1::int8 * 2"))
            #expect(try prepared[0].decode(column: 0, as: Int.self) == 1)
            // A failing statement leaves the connection and the cache usable.
            await expectPostgresError(.queryFailed) { try await connection.query(PostgresQuery("SELECT 1/0")) }
            await expectPostgresError(.queryFailed) { try await connection.query(PostgresQuery("SELEC 1")) }
            #expect(try await connection.query(PostgresQuery("SELECT $1::int8 * 2", 21))[0].decode(column: 0, as: Int.self) == 42)
            await connection.close()
            await expectPostgresError(.closed) { try await connection.query(PostgresQuery("SELECT 1")) }
        }
    }

    @Test func parametersOfEverySizeAndTypeShareOnePreparedStatementCache() async throws {
        try await withTestDatabase(migrate: false) { db in
            let connection = try await db.connect()
            // One SQL text with two parameter types: two statements, each answering right.
            #expect(try await connection.query(PostgresQuery("SELECT $1 IS NULL, $1", 5))[0].decode(column: 1, as: Int.self) == 5)
            #expect(try await connection.query(PostgresQuery("SELECT $1 IS NULL, $1", "five"))[0].decode(column: 1, as: String.self) == "five")
            #expect(try await connection.query(PostgresQuery("SELECT $1 IS NULL, $1", String?.none))[0].decode(column: 0, as: Bool.self))
            let prepared = try await connection.query(
                PostgresQuery("SELECT count(*) FROM pg_prepared_statements WHERE statement = $1", "SELECT $1 IS NULL, $1"))
            #expect(try prepared[0].decode(column: 0, as: Int.self) == 2)
            // Large values, then small ones through the same reused buffer.
            let large = String(repeating: "ü", count: 100_000)
            let echoed = try await connection.query(PostgresQuery("SELECT $1::text, length($1::text), $2::int8", large, 1))
            #expect(try echoed[0].decode(column: 0, as: String.self) == large)
            #expect(try echoed[0].decode(column: 1, as: Int.self) == 100_000)
            let many = try await connection.query(
                PostgresQuery(
                    "SELECT $1::text || $2::text || $3::text || $4::text || $5::text || $6::text || $7::text || $8::text || $9::text",
                    "a", "b", "c", "d", "e", "f", "g", "h", "i"))
            #expect(try many[0].decode(column: 0, as: String.self) == "abcdefghi")
            // A NUL byte cannot travel as text: refused before sending, the connection stays usable.
            let nul = await expectPostgresError(.queryFailed) {
                try await connection.query(PostgresQuery("SELECT $1::text", "a\u{0}b"))
            }
            #expect(nul?.sqlState == "22021")
            #expect(try await connection.query(PostgresQuery("SELECT $1::text", "ok"))[0].decode(column: 0, as: String.self) == "ok")
            await connection.close()
        }
    }

    @Test func inputWhileIdleIsReadAndKeepsThePooledConnection() async throws {
        try await withTestDatabase(migrate: false) { db in
            let pool = PostgresPool(loop: db.loop, configuration: .init(connection: db.configuration, maximumConnections: 1))
            let (backend, pooled) = try await pool.withConnection { connection in
                try await connection.query(PostgresQuery("LISTEN idle_input"))
                let pid = try await connection.query(PostgresQuery("SELECT pg_backend_pid()"))[0].decode(column: 0, as: Int32.self)
                return (pid, connection)
            }
            // The server sends a notification to the idle connection: read by its armed socket
            // watcher, not mistaken for the server closing the connection.
            _ = try await db.admin.query(PostgresQuery("SELECT pg_notify('idle_input', 'hello')"))
            try await db.loop.sleep(for: .milliseconds(100))
            let again = try await pool.query(PostgresQuery("SELECT pg_backend_pid()"))[0].decode(column: 0, as: Int32.self)
            #expect(again == backend)
            // Terminated while idle: noticed without a query, replaced on the next use.
            _ = try await db.admin.query(PostgresQuery("SELECT pg_terminate_backend($1)", backend))
            // The loop reads the backend's goodbye and EOF in its own time (the EOF comes only
            // after the backend has left pg_stat_activity): wait until the idle connection knows.
            let noticed = await eventually(timeout: .seconds(10), pollInterval: .milliseconds(20)) {
                (try? await db.loop.submit { !pooled.isReusable }) == true
            }
            #expect(noticed, "the idle connection never noticed its backend was terminated")
            let replaced = try await pool.query(PostgresQuery("SELECT pg_backend_pid()"))[0].decode(column: 0, as: Int32.self)
            #expect(replaced != backend)
            #expect(pool.statistics.size == 1)
            await pool.close()
        }
    }

    @Test func connectionStringForms() async throws {
        try await withTestDatabase(migrate: false, onLoop: true) { db in
            let host = try #require(db.configuration.value(for: "host"))
            let port = db.configuration.value(for: "port") ?? "5432"
            let user = db.configuration.value(for: "user") ?? "postgres"
            // key=value conninfo with a unix socket directory.
            let keyValue = try PostgresConfiguration("host=\(host) port=\(port) user=\(user) dbname=\(db.name)")
            let a = try await PostgresConnection.connect(to: keyValue, on: db.loop)
            #expect(try await a.query(PostgresQuery("SELECT current_database()"))[0].decode(column: 0, as: String.self) == db.name)
            await a.close()
            // Nothing in the string: the PG* environment variables.
            setenv("PGHOST", host, 1)
            setenv("PGPORT", port, 1)
            setenv("PGUSER", user, 1)
            let fromEnvironment = try await PostgresConnection.connect(to: try PostgresConfiguration("dbname=\(db.name)"), on: db.loop)
            #expect(try await fromEnvironment.query(PostgresQuery("SELECT 1"))[0].decode(column: 0, as: Int.self) == 1)
            await fromEnvironment.close()
            // Nobody listening: a clean, quick connectionFailed.
            let start = EventLoop.monotonicNanoseconds
            await expectPostgresError(.connectionFailed) {
                _ = try await PostgresConnection.connect(to: try PostgresConfiguration("host=/nonexistent port=1 user=x"), on: db.loop)
            }
            await expectPostgresError(.connectionFailed) {
                _ = try await PostgresConnection.connect(to: try PostgresConfiguration("host=127.0.0.1 port=1 user=x"), on: db.loop)
            }
            #expect(seconds(since: start) < 6)
        }
    }

    @Test func failingStatementRollsTheTransactionBack() async throws {
        try await withTestDatabase(onLoop: true) { db in
            let connection = try await db.connect()
            await expectPostgresError(.queryFailed) {
                try await connection.transaction { tx in
                    try await tx.query(PostgresQuery("INSERT INTO users (subject) VALUES ($1)", "rolled-back"))
                    try await tx.query(PostgresQuery("INSERT INTO users (subject) VALUES ($1)", "rolled-back"))  // duplicate
                }
            }
            struct Boom: Error {}
            await #expect(throws: Boom.self) {
                try await connection.transaction { tx in
                    try await tx.query(PostgresQuery("INSERT INTO users (subject) VALUES ($1)", "thrown"))
                    throw Boom()
                }
            }
            let kept = try await connection.transaction { tx in
                try await tx.query(PostgresQuery("INSERT INTO users (subject) VALUES ($1) RETURNING subject", "kept"))[0]
                    .decode(column: 0, as: String.self)
            }
            #expect(kept == "kept")
            let rows = try await connection.query(PostgresQuery("SELECT subject FROM users ORDER BY subject"))
            #expect(try rows.map { try $0.decode(column: 0, as: String.self) } == ["kept"])
            await connection.close()
        }
    }

    @Test func cancellingTheTaskCancelsTheStatement() async throws {
        try await withTestDatabase(migrate: false, onLoop: true) { db in
            let connection = try await db.connect()
            let start = EventLoop.monotonicNanoseconds
            let task = Task(executorPreference: db.loop) {
                try await connection.query(PostgresQuery("SELECT pg_sleep(10)"))
            }
            // Cancelled while the server runs it, not before it was sent.
            let sleeping = await eventually(timeout: .seconds(10), pollInterval: .milliseconds(20)) {
                (try? await sessionSleeps(db)) == true
            }
            #expect(sleeping, "the statement never started")
            task.cancel()
            await expectPostgresError(.cancelled) { _ = try await task.value }
            #expect(seconds(since: start) < 6, "the 10 s statement ran on")
            #expect(try await connection.query(PostgresQuery("SELECT 1"))[0].decode(column: 0, as: Int.self) == 1)

            // A cancelled transaction rolls back.
            _ = try await connection.query(PostgresQuery("CREATE TABLE marks (v int)"))
            let transaction = Task(executorPreference: db.loop) {
                try await connection.transaction { tx in
                    try await tx.query(PostgresQuery("INSERT INTO marks VALUES (1)"))
                    try await tx.query(PostgresQuery("SELECT pg_sleep(10)"))
                }
            }
            let sleepingInTransaction = await eventually(timeout: .seconds(10), pollInterval: .milliseconds(20)) {
                (try? await sessionSleeps(db)) == true
            }
            #expect(sleepingInTransaction, "the transaction's statement never started")
            transaction.cancel()
            await expectPostgresError(.cancelled) { _ = try await transaction.value }
            #expect(try await connection.query(PostgresQuery("SELECT count(*) FROM marks"))[0].decode(column: 0, as: Int.self) == 0)
            await connection.close()
        }
    }

    @Test func statementTimeoutCancelsAndTheConnectionStaysUsable() async throws {
        try await withTestDatabase(migrate: false, onLoop: true) { db in
            let connection = try await db.connect()
            let start = EventLoop.monotonicNanoseconds
            await expectPostgresError(.timeout) {
                try await connection.query(PostgresQuery("SELECT pg_sleep(10)"), timeout: .milliseconds(200))
            }
            let elapsed = seconds(since: start)
            #expect(elapsed >= 0.2 && elapsed < 6, "took \(elapsed) s")
            // A quick statement with a timeout is unaffected, and the timer does not fire later.
            // (Quick, but two round trips with a busy server under a sanitizer: a generous timeout.)
            #expect(try await connection.query(PostgresQuery("SELECT 2"), timeout: .seconds(2))[0].decode(column: 0, as: Int.self) == 2)
            try await db.loop.sleep(for: .milliseconds(2_100))
            #expect(try await connection.query(PostgresQuery("SELECT 1"))[0].decode(column: 0, as: Int.self) == 1)
            await connection.close()
        }
    }
}

/// Whether a session of the test database waits in `pg_sleep` now, as the admin connection sees it.
private func sessionSleeps(_ db: TestDatabase) async throws -> Bool {
    let rows = try await db.admin.query(
        PostgresQuery("SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND wait_event = 'PgSleep'", db.name))
    return try rows[0].decode(column: 0, as: Int.self) > 0
}
