/// The statements one connection has prepared, by SQL and parameter types, with the name each
/// was prepared under. Looking one up allocates nothing: the SQL is the key (a literal's address,
/// else its text), and the (usually single) entry's types are compared with the bindings in place.
/// The same text given both ways is prepared twice, which is harmless.
struct StatementCache {
    enum Key: Hashable {
        /// A `StaticString`'s address: the same literal in the program, hashed as one word.
        case literal(UnsafeRawPointer)
        case text(String)
    }

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

    private var byKey: [Key: [Statement]] = [:]
    private var nextNumber = 0
    private(set) var count = 0

    var isFull: Bool { count >= Self.limit }

    /// The statement prepared for `key` with the types of `bindings`, if any.
    func lookUp(_ key: Key, _ bindings: [PostgresValue]) -> Statement? {
        guard let candidates = byKey[key] else { return nil }
        for statement in candidates where statement.matches(bindings) { return statement }
        return nil
    }

    /// A name not used before on this connection (numbers are never reused, even after `remove`).
    mutating func newName() -> [CChar] {
        defer { nextNumber += 1 }
        return Array("tg_\(nextNumber)".utf8CString)
    }

    mutating func insert(_ statement: Statement, for key: Key) {
        byKey[key, default: []].append(statement)
        count += 1
    }

    mutating func remove(_ key: Key, types: [UInt32]) {
        guard let index = byKey[key]?.firstIndex(where: { $0.types == types }) else { return }
        byKey[key]!.remove(at: index)
        if byKey[key]!.isEmpty { byKey[key] = nil }
        count -= 1
    }

    /// Forgets every statement (the session that held them is gone). Names keep counting up.
    mutating func removeAll() {
        byKey = [:]
        count = 0
    }
}
