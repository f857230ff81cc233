import HTTPRouting
import EventLoop
import Postgres

/// Users on first sight and their last-seen time, written at most once per
/// `lastSeenInterval` per user and process so a busy user costs no write per request.
final class UserDirectory: Sendable {
    private let database: @Sendable () throws(APIError) -> PostgresPool
    private let interval: UInt64
    /// Subject → monotonic time of the last write, and the role written then.
    private let recent = LockedValue<[String: (at: UInt64, isAdmin: Bool)]>([:])
    private static let maxRemembered = 100_000

    init(database: @escaping @Sendable () throws(APIError) -> PostgresPool, lastSeenInterval: Duration) {
        self.database = database
        interval = lastSeenInterval.nanoseconds
    }

    /// Creates the user or refreshes `last_seen_at` and the role, unless done recently.
    func touch(_ caller: Caller) async throws {
        let now = EventLoop.monotonicNanoseconds
        let fresh = recent.withLock { recent -> Bool in
            guard let last = recent[caller.subject] else { return false }
            return last.isAdmin == caller.isAdmin && now &- last.at < interval
        }
        if fresh { return }
        try await upsert(caller)
        recent.withLock { recent in
            if recent.count >= Self.maxRemembered { recent.removeAll(keepingCapacity: true) }
            recent[caller.subject] = (now, caller.isAdmin)
        }
    }

    /// Makes sure the user row exists now (before a thread references it), whatever was
    /// remembered: an admin may have deleted the user since.
    func ensure(_ caller: Caller) async throws {
        try await upsert(caller)
    }

    /// Forgets a deleted user, so their next request creates them again.
    func forget(_ subject: String) {
        _ = recent.withLock { $0.removeValue(forKey: subject) }
    }

    private func upsert(_ caller: Caller) async throws {
        try await database().query(PostgresQuery(
            """
            INSERT INTO users (subject, role) VALUES ($1, $2)
            ON CONFLICT (subject) DO UPDATE SET last_seen_at = now(), role = EXCLUDED.role
            """, caller.subject, caller.isAdmin ? "admin" : "user"))
    }
}
