import DatabaseTestSupport
import EventLoop
import Postgres
import Testing
import TestSupport

@Suite(.enabled(if: databaseTestsEnabled, "THREADGATE_SKIP_DB_TESTS=1"), .timeLimit(.minutes(1)))
struct PostgresPoolTests {
    @Test func servesConcurrentCallersWithinItsMaximum() async throws {
        try await withTestDatabase(migrate: false, onLoop: true) { db in
            let pool = PostgresPool(loop: db.loop, configuration: .init(connection: db.configuration, maximumConnections: 3))
            try await withThrowingTaskGroup(of: Int.self) { group in
                for value in 0..<30 {
                    group.addTask(executorPreference: db.loop) {
                        try await pool.query(PostgresQuery("SELECT $1::int8, pg_sleep(0.01)", value))[0].decode(column: 0)
                    }
                }
                var sum = 0
                for try await value in group { sum += value }
                #expect(sum == (0..<30).reduce(0, +))
            }
            let figures = pool.statistics
            #expect(figures.size <= 3 && figures.size >= 1)
            #expect(figures.inUse == 0 && figures.waiters == 0 && figures.idle == figures.size)
            await pool.close()
            #expect(pool.statistics.size == 0)
            await expectPostgresError(.closed) { try await pool.query(PostgresQuery("SELECT 1")) }
        }
    }

    @Test func exhaustionFailsAfterTheDeadlineNotAHang() async throws {
        try await withTestDatabase(migrate: false, onLoop: true) { db in
            // The caller waits out the deadline, then fails. (That it queued meanwhile is seen in
            // the next test: a test task of a loaded sanitizer run can stall for seconds, so it
            // cannot be relied on to look within a deadline's window.)
            let pool = PostgresPool(
                loop: db.loop,
                configuration: .init(connection: db.configuration, maximumConnections: 1, acquireTimeout: .seconds(2)))
            let held = try await pool.acquire()
            let start = EventLoop.monotonicNanoseconds
            let waiter = Task(executorPreference: db.loop) { try await pool.query(PostgresQuery("SELECT 1")) }
            await expectPostgresError(.poolExhausted) { _ = try await waiter.value }
            let elapsed = seconds(since: start)
            #expect(elapsed >= 1.95 && elapsed < 30, "took \(elapsed) s: not the 2 s deadline")
            #expect(pool.statistics.waiters == 0)
            pool.release(held)
            await pool.close()
        }
    }

    @Test func aQueuedCallerGetsTheReturnedConnectionOrLeavesWhenCancelled() async throws {
        try await withTestDatabase(migrate: false, onLoop: true) { db in
            // A deadline no queued caller here comes near.
            let pool = PostgresPool(
                loop: db.loop,
                configuration: .init(connection: db.configuration, maximumConnections: 1, acquireTimeout: .seconds(60)))
            // A waiter gets the connection as soon as it comes back.
            let held = try await pool.acquire()
            let second = Task(executorPreference: db.loop) { try await pool.query(PostgresQuery("SELECT 7"))[0].decode(column: 0, as: Int.self) }
            let queued = await eventually(timeout: .seconds(10), pollInterval: .milliseconds(2)) { pool.statistics.waiters == 1 }
            #expect(queued, "the query never queued")
            pool.release(held)
            #expect(try await second.value == 7)
            // A cancelled waiter leaves the queue.
            let again = try await pool.acquire()
            let cancelled = Task(executorPreference: db.loop) { try await pool.acquire() }
            let queuedThenCancelled = await eventually(timeout: .seconds(10), pollInterval: .milliseconds(2)) { pool.statistics.waiters == 1 }
            #expect(queuedThenCancelled, "the acquire to cancel never queued")
            cancelled.cancel()
            await expectPostgresError(.cancelled) { _ = try await cancelled.value }
            #expect(pool.statistics.waiters == 0)
            pool.release(again)
            await pool.close()
        }
    }

    /// A pool dropped without `close()` leaves callbacks in its loop (its own shutdown hook and
    /// its connection's): when the loop shuts down they must find nothing to do, not a freed object.
    @Test func aPoolDroppedWithoutCloseLeavesItsLoopSafeToShutDown() async throws {
        try await withTestDatabase(migrate: false) { db in
            let loop = try EventLoop.start(name: "pg-dropped")
            let departure = try await Self.useAndDropAPool(on: loop, db.configuration)
            #expect(await eventually(timeout: .seconds(10)) { departure.pool == nil }, "the pool is still referenced")
            // Its connection ended its session…
            let ended = try await eventually(timeout: .seconds(10), pollInterval: .milliseconds(20)) {
                try await db.admin.query(PostgresQuery("SELECT count(*) FROM pg_stat_activity WHERE datname = $1", db.name))[0]
                    .decode(column: 0, as: Int.self) == 0
            }
            #expect(ended, "the dropped pool's connection is still open")
            try await onThread { EventLoop.shutdownAndJoin([loop]) }
            #expect(loop.closeStatus == 0)
            // …and left no handle for the shutdown to close.
            #expect(loop.forcedCloses == 0)
        }
    }

    private static func useAndDropAPool(on loop: EventLoop, _ configuration: PostgresConfiguration) async throws -> Departure {
        let pool = PostgresPool(loop: loop, configuration: .init(connection: configuration, maximumConnections: 1))
        #expect(try await pool.query(PostgresQuery("SELECT 1"))[0].decode(column: 0, as: Int.self) == 1)
        let departure = Departure()
        departure.pool = pool
        return departure
    }

    @Test func brokenConnectionsAreReplacedAndAnOutageEndsWithoutRestart() async throws {
        try await withTestDatabase(migrate: false, onLoop: true) { db in
            // A 5 s acquire timeout: loads while the server is up never come near it, even on a
            // loaded machine, and a single wait for it during the outage breaks the 5 s bound.
            let pool = PostgresPool(
                loop: db.loop,
                configuration: .init(
                    connection: db.configuration, minimumConnections: 1, maximumConnections: 4,
                    acquireTimeout: .seconds(5), initialBackoff: .milliseconds(50), maximumBackoff: .milliseconds(200)))
            func load() async -> [Result<Int, any Error>] {
                await withTaskGroup(of: Result<Int, any Error>.self) { group in
                    for value in 0..<16 {
                        group.addTask(executorPreference: db.loop) {
                            do {
                                return .success(try await pool.query(PostgresQuery("SELECT $1::int8", value))[0].decode(column: 0))
                            } catch {
                                return .failure(error)
                            }
                        }
                    }
                    return await group.reduce(into: []) { $0.append($1) }
                }
            }
            #expect(await load().allSatisfy { if case .success = $0 { true } else { false } })

            // The server goes away for this database: backends killed, new connections refused.
            _ = try await db.admin.query(PostgresQuery(unsafeSQL: "ALTER DATABASE \(db.name) ALLOW_CONNECTIONS false"))
            _ = try await db.admin.query(
                PostgresQuery("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", db.name))
            try await db.loop.sleep(for: .milliseconds(100))
            let start = EventLoop.monotonicNanoseconds
            for _ in 0..<3 {
                let results = await load()
                for result in results {
                    if case .failure(let error) = result {
                        #expect((error as? PostgresError)?.code == .connectionFailed, "\(String(reflecting: error))")
                    } else {
                        Issue.record("a query succeeded while the database refused connections")
                    }
                }
            }
            #expect(seconds(since: start) < 5, "failures must be fast, not waits for the acquire deadline")
            #expect(pool.statistics.serverReachable == false)

            // Back again: the same pool recovers by itself.
            _ = try await db.admin.query(PostgresQuery(unsafeSQL: "ALTER DATABASE \(db.name) ALLOW_CONNECTIONS true"))
            var recovered = false
            for _ in 0..<50 where !recovered {
                try await db.loop.sleep(for: .milliseconds(100))
                recovered = (try? await pool.query(PostgresQuery("SELECT 1"))) != nil
            }
            #expect(recovered)
            #expect(await load().allSatisfy { if case .success = $0 { true } else { false } })
            #expect(pool.statistics.serverReachable)
            await pool.close()
        }
    }
}

/// Closing while a connection attempt hangs on a server that never answers (no database needed).
@Suite(.timeLimit(.minutes(1)))
struct PostgresPoolCloseTests {
    @Test func closeAbandonsAConnectAttemptToASilentServer() async throws {
        let listener = SilentListener()
        defer { listener.close() }
        var connection = try PostgresConfiguration("host=127.0.0.1 port=\(listener.port) dbname=silent user=silent")
        connection.connectTimeout = .seconds(300)
        let loop = try EventLoop.start(name: "pg-close")
        let pool = PostgresPool(
            loop: loop,
            configuration: .init(connection: connection, minimumConnections: 1, maximumConnections: 2, acquireTimeout: .seconds(300)))
        // The warm-up attempt hangs in the startup exchange; a caller waits behind it.
        let caller = Task(executorPreference: loop) { try await pool.acquire() }
        #expect(await eventually { pool.statistics.connecting == 1 && pool.statistics.waiters == 1 })
        try await Task.sleep(for: .milliseconds(200))  // past name resolution, into the socket wait
        #expect(pool.statistics.connecting == 1)

        let closed = LockedValue(false)
        let closing = Task { await pool.close(); closed.withLock { $0 = true } }
        // Bounded by the test, not timed: without abandoning the attempt, close would wait 300 s.
        let returned = await eventually(timeout: .seconds(10)) { closed.withLock { $0 } }
        #expect(returned, "PostgresPool.close waited for the pending connect")
        await expectPostgresError(.closed) { _ = try await caller.value }
        #expect(pool.statistics.connecting == 0 && pool.statistics.size == 0)

        try await onThread { EventLoop.shutdownAndJoin([loop]) }
        await closing.value
        #expect(loop.closeStatus == 0)
        #expect(loop.forcedCloses == 0, "the abandoned attempt's socket watcher was closed, not left to the shutdown")
    }
}

/// Watches a pool go away.
private final class Departure: @unchecked Sendable {  // set once before it is shared
    weak var pool: PostgresPool?
}
