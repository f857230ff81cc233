import DatabaseTestSupport
import EventLoop
import Postgres
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// Kills the whole test server (`pg-test-cluster.sh restart`: immediate shutdown, then start).
/// It would break the other database tests running alongside, so it runs only on request, alone:
/// `THREADGATE_PG_CRASH_DRILL=1 swift test --filter crashDrill` (the `pgdrill` step of scripts/test.sh).
@Suite(.enabled(if: environment("THREADGATE_PG_CRASH_DRILL") == "1", "set THREADGATE_PG_CRASH_DRILL=1"), .timeLimit(.minutes(1)))
struct CrashDrillTests {
    static func runScript(_ argument: String) -> Int32 {
        var parts = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)
        let script = parts.joined(separator: "/") + "/scripts/pg-test-cluster.sh"
        let argv: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/bash"), strdup(script), strdup(argument), nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        guard posix_spawn(&pid, "/bin/bash", nil, nil, argv, environ) == 0 else { return -1 }
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        return status
    }

    @Test func crashDrillServerKilledAndRestarted() async throws {
        try await withTestDatabase(migrate: false, onLoop: true) { db in
            let pool = PostgresPool(
                loop: db.loop,
                configuration: .init(
                    connection: db.configuration, minimumConnections: 2, maximumConnections: 4,
                    acquireTimeout: .seconds(2), initialBackoff: .milliseconds(50), maximumBackoff: .milliseconds(300)))
            #expect(try await pool.query(PostgresQuery("SELECT 1"))[0].decode(column: 0, as: Int.self) == 1)
            // Load runs while the server dies.
            let load = Task(executorPreference: db.loop) { () -> (ok: Int, failed: Int) in
                var ok = 0
                var failed = 0
                let end = EventLoop.monotonicNanoseconds + 4_000_000_000
                while EventLoop.monotonicNanoseconds < end {
                    do {
                        try await pool.query(PostgresQuery("SELECT 1"))
                        ok += 1
                    } catch {
                        let code = (error as? PostgresError)?.code
                        #expect(code == .connectionFailed || code == .poolExhausted, "\(String(reflecting: error))")
                        failed += 1
                        try? await db.loop.sleep(for: .milliseconds(20))
                    }
                }
                return (ok, failed)
            }
            try await db.loop.sleep(for: .milliseconds(300))
            let status = await Task.detached { Self.runScript("restart") }.value
            #expect(status == 0)
            let (ok, failed) = await load.value
            #expect(ok > 0)
            #expect(failed > 0)
            var recovered = false
            for _ in 0..<50 where !recovered {
                recovered = (try? await pool.query(PostgresQuery("SELECT 1"))) != nil
                if !recovered { try await db.loop.sleep(for: .milliseconds(100)) }
            }
            #expect(recovered)
            await pool.close()
        }
    }
}
