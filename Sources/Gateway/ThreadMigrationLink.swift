public import JSON
import Postgres
import UpstreamAPI

/// One row of `thread_migrations`: where a thread's history was copied from and to, and how
/// the latest attempt went. The admin endpoint answers it as `thread.migration`; the CLI prints it.
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

    /// Reads a row selected as `thread_id, owner_subject, status, from_dialect,
    /// from_upstream_thread_id, to_dialect, to_upstream_thread_id, message_count::bigint,
    /// copied_count::bigint, dropped::text, attempts::bigint, extract(epoch from started_at)::bigint,
    /// extract(epoch from finished_at)::bigint, error_code, error_message` (see `ThreadMigrationStore`).
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
