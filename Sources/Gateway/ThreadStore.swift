import HTTPRouting
import JSON
import Postgres
import UpstreamAPI

/// The `threads` table: every query the routes run on it, parameterized.
///
/// Lists are keyset-paginated on `(last_activity_at, id)`, newest activity first, which the
/// index `threads_owner_activity_idx` serves. A cursor is a thread id; activity moves a
/// thread to the front, so a thread active during paging can appear on two pages — the
/// price of "most recent activity first" without a snapshot.
struct ThreadStore: Sendable {
    let database: @Sendable () throws(APIError) -> PostgresPool

    /// Inserts a thread created upstream; the owner row is made sure of in the same transaction.
    func insert(_ record: ThreadRecord, ownerIsAdmin: Bool) async throws -> ThreadRecord {
        try await database().transaction { connection in
            try await connection.query(PostgresQuery(
                "INSERT INTO users (subject, role) VALUES ($1, $2) ON CONFLICT (subject) DO NOTHING",
                record.owner, ownerIsAdmin ? "admin" : "user"))
            let rows = try await connection.query(PostgresQuery(
                """
                INSERT INTO threads (id, owner_subject, upstream_thread_id, upstream_dialect, title, metadata)
                VALUES ($1, $2, $3, $4, $5, $6::jsonb)
                RETURNING id, owner_subject, upstream_thread_id, upstream_dialect, title, metadata::text,
                          extract(epoch from created_at)::bigint, extract(epoch from last_activity_at)::bigint
                """,
                record.id, record.owner, record.upstreamThreadID, record.dialect.rawValue, record.title,
                JSONValue.object(record.metadata).jsonString))
            guard let row = rows.first else { throw GatewayStoreError("INSERT … RETURNING gave no row") }
            return try ThreadRecord(row: row)
        }
    }

    /// The caller's live thread `id`; nil for an unknown, deleted or someone else's thread.
    func find(_ id: String, owner: String) async throws -> ThreadRecord? {
        let rows = try await database().query(PostgresQuery(
            """
            SELECT id, owner_subject, upstream_thread_id, upstream_dialect, title, metadata::text,
                   extract(epoch from created_at)::bigint, extract(epoch from last_activity_at)::bigint
            FROM threads WHERE id = $1 AND owner_subject = $2 AND deleted_at IS NULL
            """, id, owner))
        return try rows.first.map(ThreadRecord.init(row:))
    }

    /// Any live thread `id`, whoever owns it (admin routes).
    func find(_ id: String) async throws -> ThreadRecord? {
        let rows = try await database().query(PostgresQuery(
            """
            SELECT id, owner_subject, upstream_thread_id, upstream_dialect, title, metadata::text,
                   extract(epoch from created_at)::bigint, extract(epoch from last_activity_at)::bigint
            FROM threads WHERE id = $1 AND deleted_at IS NULL
            """, id))
        return try rows.first.map(ThreadRecord.init(row:))
    }

    /// One page of `owner`'s live threads and whether more follow in that direction.
    /// - Throws: `ThreadStore.UnknownCursor` when `after`/`before` is not one of the owner's threads.
    func list(owner: String, limit: Int, after: String?, before: String?) async throws -> (threads: [ThreadRecord], hasMore: Bool) {
        let pool = try database()
        let rows: PostgresRows
        if let cursor = after ?? before {
            let known = try await pool.query(PostgresQuery(
                "SELECT 1 FROM threads WHERE id = $1 AND owner_subject = $2", cursor, owner))
            guard !known.isEmpty else { throw UnknownCursor(parameter: after != nil ? "after" : "before") }
        }
        if let after {
            rows = try await pool.query(PostgresQuery(
                """
                SELECT t.id, t.owner_subject, t.upstream_thread_id, t.upstream_dialect, t.title, t.metadata::text,
                       extract(epoch from t.created_at)::bigint, extract(epoch from t.last_activity_at)::bigint
                FROM threads t, threads c
                WHERE c.id = $2 AND t.owner_subject = $1 AND t.deleted_at IS NULL
                  AND (t.last_activity_at, t.id) < (c.last_activity_at, c.id)
                ORDER BY t.last_activity_at DESC, t.id DESC LIMIT $3
                """, owner, after, limit + 1))
        } else if let before {
            rows = try await pool.query(PostgresQuery(
                """
                SELECT t.id, t.owner_subject, t.upstream_thread_id, t.upstream_dialect, t.title, t.metadata::text,
                       extract(epoch from t.created_at)::bigint, extract(epoch from t.last_activity_at)::bigint
                FROM threads t, threads c
                WHERE c.id = $2 AND t.owner_subject = $1 AND t.deleted_at IS NULL
                  AND (t.last_activity_at, t.id) > (c.last_activity_at, c.id)
                ORDER BY t.last_activity_at ASC, t.id ASC LIMIT $3
                """, owner, before, limit + 1))
        } else {
            rows = try await pool.query(PostgresQuery(
                """
                SELECT id, owner_subject, upstream_thread_id, upstream_dialect, title, metadata::text,
                       extract(epoch from created_at)::bigint, extract(epoch from last_activity_at)::bigint
                FROM threads WHERE owner_subject = $1 AND deleted_at IS NULL
                ORDER BY last_activity_at DESC, id DESC LIMIT $2
                """, owner, limit + 1))
        }
        var threads = try rows.map(ThreadRecord.init(row:))
        let hasMore = threads.count > limit
        if hasMore { threads.removeLast() }
        if before != nil { threads.reverse() }
        return (threads, hasMore)
    }

    /// A cursor that names no thread of the owner.
    struct UnknownCursor: Error {
        var parameter: String
    }

    /// Sets title and/or metadata (nil leaves a field alone; `clearTitle` sets it NULL).
    func update(_ id: String, title: String?, clearTitle: Bool, metadata: JSONObject?) async throws -> ThreadRecord? {
        let rows = try await database().query(PostgresQuery(
            """
            UPDATE threads SET
                title = CASE WHEN $3 THEN NULL ELSE coalesce($2, title) END,
                metadata = coalesce($4::jsonb, metadata),
                updated_at = now()
            WHERE id = $1 AND deleted_at IS NULL
            RETURNING id, owner_subject, upstream_thread_id, upstream_dialect, title, metadata::text,
                      extract(epoch from created_at)::bigint, extract(epoch from last_activity_at)::bigint
            """, id, title, clearTitle, metadata.map { JSONValue.object($0).jsonString }))
        return try rows.first.map(ThreadRecord.init(row:))
    }

    /// Marks the thread deleted (its runs stay, for usage reports).
    func markDeleted(_ id: String) async throws {
        try await database().query(PostgresQuery(
            "UPDATE threads SET deleted_at = now(), updated_at = now() WHERE id = $1 AND deleted_at IS NULL", id))
    }

    /// Moves the thread to the front of its owner's list.
    func touchActivity(_ id: String) async throws {
        try await database().query(PostgresQuery(
            "UPDATE threads SET last_activity_at = now(), updated_at = now() WHERE id = $1", id))
    }

    /// Every thread row of `owner`, deleted ones too (user deletion).
    func allThreads(owner: String) async throws -> [(id: String, upstreamThreadID: String, dialect: DialectKind, deleted: Bool)] {
        let rows = try await database().query(PostgresQuery(
            "SELECT id, upstream_thread_id, upstream_dialect, deleted_at IS NOT NULL FROM threads WHERE owner_subject = $1 ORDER BY id",
            owner))
        return try rows.map { row in
            let dialect: String = try row.decode(column: 2)
            return (
                try row.decode(column: 0), try row.decode(column: 1), DialectKind(rawValue: dialect) ?? .assistants,
                try row.decode(column: 3)
            )
        }
    }

    /// Removes a thread row and, by cascade, its runs.
    func remove(_ id: String) async throws {
        try await database().query(PostgresQuery("DELETE FROM threads WHERE id = $1", id))
    }
}
