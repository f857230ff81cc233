/// The one error type of the Postgres module.
///
/// `description` is generic and safe to log anywhere; `debugDescription` adds the server's
/// message, SQLSTATE and detail (never the connection password) for logs, not for HTTP bodies.
public struct PostgresError: Error, Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// What went wrong, as a stable, growable code.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }

        /// The connection string could not be parsed.
        public static let invalidConfiguration = Code("invalid_configuration")
        /// Connecting failed, or the connection broke (server gone, socket error).
        public static let connectionFailed = Code("connection_failed")
        /// The server rejected the statement; see `sqlState`.
        public static let queryFailed = Code("query_failed")
        /// No pooled connection became free before the acquire deadline.
        public static let poolExhausted = Code("pool_exhausted")
        /// The statement ran longer than its timeout and was cancelled.
        public static let timeout = Code("timeout")
        /// The caller's task was cancelled (the statement, if running, was cancelled too).
        public static let cancelled = Code("cancelled")
        /// The connection or pool was closed.
        public static let closed = Code("closed")
        /// A column value could not be decoded as the requested type.
        public static let decoding = Code("decoding")
        /// A connection was used by a second operation while one was running.
        public static let connectionBusy = Code("connection_busy")
        /// A migration file is invalid, or an applied one was edited.
        public static let migrationFailed = Code("migration_failed")
        /// An applied migration's file no longer has the checksum it was applied with.
        public static let migrationEdited = Code("migration_edited")

        public var description: String { name }
    }

    /// The fields, boxed: every async step of a query keeps `Result<…, PostgresError>` values in
    /// its frame on the task's allocator, and one reference there is 8 bytes instead of 64.
    private final class Storage: Sendable {
        let code: Code
        let sqlState: String?
        let message: String?
        let detail: String?

        init(code: Code, sqlState: String?, message: String?, detail: String?) {
            self.code = code
            self.sqlState = sqlState
            self.message = message
            self.detail = detail
        }
    }

    private let storage: Storage

    public var code: Code { storage.code }
    /// The server's five-character SQLSTATE when it sent one (such as `23505`).
    public var sqlState: String? { storage.sqlState }
    /// The server's (or libpq's, or this module's) message, for logs only.
    public var message: String? { storage.message }
    /// The server's DETAIL field, for logs only.
    public var detail: String? { storage.detail }

    init(_ code: Code, message: String? = nil, sqlState: String? = nil, detail: String? = nil) {
        storage = Storage(code: code, sqlState: sqlState, message: message, detail: detail)
    }

    /// True for a unique-constraint violation (`23505`).
    public var isUniqueViolation: Bool { sqlState == "23505" }

    public var description: String {
        switch code {
        case .queryFailed: "PostgreSQL query failed (\(sqlState ?? "no SQLSTATE"))"
        default: "PostgreSQL error: \(code)"
        }
    }

    public var debugDescription: String {
        var parts = ["PostgresError(\(code)"]
        if let sqlState { parts.append("sqlstate: \(sqlState)") }
        if let message { parts.append("message: \(message)") }
        if let detail { parts.append("detail: \(detail)") }
        return parts.joined(separator: ", ") + ")"
    }
}
