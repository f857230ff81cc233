import HTTPRouting
import JSON
import Postgres
import UpstreamAPI

/// The `runs` table: every run created through threadgate, for usage reports (and, for
/// ask-and-wait, turn order).
struct RunStore: Sendable {
    let database: @Sendable () throws(APIError) -> PostgresPool

    /// Records a run just created (or updates it when seen again).
    func record(_ run: UpstreamRun, threadID: String, idempotencyKey: String?) async throws {
        try await database().query(PostgresQuery(
            """
            INSERT INTO runs (upstream_run_id, thread_id, status, usage, idempotency_key, completed_at)
            VALUES ($1, $2, $3, $4::jsonb, $5, CASE WHEN $6 THEN now() END)
            ON CONFLICT (upstream_run_id) DO UPDATE SET
                status = EXCLUDED.status, usage = coalesce(EXCLUDED.usage, runs.usage), updated_at = now(),
                completed_at = coalesce(runs.completed_at, EXCLUDED.completed_at)
            """,
            run.id, threadID, run.status.rawValue, run.usage.map { JSONValue.object($0).jsonString }, idempotencyKey,
            run.status.isTerminal))
    }

    /// Stores a status change seen on a run of `threadID` (no write when nothing changed).
    func update(_ run: UpstreamRun, threadID: String) async throws {
        try await database().query(PostgresQuery(
            """
            UPDATE runs SET status = $3, usage = coalesce($4::jsonb, usage), updated_at = now(),
                completed_at = CASE WHEN $5 THEN coalesce(completed_at, now()) ELSE completed_at END
            WHERE upstream_run_id = $1 AND thread_id = $2
              AND (status IS DISTINCT FROM $3 OR (usage IS NULL AND $4::jsonb IS NOT NULL))
            """,
            run.id, threadID, run.status.rawValue, run.usage.map { JSONValue.object($0).jsonString }, run.status.isTerminal))
    }

    /// The recorded runs of a thread as run objects (for upstreams that cannot list a thread's
    /// runs), oldest first; at most the newest 1000.
    func runObjects(threadID: String) async throws -> [JSONObject] {
        let rows = try await database().query(PostgresQuery(
            """
            SELECT upstream_run_id, status, extract(epoch from created_at)::bigint, usage::text,
                   extract(epoch from completed_at)::bigint
            FROM (SELECT * FROM runs WHERE thread_id = $1 ORDER BY created_at DESC, upstream_run_id DESC LIMIT 1000) newest
            ORDER BY created_at, upstream_run_id
            """, threadID))
        return try rows.map { row in
            let usage = try row.decode(column: 3, as: String?.self).flatMap { try? JSONValue(parsing: $0) } ?? .null
            return [
                "id": .string(try row.decode(column: 0)), "object": "thread.run", "created_at": .int(try row.decode(column: 2)),
                "thread_id": .string(threadID), "status": .string(try row.decode(column: 1)), "usage": usage,
                "completed_at": try row.decode(column: 4, as: Int64?.self).map(JSONValue.int) ?? .null,
            ]
        }
    }

    /// A user's runs by status and the tokens they used.
    func usage(owner: String) async throws -> (byStatus: [(String, Int64)], prompt: Int64, completion: Int64, total: Int64) {
        let rows = try await database().query(PostgresQuery(
            """
            SELECT r.status, count(*)::bigint,
                   coalesce(sum((r.usage->>'prompt_tokens')::bigint), 0)::bigint,
                   coalesce(sum((r.usage->>'completion_tokens')::bigint), 0)::bigint,
                   coalesce(sum((r.usage->>'total_tokens')::bigint), 0)::bigint
            FROM runs r JOIN threads t ON t.id = r.thread_id
            WHERE t.owner_subject = $1
            GROUP BY r.status ORDER BY r.status
            """, owner))
        var byStatus: [(String, Int64)] = []
        var prompt: Int64 = 0, completion: Int64 = 0, total: Int64 = 0
        for row in rows {
            byStatus.append((try row.decode(column: 0), try row.decode(column: 1)))
            prompt += try row.decode(column: 2, as: Int64.self)
            completion += try row.decode(column: 3, as: Int64.self)
            total += try row.decode(column: 4, as: Int64.self)
        }
        return (byStatus, prompt, completion, total)
    }
}
