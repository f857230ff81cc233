public import JSON
import Postgres
import UpstreamAPI

/// One row of `thread_migrations`: where a thread's history was copied from and to, and how
/// the latest attempt went. `GET`-style answers of the admin endpoint and the CLI show it.
public struct ThreadMigrationLink: Sendable, Equatable {
    public enum Status: String, Sendable {
        /// An attempt holds the thread and is filling the new conversation (or died doing so).
        case copying
        /// The thread row points at the new conversation.
        case migrated
        /// The thread row was left as it was; `errorCode`/`errorMessage` say why.
        case failed
    }

    public var threadID: String
    public var owner: String
    public var status: Status
    public var fromDialect: String
    public var fromUpstreamThreadID: String
    public var toDialect: String
    /// The new conversation; nil until created (and after a half-made one was deleted).
    public var toUpstreamThreadID: String?
    /// Messages read from the old thread.
    public var messageCount: Int64
    /// Messages written into the new one (a message with no text at all is not).
    public var copiedCount: Int64
    /// What could not be carried over, by kind (`image_file`, `attachment`, …).
    public var dropped: JSONObject
    public var attempts: Int64
    /// Unix seconds of the latest attempt's start and end.
    public var startedAt: Int64
    public var finishedAt: Int64?
    public var errorCode: String?
    public var errorMessage: String?

    /// The columns ``init(row:)`` reads, in order (`m` is `thread_migrations`, `t` is `threads`).
    static let columns = """
        m.thread_id, t.owner_subject, m.status, m.from_dialect, m.from_upstream_thread_id, m.to_dialect,
        m.to_upstream_thread_id, m.message_count::bigint, m.copied_count::bigint, m.dropped::text, m.attempts::bigint,
        extract(epoch from m.started_at)::bigint, extract(epoch from m.finished_at)::bigint, m.error_code, m.error_message
        """

    init(row: PostgresRow) throws {
        threadID = try row.decode(column: 0)
        owner = try row.decode(column: 1)
        let status: String = try row.decode(column: 2)
        guard let value = Status(rawValue: status) else {
            throw GatewayStoreError("thread migration of \(threadID) has an unknown status '\(status)'")
        }
        self.status = value
        fromDialect = try row.decode(column: 3)
        fromUpstreamThreadID = try row.decode(column: 4)
        toDialect = try row.decode(column: 5)
        toUpstreamThreadID = try row.decode(column: 6)
        messageCount = try row.decode(column: 7)
        copiedCount = try row.decode(column: 8)
        dropped = (try? JSONValue(parsing: try row.decode(column: 9, as: String.self)))?.objectValue ?? [:]
        attempts = try row.decode(column: 10)
        startedAt = try row.decode(column: 11)
        finishedAt = try row.decode(column: 12)
        errorCode = try row.decode(column: 13)
        errorMessage = try row.decode(column: 14)
    }

    /// Messages read but not written: they had no text at all.
    public var skippedMessages: Int64 { messageCount - copiedCount }

    /// Parts not carried over, all kinds together.
    public var droppedTotal: Int64 { dropped.values.reduce(0) { $0 + ($1.int64Value ?? 0) } }

    /// The `thread.migration` object of the admin API.
    public var json: JSONObject {
        [
            "object": "thread.migration",
            "thread_id": .string(threadID),
            "owner": .string(owner),
            "status": .string(status.rawValue),
            "from": ["dialect": .string(fromDialect), "upstream_thread_id": .string(fromUpstreamThreadID)],
            "to": ["dialect": .string(toDialect), "upstream_thread_id": toUpstreamThreadID.map(JSONValue.string) ?? .null],
            "message_count": .int(messageCount),
            "copied_count": .int(copiedCount),
            "skipped_messages": .int(skippedMessages),
            "dropped": .object(dropped),
            "attempts": .int(attempts),
            "started_at": .int(startedAt),
            "finished_at": finishedAt.map(JSONValue.int) ?? .null,
            "error": errorCode.map { ["code": .string($0), "message": .string(errorMessage ?? "")] } ?? .null,
        ]
    }
}

extension DialectKind {
    /// The name operators know the dialect by.
    var title: String {
        switch self {
        case .assistants: "Assistants"
        case .responses: "Responses"
        }
    }
}
