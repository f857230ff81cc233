import JSON
import Postgres
import UpstreamAPI

/// One row of `threads`, as the routes use it.
struct ThreadRecord: Sendable {
    var id: String
    var owner: String
    var upstreamThreadID: String
    var dialect: DialectKind
    var title: String?
    /// The client's metadata (never the reserved keys).
    var metadata: JSONObject
    var createdAt: Int64
    var lastActivityAt: Int64

    /// Reads a row selected as `id, owner_subject, upstream_thread_id, upstream_dialect, title,
    /// metadata::text, extract(epoch from created_at)::bigint, extract(epoch from last_activity_at)::bigint`.
    init(
        id: String, owner: String, upstreamThreadID: String, dialect: DialectKind, title: String?, metadata: JSONObject,
        createdAt: Int64, lastActivityAt: Int64
    ) {
        self.id = id
        self.owner = owner
        self.upstreamThreadID = upstreamThreadID
        self.dialect = dialect
        self.title = title
        self.metadata = metadata
        self.createdAt = createdAt
        self.lastActivityAt = lastActivityAt
    }

    init(row: PostgresRow) throws {
        id = try row.decode(column: 0)
        owner = try row.decode(column: 1)
        upstreamThreadID = try row.decode(column: 2)
        let dialectName: String = try row.decode(column: 3)
        guard let dialect = DialectKind(rawValue: dialectName) else {
            throw GatewayStoreError("thread \(id) has an unknown dialect '\(dialectName)'")
        }
        self.dialect = dialect
        title = try row.decode(column: 4)
        let metadataText: String = try row.decode(column: 5)
        metadata = (try? JSONValue(parsing: metadataText))?.objectValue ?? [:]
        createdAt = try row.decode(column: 6)
        lastActivityAt = try row.decode(column: 7)
    }

    /// The thread object the frontend sees: Assistants v2's, with threadgate's id and `title`.
    func object(includeOwner: Bool = false) -> JSONObject {
        var object: JSONObject = [
            "id": .string(id),
            "object": "thread",
            "created_at": .int(createdAt),
            "metadata": .object(metadata),
            "tool_resources": .object([:]),
            "title": title.map(JSONValue.string) ?? .null,
            "last_activity_at": .int(lastActivityAt),
        ]
        if includeOwner { object["owner"] = .string(owner) }
        return object
    }
}

/// A store invariant that does not hold (a row the code cannot read); a 500.
struct GatewayStoreError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
