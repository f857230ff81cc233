import HTTP1
import HTTPRouting
import JSON
import Postgres

/// Bench-only routes, registered only when `THREADGATE_BENCH_ROUTES=1` and a database is
/// configured. Not part of the product API: `bench/db-lookup.sh` uses them to measure one
/// indexed lookup per request through the whole HTTP + pool path.
///
/// - `GET /_bench/account/{aid}` → `{"aid":…,"abalance":…}` from pgbench's `pgbench_accounts`
///   (`pgbench -i`), 404 when there is no such row, 400 when `aid` is not an integer.
enum BenchRoutes {
    static func register(on routes: RouterBuilder, database: DatabasePools) {
        routes.get("/_bench/account/{aid}") { request in
            guard let aid = Int32(try request.requireParameter("aid")) else {
                throw APIError.invalidParameter("aid", message: "'aid' must be a 32-bit integer.")
            }
            let rows = try await database.current.query(
                PostgresQuery("SELECT abalance FROM pgbench_accounts WHERE aid = $1", aid))
            guard let row = rows.first else { throw APIError.notFound(message: "No account \(aid).") }
            let balance = try row.decode(column: 0, as: Int.self)
            return .json(["aid": .int(Int64(aid)), "abalance": .int(Int64(balance))])
        }
    }
}
