import DatabaseTestSupport
import EventLoop
import JSON
import Postgres
import Testing
import TestSupport
@testable import ThreadgateApp

#if canImport(Glibc)
import Glibc
#endif

/// `/readyz` and `/healthz` over real HTTP, with no database or an unreachable one.
@Suite(.timeLimit(.minutes(1)))
struct ReadinessWithoutDatabaseTests {
    @Test func withoutDatabaseURLTheGatewayServesButIsNotReady() async throws {
        try await withGateway(try testConfiguration(databaseURL: nil)) { port in
            let ready = try await get("/readyz", port: port)
            #expect(ready.status == 503)
            #expect(try checkStatus(ready, "database") == "not_configured")
            #expect(try ready.json()["status"] == "not_ready")
            #expect(try ready.json()["checks"]?["database"]?["message"]?.stringValue?.contains("DATABASE_URL") == true)
            let health = try await get("/healthz", port: port)
            #expect(health.status == 200)
            #expect(health.text == #"{"status":"ok"}"#)
        }
    }

    @Test func anUnreachableDatabaseIs503WithoutNamingIt() async throws {
        let url = "host=/nonexistent-threadgate-socket-dir dbname=app user=app password=hunter2"
        try await withGateway(try testConfiguration(databaseURL: url)) { port in
            let ready = try await get("/readyz", port: port)
            #expect(ready.status == 503)
            #expect(try checkStatus(ready, "database") == "unavailable")
            #expect(try checkStatus(ready, "migrations") == "unknown")
            #expect(!ready.text.contains("nonexistent"))
            #expect(!ready.text.contains("hunter2"))
            #expect(try await get("/healthz", port: port).status == 200)
        }
    }

    /// A server that accepts TCP connections but never answers: the probe still answers in time.
    @Test func aDatabaseThatNeverAnswersIsBoundedByTheProbeTimeout() async throws {
        let listener = SilentListener()
        defer { listener.close() }
        // The pool's own connect attempt would give up only after 10 s: an answer well before
        // that comes from the probe's timeout.
        let url = "hostaddr=127.0.0.1 port=\(listener.port) dbname=app user=app connect_timeout=10"
        let readiness = Readiness.Settings(timeout: .milliseconds(300), migrationsCacheTTL: .milliseconds(100))
        try await withGateway(try testConfiguration(databaseURL: url), readiness: readiness) { port in
            let start = ContinuousClock.now
            let ready = try await get("/readyz", port: port)
            let elapsed = ContinuousClock.now - start
            #expect(ready.status == 503)
            #expect(try checkStatus(ready, "database") == "unavailable")
            #expect(ready.text.contains("did not answer"), "\(ready.text)")
            #expect(elapsed < .seconds(5), "the probe took \(elapsed)")
            #expect(try await get("/healthz", port: port).status == 200)
        }
    }
}

/// `/readyz` against a real PostgreSQL (`TEST_DATABASE_URL`), a fresh database per test.
@Suite(.enabled(if: databaseTestsEnabled, "THREADGATE_SKIP_DB_TESTS=1"), .timeLimit(.minutes(1)))
struct ReadinessTests {
    @Test func readyWhenTheDatabaseAnswersAndMigrationsAreCurrent() async throws {
        try await withTestDatabase { db in
            try await withGateway(try testConfiguration(databaseURL: db.url)) { port in
                let ready = try await get("/readyz", port: port)
                #expect(ready.status == 200)
                #expect(ready.text.hasPrefix(#"{"status":"ready","checks":{"database":{"status":"ok"},"migrations":{"status":"ok"},"#))
                #expect(try checkStatus(ready, "upstream") == "not_configured", "no UPSTREAM_BASE_URL: reported, not deciding")
                #expect(ready[header: "cache-control"] == "no-store")
                // Many probes in a row: each worker's pool answers, and stays ready.
                for _ in 0..<20 { #expect(try await get("/readyz", port: port).status == 200) }
            }
        }
    }

    @Test func aPendingMigrationIsNotReadyUntilMigrateRuns() async throws {
        try await withTestDatabase(migrate: false) { db in
            let config = try testConfiguration(databaseURL: db.url)
            try await withGateway(config) { port in
                let pending = try await get("/readyz", port: port)
                #expect(pending.status == 503)
                #expect(try checkStatus(pending, "database") == "ok")
                #expect(try checkStatus(pending, "migrations") == "pending")
                #expect(pending.text.contains("0001_initial"))

                let lines = LockedValue([String]())
                let output = ConsoleOutput { line in lines.withLock { $0.append(line) } }
                #expect(await MigrateRuntime.apply(config.database, output: output, errors: output) == 0)
                #expect(lines.withLock { $0 }.contains("applied 0001_initial"))

                #expect(try await eventually(timeout: .seconds(10), pollInterval: .milliseconds(50)) { try await get("/readyz", port: port).status == 200 })
            }
        }
    }

    @Test func anEditedMigrationIsNotReady() async throws {
        let directory = try temporaryMigrations(editing: true)
        defer { removeDirectory(directory) }
        try await withTestDatabase { db in
            let config = try testConfiguration(databaseURL: db.url, environment: ["MIGRATIONS_DIR": directory])
            try await withGateway(config) { port in
                let edited = try await get("/readyz", port: port)
                #expect(edited.status == 503)
                #expect(try checkStatus(edited, "migrations") == "edited")
                #expect(edited.text.contains("0001_initial"))
                #expect(!edited.text.contains("CREATE TABLE"))
            }
        }
    }

    @Test func unreachableThenBackWithoutRestart() async throws {
        try await withTestDatabase { db in
            try await withGateway(try testConfiguration(databaseURL: db.url)) { port in
                #expect(try await get("/readyz", port: port).status == 200)

                try await db.makeUnreachable()
                #expect(try await eventually(timeout: .seconds(10), pollInterval: .milliseconds(50)) {
                    let response = try await get("/readyz", port: port)
                    return try response.status == 503 && checkStatus(response, "database") == "unavailable"
                })
                let down = try await get("/readyz", port: port)
                #expect(try checkStatus(down, "migrations") == "unknown")
                #expect(!down.text.contains(db.name), "the body never names the database")
                #expect(try await get("/healthz", port: port).status == 200, "/healthz does not depend on the database")

                try await db.makeReachable()
                #expect(try await eventually(timeout: .seconds(15), pollInterval: .milliseconds(50)) { try await get("/readyz", port: port).status == 200 })
            }
        }
    }

    @Test func serveWithMigrateAppliesBeforeListening() async throws {
        try await withTestDatabase(migrate: false) { db in
            var config = try testConfiguration(databaseURL: db.url)
            config.migrateOnStart = true
            try await withGateway(config) { port in
                let ready = try await get("/readyz", port: port)
                #expect(ready.status == 200)
            }
        }
    }

    @Test func benchRouteLooksUpOneAccount() async throws {
        try await withTestDatabase { db in
            let connection = try await PostgresConnection.connect(
                to: try PostgresConfiguration(db.url), on: db.admin.loop)
            try await connection.executeScript(
                "CREATE TABLE pgbench_accounts (aid int PRIMARY KEY, bid int, abalance int, filler char(84));"
                    + "INSERT INTO pgbench_accounts (aid, bid, abalance) SELECT i, 1, i * 10 FROM generate_series(1, 100) i")
            await connection.close()
            let config = try testConfiguration(databaseURL: db.url, environment: ["THREADGATE_BENCH_ROUTES": "1"])
            try await withGateway(config) { port in
                let found = try await get("/_bench/account/42", port: port)
                #expect(found.status == 200)
                #expect(found.text == #"{"aid":42,"abalance":420}"#)
                #expect(try await get("/_bench/account/1000", port: port).status == 404)
                #expect(try await get("/_bench/account/x", port: port).status == 400)
            }
            try await withGateway(try testConfiguration(databaseURL: db.url)) { port in
                let off = try await get("/_bench/account/42", port: port)
                #expect(off.status == 404, "bench routes are off by default")
            }
        }
    }
}

/// A copy of the repository's migrations in a temp directory, the first file edited if asked.
func temporaryMigrations(editing: Bool = false, extra: [(String, String)] = []) throws -> String {
    var template = Array("/tmp/tg-app-migrations-XXXXXX".utf8CString)
    guard let path = mkdtemp(&template) else { throw TestSetupError(description: "mkdtemp failed") }
    let directory = String(cString: path)
    var files = try Migration.load(directory: repositoryMigrations).map { ($0.label + ".sql", $0.sql) }
    if editing { files[0].1 += "\n-- edited after it was applied\n" }
    for (name, sql) in files + extra {
        let fd = open(directory + "/" + name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        _ = Array(sql.utf8).withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
    }
    return directory
}

/// Removes a flat directory made by `temporaryMigrations`.
func removeDirectory(_ directory: String) {
    if let handle = opendir(directory) {
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name != "." && name != ".." { unlink(directory + "/" + name) }
        }
        closedir(handle)
    }
    rmdir(directory)
}
