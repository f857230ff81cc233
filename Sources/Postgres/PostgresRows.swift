internal import CPQ
#if canImport(Glibc)
import Glibc
#endif

/// Owns one `PGresult`. A result is immutable once libpq hands it over, and libpq's accessors
/// only read it, so rows may be decoded on any thread. Column names and types are read from the
/// result when asked, not copied out for every result.
final class PostgresResultStorage: @unchecked Sendable {  // immutable PGresult, read-only access
    let result: OpaquePointer
    let rowCount: Int
    let columnCount: Int

    init(_ result: OpaquePointer) {
        self.result = result
        rowCount = Int(PQntuples(result))
        columnCount = Int(PQnfields(result))
    }

    deinit { PQclear(result) }

    func columnType(_ column: Int) -> PostgresDataType {
        PostgresDataType(rawValue: PQftype(result, Int32(column)))
    }

    func columnName(_ column: Int) -> String {
        String(cString: PQfname(result, Int32(column)))
    }

    var columnNames: [String] { (0..<columnCount).map(columnName) }

    /// The first column named exactly `name` (case-sensitive, unlike `PQfnumber`).
    func columnIndex(named name: String) -> Int? {
        var name = name
        return name.withUTF8 { wanted in
            for column in 0..<columnCount {
                let candidate = PQfname(result, Int32(column))!
                guard strlen(candidate) == wanted.count else { continue }
                if wanted.isEmpty || memcmp(candidate, wanted.baseAddress!, wanted.count) == 0 { return column }
            }
            return nil
        }
    }

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

    public var columnCount: Int { storage.columnCount }

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
        let columnType = storage.columnType(column)
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
                message: "column \(column) '\(storage.columnName(column))' (\(columnType)) as \(T.self): \(error.message ?? "")")
        }
    }

    /// Decodes the column named `column` (exact, case-sensitive match of the result's name).
    public func decode<T: PostgresDecodable>(column name: String, as type: T.Type = T.self) throws(PostgresError) -> T {
        guard let index = storage.columnIndex(named: name) else {
            throw .decoding("no column named '\(name)' (columns: \(storage.columnNames.joined(separator: ", ")))")
        }
        return try decode(column: index, as: T.self)
    }
}
