/// A statement with `$1…$n` placeholders and its parameters, sent separately from the SQL.
///
/// The SQL is a `StaticString`, so values can never be spliced into it:
/// ```swift
/// let query = PostgresQuery("SELECT id FROM threads WHERE owner_subject = $1 LIMIT $2", subject, 20)
/// ```
/// `init(unsafeSQL:bindings:)` takes SQL built at run time (migration files, generated
/// identifiers) — never put a value in it.
public struct PostgresQuery: Hashable, Sendable {
    /// The SQL as given: a literal is kept as it is (not copied into a `String` for every
    /// query), and its address identifies the statement in a connection's statement cache.
    enum Text: Sendable {
        case literal(StaticString)
        case assembled(String)
    }

    let text: Text
    public var bindings: [PostgresValue]

    public init(_ sql: StaticString, _ bindings: any PostgresEncodable...) {
        text = .literal(sql)
        self.bindings = bindings.map(\.postgresValue)
    }

    public init(_ sql: StaticString, bindings: [PostgresValue]) {
        text = .literal(sql)
        self.bindings = bindings
    }

    /// SQL assembled at run time. Values still go in `bindings`, never into `unsafeSQL`.
    public init(unsafeSQL: String, bindings: [PostgresValue] = []) {
        text = .assembled(unsafeSQL)
        self.bindings = bindings
    }

    /// The SQL text.
    public var sql: String {
        switch text {
        case .literal(let sql): sql.description
        case .assembled(let sql): sql
        }
    }

    /// Appends one more parameter (the statement's next `$n`).
    public mutating func bind(_ value: some PostgresEncodable) {
        bindings.append(value.postgresValue)
    }

    /// Equal when the SQL text and the bindings are, however the SQL was given.
    public static func == (a: PostgresQuery, b: PostgresQuery) -> Bool {
        a.bindings == b.bindings && a.sql == b.sql
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(sql)
        hasher.combine(bindings)
    }

    /// How a connection's statement cache finds this statement: by the literal's address when
    /// there is one (hashing a pointer, not the text), else by the text.
    var statementKey: StatementCache.Key {
        switch text {
        case .literal(let sql) where sql.hasPointerRepresentation: .literal(UnsafeRawPointer(sql.utf8Start))
        case .literal, .assembled: .text(sql)
        }
    }
}
