import EventLoop
import HTTPRouting
import Postgres

/// `Idempotency-Key` records, per user: the request's fingerprint and, once answered, the
/// stored response.
struct IdempotencyStore: Sendable {
    let database: @Sendable () throws(APIError) -> PostgresPool
    let lifetime: Duration
    private let lastSweep = LockedValue<UInt64>(0)

    init(database: @escaping @Sendable () throws(APIError) -> PostgresPool, lifetime: Duration) {
        self.database = database
        self.lifetime = lifetime
    }

    enum Record: Equatable {
        /// This request now owns the key.
        case started
        /// Another request with the key is under way.
        case inFlight(fingerprint: String)
        case completed(fingerprint: String, status: Int, body: [UInt8])
    }

    /// Claims `key` for this request, or reports what the key already holds. Expired
    /// records count as absent.
    func begin(subject: String, key: String, fingerprint: String) async throws -> Record {
        try await sweepOccasionally()
        let pool = try database()
        let inserted = try await pool.query(PostgresQuery(
            """
            INSERT INTO idempotency_keys (subject, key, request_fingerprint, expires_at)
            VALUES ($1, $2, $3, now() + $4::bigint * interval '1 millisecond')
            ON CONFLICT (subject, key) DO UPDATE SET
                request_fingerprint = EXCLUDED.request_fingerprint, status = 'in_flight', response_status = NULL,
                response_body = NULL, created_at = now(), expires_at = EXCLUDED.expires_at
            WHERE idempotency_keys.expires_at < now()
            RETURNING 1
            """, subject, key, fingerprint, ThreadTurns.millis(lifetime)))
        if !inserted.isEmpty { return .started }
        let rows = try await pool.query(PostgresQuery(
            "SELECT request_fingerprint, status, response_status, response_body FROM idempotency_keys WHERE subject = $1 AND key = $2",
            subject, key))
        guard let row = rows.first else { return try await begin(subject: subject, key: key, fingerprint: fingerprint) }
        let stored: String = try row.decode(column: 0)
        let status: String = try row.decode(column: 1)
        if status == "completed", let code = try row.decode(column: 2, as: Int?.self) {
            return .completed(fingerprint: stored, status: code, body: try row.decode(column: 3, as: [UInt8]?.self) ?? [])
        }
        return .inFlight(fingerprint: stored)
    }

    /// Stores the answer of the request that owns `key`.
    func complete(subject: String, key: String, status: Int, body: [UInt8]) async throws {
        try await database().query(PostgresQuery(
            """
            UPDATE idempotency_keys SET status = 'completed', response_status = $3, response_body = $4
            WHERE subject = $1 AND key = $2
            """, subject, key, status, body))
    }

    /// Forgets `key` (the request failed in a way a retry should redo).
    func abandon(subject: String, key: String) async throws {
        try await database().query(PostgresQuery(
            "DELETE FROM idempotency_keys WHERE subject = $1 AND key = $2 AND status = 'in_flight'", subject, key))
    }

    /// Deletes expired records, at most once a minute per process.
    private func sweepOccasionally() async throws {
        let now = EventLoop.monotonicNanoseconds
        let due = lastSweep.withLock { last -> Bool in
            guard last == 0 || now &- last > 60_000_000_000 else { return false }
            last = now
            return true
        }
        if due {
            try await database().query(PostgresQuery(
                "DELETE FROM idempotency_keys WHERE ctid IN (SELECT ctid FROM idempotency_keys WHERE expires_at < now() LIMIT 1000)"))
        }
    }
}
