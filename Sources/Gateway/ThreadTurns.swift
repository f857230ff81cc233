import EventLoop
import HTTPRouting
import Postgres

/// Turn order per thread, across gateway instances: the thread row records who holds it.
///
/// `active_run_id` is either a claim marker (`claim_…`, an ask about to start its run) or the
/// run holding the thread; `active_run_lease_until` bounds how long a holder that died keeps
/// it. Every change is a compare-and-set on the row, so two instances never both win.
struct ThreadTurns: Sendable {
    let database: @Sendable () throws(APIError) -> PostgresPool

    enum Holder: Equatable {
        /// The thread is deleted (or gone).
        case gone
        case free
        /// An ask is about to start a run (`marker`).
        case claimed(marker: String)
        /// `runID` holds the thread; `leaseExpired` when its lease has run out.
        case run(runID: String, leaseExpired: Bool)
        /// The thread now lives in another upstream thread than the caller read (it was
        /// migrated meanwhile): the caller's record is stale.
        case moved
    }

    static func isMarker(_ value: String) -> Bool { value.hasPrefix("claim_") }

    /// The prefix of the markers `ThreadMigrator` holds a thread with (claims like an ask's).
    static let migrationMarkerPrefix = "claim_migrate_"

    static func isMigrationMarker(_ value: String) -> Bool { value.hasPrefix(migrationMarkerPrefix) }

    /// Takes the thread for `marker` when nobody holds it (or the holder's lease ran out) and
    /// it still lives in `upstreamThreadID` (a thread migrated since the caller read it is not taken).
    func claim(_ threadID: String, upstreamThreadID: String, marker: String, lease: Duration) async throws -> Bool {
        let rows = try await database().query(PostgresQuery(
            """
            UPDATE threads SET active_run_id = $2, active_run_lease_until = now() + $3::bigint * interval '1 millisecond'
            WHERE id = $1 AND deleted_at IS NULL AND upstream_thread_id = $4
              AND (active_run_id IS NULL OR active_run_lease_until IS NULL OR active_run_lease_until < now())
            RETURNING 1
            """, threadID, marker, Self.millis(lease), upstreamThreadID))
        return !rows.isEmpty
    }

    /// Replaces the holder `current` with `next` (a marker with its run, a run with itself to
    /// extend the lease); false when someone else holds the thread now.
    @discardableResult
    func replace(_ threadID: String, current: String, next: String, lease: Duration) async throws -> Bool {
        let rows = try await database().query(PostgresQuery(
            """
            UPDATE threads SET active_run_id = $3, active_run_lease_until = now() + $4::bigint * interval '1 millisecond'
            WHERE id = $1 AND active_run_id = $2
            RETURNING 1
            """, threadID, current, next, Self.millis(lease)))
        return !rows.isEmpty
    }

    /// Frees the thread if `holder` still holds it.
    func release(_ threadID: String, holder: String) async throws {
        try await database().query(PostgresQuery(
            "UPDATE threads SET active_run_id = NULL, active_run_lease_until = NULL WHERE id = $1 AND active_run_id = $2",
            threadID, holder))
    }

    /// `release`, and with `touchingActivity` the thread's activity time set in the same
    /// statement (an ask's run ended: one write instead of two).
    func release(_ threadID: String, holder: String, touchingActivity: Bool) async throws {
        guard touchingActivity else { return try await release(threadID, holder: holder) }
        try await database().query(PostgresQuery(
            """
            UPDATE threads SET
                active_run_id = CASE WHEN active_run_id = $2 THEN NULL ELSE active_run_id END,
                active_run_lease_until = CASE WHEN active_run_id = $2 THEN NULL ELSE active_run_lease_until END,
                last_activity_at = now(), updated_at = now()
            WHERE id = $1
            """, threadID, holder))
    }

    /// Who holds the thread now; `.moved` when it no longer lives in `upstreamThreadID`.
    func holder(_ threadID: String, upstreamThreadID: String) async throws -> Holder {
        let rows = try await database().query(PostgresQuery(
            """
            SELECT active_run_id, coalesce(active_run_lease_until < now(), true), upstream_thread_id
            FROM threads WHERE id = $1 AND deleted_at IS NULL
            """, threadID))
        guard let row = rows.first else { return .gone }
        guard try row.decode(column: 2, as: String.self) == upstreamThreadID else { return .moved }
        guard let active = try row.decode(column: 0, as: String?.self) else { return .free }
        let expired: Bool = try row.decode(column: 1)
        if Self.isMarker(active) { return expired ? .free : .claimed(marker: active) }
        return .run(runID: active, leaseExpired: expired)
    }

    /// Threads held by someone, with their holder (start-up reconciliation).
    func held(limit: Int) async throws -> [(ThreadRecord, String)] {
        let rows = try await database().query(PostgresQuery(
            """
            SELECT id, owner_subject, upstream_thread_id, upstream_dialect, title, metadata::text,
                   extract(epoch from created_at)::bigint, extract(epoch from last_activity_at)::bigint, active_run_id
            FROM threads WHERE active_run_id IS NOT NULL AND deleted_at IS NULL LIMIT $1
            """, limit))
        return try rows.map { row in (try ThreadRecord(row: row), try row.decode(column: 8, as: String.self)) }
    }

    /// Whole milliseconds, the unit of the lease and expiry parameters.
    static func millis(_ duration: Duration) -> Int64 {
        Int64(duration.nanoseconds / 1_000_000)
    }
}
