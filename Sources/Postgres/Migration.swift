#if canImport(Glibc)
import Glibc
#endif

/// One migration file, `NNNN_name.sql`.
public struct Migration: Hashable, Sendable {
    public let version: Int
    public let name: String
    public let sql: String
    /// FNV-1a 64 of the file's bytes, as 16 lowercase hex digits.
    public let checksum: String

    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
        checksum = Self.checksum(of: Array(sql.utf8))
    }

    /// FNV-1a 64: enough to notice an edited file (not a defence against a deliberate collision).
    public static func checksum(of bytes: [UInt8]) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// Parses a file name `NNNN_name.sql`; nil for anything else.
    static func parseFileName(_ fileName: String) -> (version: Int, name: String)? {
        guard fileName.hasSuffix(".sql") else { return nil }
        let stem = fileName.dropLast(4)
        guard let underscore = stem.firstIndex(of: "_") else { return nil }
        let digits = stem[..<underscore]
        let name = stem[stem.index(after: underscore)...]
        guard !digits.isEmpty, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber), let version = Int(digits),
            !name.isEmpty
        else { return nil }
        return (version, String(name))
    }

    /// Reads every `NNNN_name.sql` in `directory`, ordered by version. Other files are ignored;
    /// a `.sql` file with a malformed name or a repeated version is an error.
    public static func load(directory: String) throws(PostgresError) -> [Migration] {
        guard let handle = opendir(directory) else {
            throw PostgresError(.migrationFailed, message: "cannot open migrations directory \(directory) (errno \(errno))")
        }
        var names: [String] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name.hasSuffix(".sql") { names.append(name) }
        }
        closedir(handle)
        var migrations: [Migration] = []
        for fileName in names {
            guard let (version, name) = parseFileName(fileName) else {
                throw PostgresError(.migrationFailed, message: "\(fileName): expected NNNN_name.sql")
            }
            let bytes = try readFile(directory + "/" + fileName)
            migrations.append(Migration(version: version, name: name, sql: String(decoding: bytes, as: UTF8.self)))
        }
        migrations.sort { $0.version < $1.version }
        for (a, b) in zip(migrations, migrations.dropFirst()) where a.version == b.version {
            throw PostgresError(.migrationFailed, message: "two migrations with version \(a.version): \(a.name), \(b.name)")
        }
        return migrations
    }

    private static func readFile(_ path: String) throws(PostgresError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw PostgresError(.migrationFailed, message: "cannot open \(path) (errno \(errno))") }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw PostgresError(.migrationFailed, message: "cannot read \(path) (errno \(errno))")
            }
            if count == 0 { return bytes }
            bytes += chunk[0..<count]
        }
    }
}
