/// The statements one connection has prepared, by SQL text and parameter types, with the name
/// each was prepared under. Looking one up allocates nothing: the SQL text is the key, and the
/// (usually single) entry's types are compared with the bindings in place.
struct StatementCache {
    /// The most statements one connection keeps prepared; beyond it statements run unnamed.
    static let limit = 512

    struct Statement {
        let types: [UInt32]
        /// `tg_<n>`, NUL-terminated for libpq.
        let name: [CChar]

        func matches(_ bindings: [PostgresValue]) -> Bool {
            guard types.count == bindings.count else { return false }
            for index in types.indices where types[index] != bindings[index].type.rawValue { return false }
            return true
        }
    }

    private var bySQL: [String: [Statement]] = [:]
    private var nextNumber = 0
    private(set) var count = 0

    var isFull: Bool { count >= Self.limit }

    /// The statement prepared for `sql` with the types of `bindings`, if any.
    func lookUp(_ sql: String, _ bindings: [PostgresValue]) -> Statement? {
        guard let candidates = bySQL[sql] else { return nil }
        for statement in candidates where statement.matches(bindings) { return statement }
        return nil
    }

    /// A name not used before on this connection (numbers are never reused, even after `remove`).
    mutating func newName() -> [CChar] {
        defer { nextNumber += 1 }
        return Array("tg_\(nextNumber)".utf8CString)
    }

    mutating func insert(_ statement: Statement, for sql: String) {
        bySQL[sql, default: []].append(statement)
        count += 1
    }

    mutating func remove(_ sql: String, types: [UInt32]) {
        guard let index = bySQL[sql]?.firstIndex(where: { $0.types == types }) else { return }
        bySQL[sql]!.remove(at: index)
        if bySQL[sql]!.isEmpty { bySQL[sql] = nil }
        count -= 1
    }

    /// Forgets every statement (the session that held them is gone). Names keep counting up.
    mutating func removeAll() {
        bySQL = [:]
        count = 0
    }
}
