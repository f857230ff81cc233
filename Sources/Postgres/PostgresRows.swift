internal import CPQ

/// Owns one `PGresult`. A result is immutable once libpq hands it over, and libpq's accessors
/// only read it, so rows may be decoded on any thread.
final class PostgresResultStorage: @unchecked Sendable {  // immutable PGresult, read-only access
    let result: OpaquePointer
    let rowCount: Int
    let columnNames: [String]
    let columnTypes: [PostgresDataType]

    init(_ result: OpaquePointer) {
        self.result = result
        rowCount = Int(PQntuples(result))
        let columns = PQnfields(result)
        columnNames = (0..<columns).map { String(cString: PQfname(result, $0)) }
        columnTypes = (0..<columns).map { PostgresDataType(rawValue: PQftype(result, $0)) }
    }

    deinit { PQclear(result) }

    var commandTag: String { String(cString: PQcmdStatus(result)) }

    var affectedRows: Int? {
        let text = String(cString: PQcmdTuples(result))
        return text.isEmpty ? nil : Int(text)
    }
}

/// The rows a statement returned, in order, plus its command tag.
public struct PostgresRows: RandomAccessCollection, Sendable {
    let storage: PostgresResultStorage?

    init(_ storage: PostgresResultStorage?) { self.storage = storage }

    public var startIndex: Int { 0 }
    public var endIndex: Int { storage?.rowCount ?? 0 }
    public subscript(position: Int) -> PostgresRow {
        precondition(position >= 0 && position < endIndex, "row \(position) out of range 0..<\(endIndex)")
        return PostgresRow(storage: storage!, row: Int32(position))
    }

    /// The result's column names, in order.
    public var columnNames: [String] { storage?.columnNames ?? [] }
    /// The command tag, such as `INSERT 0 1` or `SELECT 3`.
    public var commandTag: String { storage?.commandTag ?? "" }
    /// Rows inserted, updated, deleted, selected… when the command reports a count.
    public var affectedRows: Int? { storage?.affectedRows }
}

/// One result row. Values are decoded from PostgreSQL's text format on demand.
public struct PostgresRow: Sendable {
    let storage: PostgresResultStorage
    let row: Int32

    public var columnCount: Int { storage.columnNames.count }

    /// True when the column is NULL.
    public func isNull(column: Int) -> Bool {
        PQgetisnull(storage.result, row, Int32(column)) != 0
    }

    /// Decodes column `column` (0-based).
    /// - Throws: `PostgresError` `.decoding` naming the column, its type and the reason.
    public func decode<T: PostgresDecodable>(column: Int, as type: T.Type = T.self) throws(PostgresError) -> T {
        guard column >= 0, column < columnCount else {
            throw .decoding("column index \(column) out of range (the row has \(columnCount) columns)")
        }
        let result = storage.result
        let columnType = storage.columnTypes[column]
        do {
            if PQgetisnull(result, row, Int32(column)) != 0 {
                return try T(postgresText: nil, type: columnType)
            }
            let bytes = UnsafeRawBufferPointer(
                start: PQgetvalue(result, row, Int32(column)), count: Int(PQgetlength(result, row, Int32(column))))
            return try T(postgresText: bytes, type: columnType)
        } catch {
            throw PostgresError(
                .decoding,
                message: "column \(column) '\(storage.columnNames[column])' (\(columnType)) as \(T.self): \(error.message ?? "")")
        }
    }

    /// Decodes the column named `column` (exact, case-sensitive match of the result's name).
    public func decode<T: PostgresDecodable>(column name: String, as type: T.Type = T.self) throws(PostgresError) -> T {
        guard let index = storage.columnNames.firstIndex(of: name) else {
            throw .decoding("no column named '\(name)' (columns: \(storage.columnNames.joined(separator: ", ")))")
        }
        return try decode(column: index, as: T.self)
    }
}
