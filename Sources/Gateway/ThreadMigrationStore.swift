import HTTPRouting
import JSON
import Postgres
import UpstreamAPI

/// The `thread_migrations` table, and the one statement that switches a thread to its copy.
///
/// Every write of an attempt names the attempt's claim marker (`holder`): an attempt that lost
/// the thread's turn (its lease ran out while it stalled) can no longer change the row the
/// attempt after it owns.
struct ThreadMigrationStore: Sendable {
    let database: @Sendable () throws(APIError) -> PostgresPool

    /// The thread's link row, whoever owns the thread.
    func find(_ threadID: String) async throws -> ThreadMigrationLink? {
        let rows = try await database().query(PostgresQuery(
            """
            SELECT m.thread_id, t.owner_subject, m.status, m.from_dialect, m.from_upstream_thread_id, m.to_dialect,
                   m.to_upstream_thread_id, m.message_count::bigint, m.copied_count::bigint, m.dropped::text, m.attempts::bigint,
                   extract(epoch from m.started_at)::bigint, extract(epoch from m.finished_at)::bigint, m.error_code, m.error_message
            FROM thread_migrations m JOIN threads t ON t.id = m.thread_id
            WHERE m.thread_id = $1
            """, threadID))
        return try rows.first.map(ThreadMigrationLink.init(row:))
    }

    /// Starts an attempt: the row is `copying` under `holder`, with no conversation yet and
    /// its counts reset. A `migrated` row is never overwritten (returns false).
    func begin(_ thread: ThreadRecord, to target: DialectKind, holder: String) async throws -> Bool {
        let rows = try await database().query(PostgresQuery(
            """
            INSERT INTO thread_migrations AS m (thread_id, status, from_dialect, from_upstream_thread_id, to_dialect, holder)
            VALUES ($1, 'copying', $2, $3, $4, $5)
            ON CONFLICT (thread_id) DO UPDATE SET
                status = 'copying', from_dialect = EXCLUDED.from_dialect,
                from_upstream_thread_id = EXCLUDED.from_upstream_thread_id, to_dialect = EXCLUDED.to_dialect,
                to_upstream_thread_id = NULL, message_count = 0, copied_count = 0, dropped = '{}'::jsonb,
                attempts = m.attempts + 1, started_at = now(), finished_at = NULL, error_code = NULL,
                error_message = NULL, holder = EXCLUDED.holder
            WHERE m.status <> 'migrated' AND m.to_upstream_thread_id IS NULL
            RETURNING 1
            """, thread.id, thread.dialect.rawValue, thread.upstreamThreadID, target.rawValue, holder))
        return !rows.isEmpty
    }

    /// What was read from the old thread.
    func read(_ threadID: String, holder: String, messages: Int, dropped: JSONObject) async throws {
        try await database().query(PostgresQuery(
            """
            UPDATE thread_migrations SET message_count = $3, dropped = $4::jsonb
            WHERE thread_id = $1 AND holder = $2 AND status = 'copying'
            """, threadID, holder, messages, JSONValue.object(dropped).jsonString))
    }

    /// Names the conversation just created, before anything is written into it.
    /// - Returns: false when the attempt no longer owns the row.
    func created(_ threadID: String, holder: String, conversation: String) async throws -> Bool {
        let rows = try await database().query(PostgresQuery(
            """
            UPDATE thread_migrations SET to_upstream_thread_id = $3
            WHERE thread_id = $1 AND holder = $2 AND status = 'copying'
            RETURNING 1
            """, threadID, holder, conversation))
        return !rows.isEmpty
    }

    /// How many messages are in the new conversation so far.
    func copied(_ threadID: String, holder: String, count: Int) async throws {
        try await database().query(PostgresQuery(
            "UPDATE thread_migrations SET copied_count = $3 WHERE thread_id = $1 AND holder = $2 AND status = 'copying'",
            threadID, holder, count))
    }

    /// The half-made conversation of an earlier attempt is deleted: forget it.
    func forgetConversation(_ threadID: String, conversation: String) async throws {
        try await database().query(PostgresQuery(
            """
            UPDATE thread_migrations SET to_upstream_thread_id = NULL
            WHERE thread_id = $1 AND to_upstream_thread_id = $2 AND status <> 'migrated'
            """, threadID, conversation))
    }

    /// Points the thread at its new upstream thread and marks the link `migrated`, in one
    /// statement: only while `holder` holds the turn and the thread still lives where it was
    /// copied from. The turn is freed by the same update.
    /// - Returns: the link, or nil when nothing was switched (turn lost, thread deleted or moved).
    func switchThread(
        _ thread: ThreadRecord, to target: DialectKind, conversation: String, holder: String
    ) async throws -> ThreadMigrationLink? {
        let rows = try await database().query(PostgresQuery(
            """
            WITH switched AS (
                UPDATE threads SET upstream_dialect = $5, upstream_thread_id = $4, active_run_id = NULL,
                                   active_run_lease_until = NULL, updated_at = now()
                WHERE id = $1 AND deleted_at IS NULL AND active_run_id = $2
                  AND upstream_dialect = $6 AND upstream_thread_id = $3
                RETURNING id, owner_subject
            ), linked AS (
                UPDATE thread_migrations m SET status = 'migrated', finished_at = now(), holder = NULL
                FROM switched
                WHERE m.thread_id = switched.id AND m.holder = $2 AND m.status = 'copying' AND m.to_upstream_thread_id = $4
                RETURNING m.*, switched.owner_subject
            )
            SELECT m.thread_id, m.owner_subject, m.status, m.from_dialect, m.from_upstream_thread_id, m.to_dialect,
                   m.to_upstream_thread_id, m.message_count::bigint, m.copied_count::bigint, m.dropped::text, m.attempts::bigint,
                   extract(epoch from m.started_at)::bigint, extract(epoch from m.finished_at)::bigint, m.error_code, m.error_message
            FROM linked m
            """, thread.id, holder, thread.upstreamThreadID, conversation, target.rawValue, thread.dialect.rawValue))
        return try rows.first.map(ThreadMigrationLink.init(row:))
    }

    /// Records a failed attempt (the thread row untouched). `conversation` is a half-made
    /// conversation that could not be deleted, left for the next attempt to delete. With a
    /// `holder`, only that attempt's row is changed; without one (a failure before the attempt
    /// began), the row is written unless it is `migrated`.
    func fail(
        _ thread: ThreadRecord, to target: DialectKind, holder: String?, code: String, message: String, conversation: String?
    ) async throws {
        try await database().query(PostgresQuery(
            """
            INSERT INTO thread_migrations AS m
                (thread_id, status, from_dialect, from_upstream_thread_id, to_dialect, to_upstream_thread_id,
                 finished_at, error_code, error_message)
            VALUES ($1, 'failed', $3, $4, $5, $6, now(), $7, $8)
            ON CONFLICT (thread_id) DO UPDATE SET
                status = 'failed', to_upstream_thread_id = EXCLUDED.to_upstream_thread_id, finished_at = now(),
                error_code = EXCLUDED.error_code, error_message = EXCLUDED.error_message, holder = NULL,
                attempts = CASE WHEN $2::text IS NULL THEN m.attempts + 1 ELSE m.attempts END,
                started_at = CASE WHEN $2::text IS NULL THEN now() ELSE m.started_at END
            WHERE m.status <> 'migrated' AND ($2::text IS NULL OR m.holder = $2)
            """, thread.id, holder, thread.dialect.rawValue, thread.upstreamThreadID, target.rawValue, conversation, code,
            String(message.prefix(1000))))
    }

    // MARK: Runs of migrated threads

    /// The recorded run `runID` of the caller's thread when it ran before the thread was
    /// migrated (its upstream thread is gone from the thread's view), as a run object.
    func runBeforeMigration(threadID: String, runID: String, owner: String) async throws -> (run: JSONObject, migratedAt: Int64)? {
        let rows = try await database().query(PostgresQuery(
            """
            SELECT r.upstream_run_id, r.status, extract(epoch from r.created_at)::bigint, r.usage::text,
                   extract(epoch from r.completed_at)::bigint, extract(epoch from m.finished_at)::bigint
            FROM runs r
            JOIN thread_migrations m ON m.thread_id = r.thread_id AND m.status = 'migrated'
            JOIN threads t ON t.id = r.thread_id
            WHERE r.thread_id = $1 AND r.upstream_run_id = $2 AND t.owner_subject = $3 AND t.deleted_at IS NULL
              AND r.created_at <= m.started_at
            """, threadID, runID, owner))
        guard let row = rows.first else { return nil }
        let usage = try row.decode(column: 3, as: String?.self).flatMap { try? JSONValue(parsing: $0) } ?? .null
        let run: JSONObject = [
            "id": .string(try row.decode(column: 0)), "object": "thread.run", "created_at": .int(try row.decode(column: 2)),
            "thread_id": .string(threadID), "status": .string(try row.decode(column: 1)), "usage": usage,
            "completed_at": try row.decode(column: 4, as: Int64?.self).map(JSONValue.int) ?? .null,
        ]
        return (run, try row.decode(column: 5))
    }

    // MARK: Selection

    /// Live threads in `dialect`, `owner`'s only when given: those never tried first, then
    /// those whose last attempt failed (so a `--limit` run makes progress past threads that
    /// cannot move), newest activity first within each.
    func candidates(in dialect: DialectKind, owner: String?, limit: Int) async throws -> [ThreadMigrationCandidate] {
        let rows = try await database().query(PostgresQuery(
            """
            SELECT t.id, t.owner_subject, t.upstream_dialect, t.upstream_thread_id,
                   to_char(t.last_activity_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
                   CASE WHEN t.active_run_lease_until > now() THEN t.active_run_id END, m.status, m.error_code
            FROM threads t LEFT JOIN thread_migrations m ON m.thread_id = t.id
            WHERE t.upstream_dialect = $1 AND t.deleted_at IS NULL AND ($2::text IS NULL OR t.owner_subject = $2)
            ORDER BY (m.status IS NOT DISTINCT FROM 'failed'), t.last_activity_at DESC, t.id
            LIMIT $3
            """, dialect.rawValue, owner, limit))
        return try rows.map(ThreadMigrationCandidate.init(row:))
    }

    /// One thread as a candidate, whatever its dialect (an explicitly named thread).
    func candidate(_ threadID: String) async throws -> ThreadMigrationCandidate? {
        let rows = try await database().query(PostgresQuery(
            """
            SELECT t.id, t.owner_subject, t.upstream_dialect, t.upstream_thread_id,
                   to_char(t.last_activity_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
                   CASE WHEN t.active_run_lease_until > now() THEN t.active_run_id END, m.status, m.error_code
            FROM threads t LEFT JOIN thread_migrations m ON m.thread_id = t.id
            WHERE t.id = $1 AND t.deleted_at IS NULL
            """, threadID))
        return try rows.first.map(ThreadMigrationCandidate.init(row:))
    }

    /// Whether migration 0002 is applied (the CLI checks before it starts).
    func tableExists() async throws -> Bool {
        let rows = try await database().query(PostgresQuery("SELECT to_regclass('thread_migrations') IS NOT NULL"))
        return try rows.first?.decode(column: 0, as: Bool.self) ?? false
    }
}

/// A thread `threadgate migrate-threads` may move, as `--dry-run` lists it.
public struct ThreadMigrationCandidate: Sendable {
    public var threadID: String
    public var owner: String
    public var dialect: String
    public var upstreamThreadID: String
    /// `2026-11-22T07:08:24Z`.
    public var lastActivity: String
    /// The run or claim holding the thread now (its lease running), if any.
    public var heldBy: String?
    /// The link row's status and error code, when an attempt was made.
    public var linkStatus: String?
    public var linkError: String?

    init(row: PostgresRow) throws {
        threadID = try row.decode(column: 0)
        owner = try row.decode(column: 1)
        dialect = try row.decode(column: 2)
        upstreamThreadID = try row.decode(column: 3)
        lastActivity = try row.decode(column: 4)
        heldBy = try row.decode(column: 5)
        linkStatus = try row.decode(column: 6)
        linkError = try row.decode(column: 7)
    }
}
