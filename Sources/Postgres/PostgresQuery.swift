/// A statement with `$1…$n` placeholders and its parameters, sent separately from the SQL.
///
/// The SQL is a `StaticString`, so values can never be spliced into it:
/// ```swift
/// let query = PostgresQuery("SELECT id FROM threads WHERE owner_subject = $1 LIMIT $2", subject, 20)
/// ```
/// `init(unsafeSQL:bindings:)` takes SQL built at run time (migration files, generated
/// identifiers) — never put a value in it.
public struct PostgresQuery: Hashable, Sendable {
    public let sql: String
    public var bindings: [PostgresValue]

    public init(_ sql: StaticString, _ bindings: any PostgresEncodable...) {
        self.sql = sql.description
        self.bindings = bindings.map(\.postgresValue)
    }

    public init(_ sql: StaticString, bindings: [PostgresValue]) {
        self.sql = sql.description
        self.bindings = bindings
    }

    /// SQL assembled at run time. Values still go in `bindings`, never into `unsafeSQL`.
    public init(unsafeSQL: String, bindings: [PostgresValue] = []) {
        sql = unsafeSQL
        self.bindings = bindings
    }

    /// Appends one more parameter (the statement's next `$n`).
    public mutating func bind(_ value: some PostgresEncodable) {
        bindings.append(value.postgresValue)
    }
}
