import HTTPRouting
import Postgres

/// The admin's view of `users`.
struct UserStore: Sendable {
    let database: @Sendable () throws(APIError) -> PostgresPool

    struct UserSummary {
        var subject: String
        var role: String
        var firstSeenAt: Int64
        var lastSeenAt: Int64
        var threadCount: Int64
    }

    /// Users whose subject starts with `prefix`, ordered by subject, after the cursor `after`.
    func list(prefix: String, after: String?, limit: Int) async throws -> (users: [UserSummary], hasMore: Bool) {
        let rows = try await database().query(PostgresQuery(
            """
            SELECT u.subject, u.role, extract(epoch from u.first_seen_at)::bigint, extract(epoch from u.last_seen_at)::bigint,
                   (SELECT count(*) FROM threads t WHERE t.owner_subject = u.subject AND t.deleted_at IS NULL)::bigint
            FROM users u
            WHERE u.subject LIKE $1 ESCAPE '\\' AND u.subject > $2
            ORDER BY u.subject LIMIT $3
            """, Self.likePrefix(prefix), after ?? "", limit + 1))
        var users = try rows.map { row in
            UserSummary(
                subject: try row.decode(column: 0), role: try row.decode(column: 1), firstSeenAt: try row.decode(column: 2),
                lastSeenAt: try row.decode(column: 3), threadCount: try row.decode(column: 4))
        }
        let hasMore = users.count > limit
        if hasMore { users.removeLast() }
        return (users, hasMore)
    }

    func exists(_ subject: String) async throws -> Bool {
        try await !(try database()).query(PostgresQuery("SELECT 1 FROM users WHERE subject = $1", subject)).isEmpty
    }

    /// Removes the user row (their remaining thread rows and runs go by cascade).
    func remove(_ subject: String) async throws {
        try await database().query(PostgresQuery("DELETE FROM users WHERE subject = $1", subject))
    }

    /// `prefix` as a LIKE pattern matching itself literally, then anything.
    static func likePrefix(_ prefix: String) -> String {
        var pattern = ""
        for character in prefix {
            if character == "%" || character == "_" || character == "\\" { pattern.append("\\") }
            pattern.append(character)
        }
        return pattern + "%"
    }
}
