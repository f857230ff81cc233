import EventLoop
import Logging
import Postgres

/// One `PostgresPool` per worker loop, so a request's queries run on the loop that serves it.
///
/// Created at start-up; connections open in the background (a database that is down at start
/// only makes `/readyz` answer 503 until it is reachable: the pools retry with backoff).
/// `close()` runs on shutdown after the HTTP server drained and before the loops stop.
final class DatabasePools: Sendable {
    let pools: [PostgresPool]

    init(loops: [EventLoop], configuration: PostgresPoolConfiguration) {
        pools = loops.map { PostgresPool(loop: $0, configuration: configuration) }
    }

    /// The pool of the loop the caller runs on; route handlers run on their connection's loop.
    /// Off every worker loop (tools, tests) it is the first pool, which hops to its own loop.
    var current: PostgresPool {
        pools.first { $0.loop.inLoop } ?? pools[0]
    }

    /// Opens each pool's minimum connections now rather than on the first request, and logs
    /// whether the database answered. Returns at once; never fails the start-up.
    func warmUp(logger: Logger) {
        for (index, pool) in pools.enumerated() {
            Task(executorPreference: pool.loop) {
                do {
                    try await pool.query(PostgresQuery("SELECT 1"), timeout: .seconds(5))
                    if index == 0 { logger.info("database reachable") }
                } catch let error as PostgresError {
                    guard index == 0 else { return }
                    logger.warning(
                        "database unreachable at start-up; retrying in the background",
                        metadata: ["error": "\(error)", "detail": "\(error.debugDescription)"])
                } catch {
                    if index == 0 { logger.warning("database check failed at start-up", metadata: ["error": "\(error)"]) }
                }
            }
        }
    }

    /// Closes every pool: queued callers fail, lent connections close when returned.
    func close() async {
        await withTaskGroup(of: Void.self) { group in
            for pool in pools {
                group.addTask { await pool.close() }
            }
        }
    }
}
